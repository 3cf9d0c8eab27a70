#include "numeric/ordered_product.h"

#include <cstring>

namespace stacksim::num {

namespace {

// The kernel this file reproduces: Eigen 3.4's GEBP for double with 2-double packets and no
// fused multiply-add (x86-64 SSE2). Other builds use Eigen's product.
#if defined(__GNUC__) && defined(EIGEN_VECTORIZE_SSE2) && !defined(EIGEN_VECTORIZE_AVX) && !defined(EIGEN_VECTORIZE_FMA) && \
    !defined(EIGEN_HAS_SINGLE_INSTRUCTION_MADD) && EIGEN_VERSION_AT_LEAST(3, 4, 0) && !EIGEN_VERSION_AT_LEAST(3, 4, 90)
constexpr bool reproduces_gebp = Eigen::internal::gebp_traits<double, double>::LhsProgress == 2 &&
                                 Eigen::internal::gebp_traits<double, double>::mr == 4 &&
                                 Eigen::internal::gebp_traits<double, double>::nr == 4;
#else
constexpr bool reproduces_gebp = false;
#endif

// Eigen sends a product to its GEBP kernel unless a side is a vector (matrix-vector product)
// or rows + depth + cols < EIGEN_GEMM_TO_COEFFBASED_THRESHOLD (coefficient-based product).
bool eigen_uses_gebp(Eigen::Index rows, Eigen::Index depth, Eigen::Index cols) {
    return reproduces_gebp && rows > 1 && cols > 1 && depth > 0 && rows + depth + cols >= EIGEN_GEMM_TO_COEFFBASED_THRESHOLD;
}

#if defined(__GNUC__) && defined(__x86_64__)
#define STACKSIM_PRODUCT_CLONES __attribute__((target_clones("avx", "default")))
#else
#define STACKSIM_PRODUCT_CLONES
#endif

// Four doubles as one value (GCC's vector extension): element-wise IEEE operations, so each
// lane is rounded as the scalar code would; two SSE2 registers by default, one AVX register in
// the AVX clone (AVX has no fused multiply-add).
typedef double double4 __attribute__((vector_size(32)));

// (Through references: a vector value passed or returned changes the ABI between the clones.)
[[gnu::always_inline]] inline void load4(double4& v, const double* p) { std::memcpy(&v, p, sizeof v); }
[[gnu::always_inline]] inline void store4(double* p, const double4& v) { std::memcpy(p, &v, sizeof v); }

// dst (+)= a * b. The 4 x 4 tiles of whole row blocks keep 16 sums in flight, one accumulator
// per element and k in order; the rows past the last whole block of 4 follow the kernel's
// remainder paths (one-packet rows of whole column panels: even and odd k apart).
template <bool add>
STACKSIM_PRODUCT_CLONES void product_kernel(double* dst, Eigen::Index ldd, const double* a, Eigen::Index lda,
                                            const double* b, Eigen::Index ldb, Eigen::Index rows, Eigen::Index depth,
                                            Eigen::Index cols) {
    const Eigen::Index mc2 = rows / 4 * 4;                 // rows of whole 4-row blocks
    const Eigen::Index mc1 = mc2 + (rows - mc2) / 2 * 2;   // the one-packet rows after them
    const Eigen::Index panel_cols = cols / 4 * 4;          // columns of whole 4-column panels
    const Eigen::Index peeled_k = depth & ~Eigen::Index{7};
    auto finish = [&](Eigen::Index i, Eigen::Index j, double sum) {
        double& d = dst[i + j * ldd];
        d = (add ? d : 0.0) + sum;
    };
    for (Eigen::Index j = 0; j < panel_cols; j += 4) {
        const double* b0 = b + j * ldb;
        const double* b1 = b0 + ldb;
        const double* b2 = b1 + ldb;
        const double* b3 = b2 + ldb;
        for (Eigen::Index i = 0; i < mc2; i += 4) {
            double4 c0 = {0, 0, 0, 0}, c1 = c0, c2 = c0, c3 = c0;
            for (Eigen::Index k = 0; k < depth; ++k) {
                double4 ak;
                load4(ak, a + i + k * lda);
                c0 += ak * b0[k];
                c1 += ak * b1[k];
                c2 += ak * b2[k];
                c3 += ak * b3[k];
            }
            const double4 cs[4] = {c0, c1, c2, c3};
            for (int jj = 0; jj < 4; ++jj) {
                double* d = dst + i + (j + jj) * ldd;
                double4 before = {0, 0, 0, 0};
                if (add)
                    load4(before, d);
                store4(d, before + cs[jj]);
            }
        }
        for (int jj = 0; jj < 4; ++jj) {
            const double* bj = b + (j + jj) * ldb;
            for (Eigen::Index i = mc2; i < mc1; ++i) {
                double even = 0.0, odd = 0.0;
                for (Eigen::Index k = 0; k < peeled_k; k += 2) {
                    even += a[i + k * lda] * bj[k];
                    odd += a[i + (k + 1) * lda] * bj[k + 1];
                }
                double sum = even + odd;
                for (Eigen::Index k = peeled_k; k < depth; ++k)
                    sum += a[i + k * lda] * bj[k];
                finish(i, j + jj, sum);
            }
            for (Eigen::Index i = mc1; i < rows; ++i) {
                double sum = 0.0;
                for (Eigen::Index k = 0; k < depth; ++k)
                    sum += a[i + k * lda] * bj[k];
                finish(i, j + jj, sum);
            }
        }
    }
    for (Eigen::Index j = panel_cols; j < cols; ++j) { // every row in order
        const double* bj = b + j * ldb;
        for (Eigen::Index i = 0; i < mc2; i += 4) {
            double4 c = {0, 0, 0, 0};
            for (Eigen::Index k = 0; k < depth; ++k) {
                double4 ak;
                load4(ak, a + i + k * lda);
                c += ak * bj[k];
            }
            double* d = dst + i + j * ldd;
            double4 before = {0, 0, 0, 0};
            if (add)
                load4(before, d);
            store4(d, before + c);
        }
        for (Eigen::Index i = mc2; i < rows; ++i) {
            double sum = 0.0;
            for (Eigen::Index k = 0; k < depth; ++k)
                sum += a[i + k * lda] * bj[k];
            finish(i, j, sum);
        }
    }
}

template <bool add>
void product(Eigen::Ref<Eigen::MatrixXd> dst, const Eigen::MatrixXd& a, const Eigen::Ref<const Eigen::MatrixXd>& b) {
    const Eigen::Index rows = a.rows(), depth = a.cols(), cols = b.cols();
    if (!eigen_uses_gebp(rows, depth, cols)) {
        if constexpr (add)
            dst.noalias() += a * b;
        else
            dst.noalias() = a * b;
        return;
    }
    product_kernel<add>(dst.data(), dst.outerStride(), a.data(), a.outerStride(), b.data(), b.outerStride(), rows,
                        depth, cols);
}

} // namespace

void ordered_product(Eigen::Ref<Eigen::MatrixXd> dst, const Eigen::MatrixXd& a, const Eigen::Ref<const Eigen::MatrixXd>& b) {
    product<false>(dst, a, b);
}

void ordered_product_add(Eigen::Ref<Eigen::MatrixXd> dst, const Eigen::MatrixXd& a,
                         const Eigen::Ref<const Eigen::MatrixXd>& b) {
    product<true>(dst, a, b);
}

} // namespace stacksim::num
