// Matrix multiply through oneDNN's sgemm (row-major, optional transposes):
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
#include <dnnl.h>
#include "args.h"
#include "empty_product.h"
#include "registry.h"

namespace hourglass {

// sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
static Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  expectCount(info, 13, "sgemm");
  auto env = info.Env();
  bool transA = flag(info, 0, "transA"), transB = flag(info, 1, "transB");
  int64_t M = dim(info, 2, "M"), N = dim(info, 3, "N"), K = dim(info, 4, "K");
  float alpha = static_cast<float>(number(info, 5, "alpha"));
  int64_t lda = dim(info, 7, "lda"), ldb = dim(info, 9, "ldb"), ldc = dim(info, 12, "ldc");
  float beta = static_cast<float>(number(info, 10, "beta"));
  // Row-major: A is M x K (K x M when transposed) with row stride lda.
  int64_t aRows = transA ? K : M, aCols = transA ? M : K;
  int64_t bRows = transB ? N : K, bCols = transB ? K : N;
  if (lda < std::max<int64_t>(aCols, 1)) fail(env, "lda must be at least " + std::to_string(std::max<int64_t>(aCols, 1)));
  if (ldb < std::max<int64_t>(bCols, 1)) fail(env, "ldb must be at least " + std::to_string(std::max<int64_t>(bCols, 1)));
  if (ldc < std::max<int64_t>(N, 1)) fail(env, "ldc must be at least " + std::to_string(std::max<int64_t>(N, 1)));
  if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) fail(env, "matrix dimension exceeds 2^31");
  auto need = [&](int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : product(env, {rows - 1, ld}) + cols; };
  FloatView A = floats(info, 6, "A", need(aRows, aCols, lda));
  FloatView B = floats(info, 8, "B", need(bRows, bCols, ldb));
  FloatView C = floats(info, 11, "C", need(M, N, ldc));
  if (M == 0 || N == 0) return env.Undefined();
  if (K == 0) {
    scaleByBeta(C.data, M, N, ldc, beta);
    return env.Undefined();
  }
  dnnl_status_t status = dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', M, N, K, alpha, A.data, lda, B.data, ldb,
                                    beta, C.data, ldc);
  if (status != dnnl_success) fail(env, "dnnl_sgemm failed with status " + std::to_string(status));
  return env.Undefined();
}
HOURGLASS_EXPORT(sgemm, Sgemm);

}  // namespace hourglass
