// ordered_product gives exactly the bits of Eigen's own product (ordered_product.h), for every
// shape up to 40 x 40 x 20, with '=' and '+=', on operands whose magnitudes spread over twelve
// decades (so that any other order of additions shows in the last bits), and on strided views.
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "numeric/ordered_product.h"

using stacksim::num::ordered_product;
using stacksim::num::ordered_product_add;

namespace {

Eigen::MatrixXd spread(Eigen::Index rows, Eigen::Index cols, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
    std::uniform_int_distribution<int> decade(-6, 6);
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i)
            m(i, j) = mantissa(rng) * std::pow(10.0, decade(rng));
    return m;
}

bool same_bits(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
    return x.rows() == y.rows() && x.cols() == y.cols() &&
           std::memcmp(x.data(), y.data(), sizeof(double) * static_cast<std::size_t>(x.size())) == 0;
}

} // namespace

TEST(OrderedProduct, has_the_bits_of_eigens_product_for_every_shape) {
    std::mt19937_64 rng(2026);
    int differing = 0, shapes = 0;
    for (Eigen::Index rows = 1; rows <= 40; ++rows)
        for (Eigen::Index depth = 1; depth <= 40; ++depth)
            for (Eigen::Index cols = 1; cols <= 20; ++cols) {
                const Eigen::MatrixXd a = spread(rows, depth, rng);
                const Eigen::MatrixXd b = spread(depth, cols, rng);
                const Eigen::MatrixXd d0 = spread(rows, cols, rng);
                Eigen::MatrixXd expect = d0, got = d0;
                expect.noalias() = a * b;
                ordered_product(got, a, b);
                Eigen::MatrixXd expect_add = d0, got_add = d0;
                expect_add.noalias() += a * b;
                ordered_product_add(got_add, a, b);
                ++shapes;
                if (!same_bits(expect, got) || !same_bits(expect_add, got_add)) {
                    ++differing;
                    ADD_FAILURE() << rows << " x " << depth << " x " << cols << ": the bits differ from Eigen's";
                    if (differing > 10)
                        return;
                }
            }
    EXPECT_EQ(shapes, 40 * 40 * 20);
}

TEST(OrderedProduct, reads_and_writes_strided_views_like_eigen) {
    // The thermal network's use: a block of a larger matrix as the destination, a Ref operand.
    std::mt19937_64 rng(7);
    const Eigen::MatrixXd a = spread(17, 17, rng);
    const Eigen::MatrixXd big_b = spread(20, 9, rng);
    Eigen::MatrixXd big_d = spread(25, 9, rng);
    Eigen::MatrixXd expect = big_d;
    expect.block(3, 1, 17, 7).noalias() += a * big_b.block(2, 1, 17, 7);
    ordered_product_add(big_d.block(3, 1, 17, 7), a, big_b.block(2, 1, 17, 7));
    EXPECT_TRUE(same_bits(expect, big_d));
}
