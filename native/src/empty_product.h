// The empty matrix product (K == 0) of sgemm and dgemm, written once: C = beta * C, with
// beta = 0 overwriting C (NaN in C does not propagate). oneDNN's dnnl_sgemm skips the
// scaling in some transpose combinations when K == 0, so neither entry point calls its BLAS then.
#pragma once
#include <cstdint>

namespace hourglass {

template <class T>
inline void scaleByBeta(T* C, int64_t M, int64_t N, int64_t ldc, T beta) {
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0 ? T(0) : beta * C[i * ldc + j];
}

}  // namespace hourglass
