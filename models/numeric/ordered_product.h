// A dense matrix product with exactly the bits of Eigen's own, without its packing.
//
//   dst  = a * b   (ordered_product)
//   dst += a * b   (ordered_product_add)
//
// For small matrices (the thermal network's 17 x 17 propagator applied to one column per
// module) Eigen's general product spends most of its time copying both operands into its
// blocked layout. These functions compute the same sums directly, in the order Eigen 3.4's
// GEBP kernel adds them on an x86-64 build without fused multiply-add (packets of 2 doubles,
// register blocks of 4 rows x 4 columns, k peeled by 8), so every element is rounded the same:
//   - each element of a*b is one accumulator, starting at +0 and adding a(i,k) b(k,j) for
//     k = 0, 1, ... in order; the result is dst(i,j) + that sum (0 + sum for '=');
//   - except the rows Eigen gives its one-packet path ([4 floor(n/4), that + 2 floor((n mod 4)/2))
//     of n rows) in whole panels of 4 columns: there the even and the odd k of the first
//     8 floor(depth/8) are summed apart and joined before the remaining k.
// Shapes Eigen does not send through that kernel (a single row or column: a matrix-vector
// product; rows + depth + cols < 20: its coefficient-based product) and builds whose kernel
// differs (AVX or FMA packets) are handed to Eigen itself. tests/cell/test_ordered_product.cpp
// compares the bits with Eigen's for every shape up to 40 x 40 x 20.
#pragma once

#include <Eigen/Core>

namespace stacksim::num {

void ordered_product(Eigen::Ref<Eigen::MatrixXd> dst, const Eigen::MatrixXd& a,
                     const Eigen::Ref<const Eigen::MatrixXd>& b);
void ordered_product_add(Eigen::Ref<Eigen::MatrixXd> dst, const Eigen::MatrixXd& a,
                         const Eigen::Ref<const Eigen::MatrixXd>& b);

} // namespace stacksim::num
