// Dense linear algebra for PCA: column statistics, centred Gram products (BLAS ssyrk or
// oneDNN sgemm on row blocks, summed in double), double-precision BLAS gemm, and the LAPACK symmetric
// eigensolver and QR. Data matrices are float32, row-major [n, d], one sample per row;
// everything small (d x d, d x l) is float64 so that rounding in the big products is the
// only float32 error.
#include <dnnl.h>
#include <lapacke.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "args.h"
#include "empty_product.h"
#include "registry.h"

// Fortran BLAS, present in every BLAS that LAPACK links against (reference or OpenBLAS).
extern "C" void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
                       const double* beta, double* c, const int* ldc);
extern "C" void ssyrk_(const char* uplo, const char* trans, const int* n, const int* k, const float* alpha,
                       const float* a, const int* lda, const float* beta, float* c, const int* ldc);

namespace hourglass {
namespace {

// LAPACK and BLAS take 32-bit sizes.
void checkInt32(const Napi::Env& env, std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes)
    if (s > INT32_MAX) fail(env, "matrix dimension " + std::to_string(s) + " exceeds 2^31 - 1");
}

void checkSgemm(const Napi::Env& env, dnnl_status_t status) {
  if (status != dnnl_success) fail(env, "dnnl_sgemm failed with status " + std::to_string(status));
}

// Row blocks small enough to stay in cache while sgemm reuses them (per thread).
int64_t rowBlock(int64_t d) {
  const int64_t budget = INT64_C(1) << 21;  // floats, 8 MB
  return std::max<int64_t>(1, std::min<int64_t>(2048, budget / std::max<int64_t>(d, 1)));
}

// out[r, j] = X[start + r, j] - mean[j] for r in [0, rows). Parallel only when the caller
// is not already one thread of a row partition.
void centerRows(const float* X, int64_t d, const double* mean, int64_t start, int64_t rows, float* out, bool parallel) {
#pragma omp parallel for schedule(static) if (parallel && rows * d >= (INT64_C(1) << 16))
  for (int64_t r = 0; r < rows; r++) {
    const float* x = X + (start + r) * d;
    float* y = out + r * d;
    for (int64_t j = 0; j < d; j++) y[j] = static_cast<float>(static_cast<double>(x[j]) - mean[j]);
  }
}

// sum[i] += part[i], in parallel for large arrays.
void accumulate(double* sum, const float* part, int64_t count) {
#pragma omp parallel for schedule(static) if (count >= (INT64_C(1) << 16))
  for (int64_t i = 0; i < count; i++) sum[i] += part[i];
}

void accumulateDoubles(double* sum, const double* part, size_t count) {
  for (size_t i = 0; i < count; i++) sum[i] += part[i];
}

// The streaming kernels below split the rows of X into one contiguous range per thread and
// run everything in a single parallel region: each thread centres its own blocks, calls
// sgemm (single-threaded inside the region) and accumulates privately; the partial sums
// are added at the end. One barrier per call instead of several per block keeps them fast
// when the machine is oversubscribed, where a thread waiting at a barrier for a
// descheduled partner loses a whole time slice. With one thread (small n, or
// OMP_NUM_THREADS=1) the body runs outside any region and sgemm threads itself.
// Threads for n rows: no more than one per half block, so small inputs stay on one.
int rowWorkers(int64_t n, int64_t block) {
  int64_t byWork = std::max<int64_t>(1, n / std::max<int64_t>(block / 2, 64));
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(omp_get_max_threads(), byWork)));
}

// Calls body(worker, begin, end, parallel) on disjoint row ranges covering [0, n). The body
// must not throw; it returns dnnl_success or the first failing status.
template <class Body>
dnnl_status_t forRowRanges(int64_t n, int workers, Body&& body) {
  if (workers <= 1) return body(0, int64_t{0}, n, true);
  std::vector<dnnl_status_t> status(static_cast<size_t>(workers), dnnl_success);
#pragma omp parallel num_threads(workers)
  {
    int w = omp_get_thread_num(), count = omp_get_num_threads();
    int64_t begin = n * w / count, end = n * (w + 1) / count;
    // Ranges follow the team actually granted, so a smaller team still covers every row.
    status[static_cast<size_t>(w)] = body(w, begin, end, false);
  }
  for (dnnl_status_t s : status)
    if (s != dnnl_success) return s;
  return dnnl_success;
}

// out (panel doubles, zeroed first) = the sum over the centred row blocks B of X of
// blockProduct(start, rows, B, scratch, part), which writes the block's float32 panel into
// `part` using up to rows x scratchPerRow floats of `scratch`. Each worker sums its own
// blocks in double; the workers' sums are added in worker order (deterministic).
template <class BlockProduct>
dnnl_status_t sumOverCentredBlocks(const float* X, int64_t n, int64_t d, const double* mean, int64_t scratchPerRow, size_t panel,
                                   double* out, BlockProduct&& blockProduct) {
  std::fill(out, out + panel, 0.0);
  if (n == 0 || d == 0 || panel == 0) return dnnl_success;
  int64_t block = rowBlock(d);
  int workers = rowWorkers(n, block);
  size_t rowsMax = static_cast<size_t>(std::min(block, n));
  std::vector<float> centred(workers * rowsMax * d), scratch(workers * rowsMax * scratchPerRow), parts(workers * panel);
  std::vector<double> sums(static_cast<size_t>(workers - 1) * panel, 0.0);
  dnnl_status_t status = forRowRanges(n, workers, [&](int w, int64_t begin, int64_t end, bool parallel) {
    float* buffer = centred.data() + w * rowsMax * d;
    float* work = scratch.data() + w * rowsMax * scratchPerRow;
    float* part = parts.data() + w * panel;
    double* sum = w == 0 ? out : sums.data() + (w - 1) * panel;
    for (int64_t start = begin; start < end; start += block) {
      int64_t rows = std::min(block, end - start);
      centerRows(X, d, mean, start, rows, buffer, parallel);
      dnnl_status_t s = blockProduct(start, rows, buffer, work, part);
      if (s != dnnl_success) return s;
      for (size_t i = 0; i < panel; i++) sum[i] += part[i];
    }
    return dnnl_success;
  });
  for (int w = 1; w < workers; w++) accumulateDoubles(out, sums.data() + (w - 1) * panel, panel);
  return status;
}

// columnMeans(X, n, d, mean: Float64Array[d]) -> -1 when every value is finite, else the
// flat index of the first NaN or infinity (row-major), so the caller can name row and column.
Napi::Value ColumnMeans(const Napi::CallbackInfo& info) {
  expectCount(info, 4, "columnMeans");
  auto env = info.Env();
  int64_t n = dim(info, 1, "n"), d = dim(info, 2, "d");
  FloatView X = floats(info, 0, "X", product(env, {n, d}));
  DoubleView mean = doubles(info, 3, "mean", d);
  if (n == 0) fail(env, "columnMeans needs at least one row");
  int threads = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(threads) * d, 0.0);
#pragma omp parallel num_threads(threads) if (n * d >= (INT64_C(1) << 16))
  {
    double* acc = partial.data() + static_cast<size_t>(omp_get_thread_num()) * d;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; i++) {
      const float* x = X.data + i * d;
      for (int64_t j = 0; j < d; j++) acc[j] += x[j];
    }
  }
  bool finite = true;
  for (int64_t j = 0; j < d; j++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += partial[static_cast<size_t>(t) * d + j];
    mean.data[j] = s / static_cast<double>(n);
    finite = finite && std::isfinite(s);
  }
  if (finite) return Napi::Number::New(env, -1);
  // A sum of finite float32 values cannot overflow a double, so some value is not finite.
  for (int64_t i = 0; i < n * d; i++)
    if (!std::isfinite(X.data[i])) return Napi::Number::New(env, static_cast<double>(i));
  return Napi::Number::New(env, -1);
}
HOURGLASS_EXPORT(columnMeans, ColumnMeans);

// columnSquaredDeviations(X, n, d, mean: Float64Array[d], out: Float64Array[d]):
// out[j] = sum_i (X[i, j] - mean[j])^2, the diagonal of the centred Gram matrix.
Napi::Value ColumnSquaredDeviations(const Napi::CallbackInfo& info) {
  expectCount(info, 5, "columnSquaredDeviations");
  auto env = info.Env();
  int64_t n = dim(info, 1, "n"), d = dim(info, 2, "d");
  FloatView X = floats(info, 0, "X", product(env, {n, d}));
  DoubleView mean = doubles(info, 3, "mean", d);
  DoubleView out = doubles(info, 4, "out", d);
  int threads = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(threads) * d, 0.0);
#pragma omp parallel num_threads(threads) if (n * d >= (INT64_C(1) << 16))
  {
    double* acc = partial.data() + static_cast<size_t>(omp_get_thread_num()) * d;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; i++) {
      const float* x = X.data + i * d;
      for (int64_t j = 0; j < d; j++) {
        double v = x[j] - mean.data[j];
        acc[j] += v * v;
      }
    }
  }
  for (int64_t j = 0; j < d; j++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += partial[static_cast<size_t>(t) * d + j];
    out.data[j] = s;
  }
  return env.Undefined();
}
HOURGLASS_EXPORT(columnSquaredDeviations, ColumnSquaredDeviations);

// centeredCovariance(X, n, d, mean: Float64Array[d], out: Float64Array[d*d]):
// out = (X - mean)^T (X - mean), unscaled, both triangles filled. Rows are centred a block
// at a time (no centred copy of X) and each block's Gram matrix is a float32 symmetric
// rank-k update (BLAS ssyrk, which computes one triangle only: half the flops of a full
// sgemm, and measured 10% faster than oneDNN sgemm on column panels of the triangle);
// the blocks are summed in double.
Napi::Value CenteredCovariance(const Napi::CallbackInfo& info) {
  expectCount(info, 5, "centeredCovariance");
  auto env = info.Env();
  int64_t n = dim(info, 1, "n"), d = dim(info, 2, "d");
  FloatView X = floats(info, 0, "X", product(env, {n, d}));
  DoubleView mean = doubles(info, 3, "mean", d);
  DoubleView out = doubles(info, 4, "out", product(env, {d, d}));
  checkInt32(env, {n, d});
  std::fill(out.data, out.data + d * d, 0.0);
  if (n == 0 || d == 0) return env.Undefined();
  // Large blocks keep ssyrk efficient (measured: 4096 rows 0.23 s, 1024 rows 0.26 s for
  // 60,000 x 784) while the centred copy stays bounded (64 MB at most).
  int64_t block = std::max<int64_t>(1, std::min<int64_t>({n, 8192, (INT64_C(1) << 24) / d}));
  std::vector<float> centred(static_cast<size_t>(block * d));
  std::vector<float> part(static_cast<size_t>(d * d));
  for (int64_t start = 0; start < n; start += block) {
    int64_t rows = std::min(block, n - start);
    centerRows(X.data, d, mean.data, start, rows, centred.data(), true);
    // Row-major X^T X is column-major X X^T: the upper triangle of the row-major result is
    // the lower triangle of the column-major one.
    const int dd = static_cast<int>(d), kk = static_cast<int>(rows);
    const float one = 1.0f, zero = 0.0f;
    ssyrk_("L", "N", &dd, &kk, &one, centred.data(), &dd, &zero, part.data(), &dd);
#pragma omp parallel for schedule(dynamic, 16) if (d >= 256)
    for (int64_t i = 0; i < d; i++)
      for (int64_t j = i; j < d; j++) out.data[i * d + j] += part[i * d + j];
  }
  // The upper triangle (i <= j) is complete; mirror it.
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = 0; j < i; j++) out.data[i * d + j] = out.data[j * d + i];
  return env.Undefined();
}
HOURGLASS_EXPORT(centeredCovariance, CenteredCovariance);

// centeredRowGram(X, n, d, mean: Float64Array[d], out: Float64Array[n*n]):
// out = (X - mean)(X - mean)^T, the n x n Gram matrix used when samples are fewer than
// features. Column blocks are centred into a buffer and summed in double.
Napi::Value CenteredRowGram(const Napi::CallbackInfo& info) {
  expectCount(info, 5, "centeredRowGram");
  auto env = info.Env();
  int64_t n = dim(info, 1, "n"), d = dim(info, 2, "d");
  FloatView X = floats(info, 0, "X", product(env, {n, d}));
  DoubleView mean = doubles(info, 3, "mean", d);
  DoubleView out = doubles(info, 4, "out", product(env, {n, n}));
  checkInt32(env, {n, d});
  std::fill(out.data, out.data + n * n, 0.0);
  if (n == 0 || d == 0) return env.Undefined();
  int64_t width = std::max<int64_t>(1, std::min<int64_t>(d, (INT64_C(1) << 22) / n));
  std::vector<float> centred(static_cast<size_t>(n * width));
  std::vector<float> part(static_cast<size_t>(n * n));
  for (int64_t c0 = 0; c0 < d; c0 += width) {
    int64_t w = std::min(width, d - c0);
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < w; c++)
        centred[i * w + c] = static_cast<float>(static_cast<double>(X.data[i * d + c0 + c]) - mean.data[c0 + c]);
    checkSgemm(env, dnnl_sgemm('N', 'T', n, n, w, 1.0f, centred.data(), w, centred.data(), w, 0.0f, part.data(), n));
    accumulate(out.data, part.data(), n * n);
  }
  return env.Undefined();
}
HOURGLASS_EXPORT(centeredRowGram, CenteredRowGram);

// centeredGramTimes(X, n, d, mean: Float64Array[d], Z: Float64Array[d*l], l, out: Float64Array[d*l]):
// out = (X - mean)^T (X - mean) Z in one pass over X: each centred row block B adds
// B^T (B Z). This is one power iteration of the randomized range finder.
Napi::Value CenteredGramTimes(const Napi::CallbackInfo& info) {
  expectCount(info, 7, "centeredGramTimes");
  auto env = info.Env();
  int64_t n = dim(info, 1, "n"), d = dim(info, 2, "d"), l = dim(info, 5, "l");
  FloatView X = floats(info, 0, "X", product(env, {n, d}));
  DoubleView mean = doubles(info, 3, "mean", d);
  DoubleView Z = doubles(info, 4, "Z", product(env, {d, l}));
  DoubleView out = doubles(info, 6, "out", product(env, {d, l}));
  checkInt32(env, {n, d, l});
  std::vector<float> z(Z.data, Z.data + d * l);
  dnnl_status_t status = sumOverCentredBlocks(X.data, n, d, mean.data, l, static_cast<size_t>(d * l), out.data,
                                              [&](int64_t, int64_t rows, const float* B, float* y, float* part) {
                                                dnnl_status_t s = dnnl_sgemm('N', 'N', rows, l, d, 1.0f, B, d, z.data(), l, 0.0f, y, l);
                                                if (s == dnnl_success) s = dnnl_sgemm('T', 'N', d, l, rows, 1.0f, B, d, y, l, 0.0f, part, l);
                                                return s;
                                              });
  checkSgemm(env, status);
  return env.Undefined();
}
HOURGLASS_EXPORT(centeredGramTimes, CenteredGramTimes);

// centeredTransposeTimes(X, n, d, mean: Float64Array[d], U: Float64Array[n*k], k, out: Float64Array[d*k]):
// out = (X - mean)^T U, used to lift eigenvectors of the row Gram matrix to feature space.
Napi::Value CenteredTransposeTimes(const Napi::CallbackInfo& info) {
  expectCount(info, 7, "centeredTransposeTimes");
  auto env = info.Env();
  int64_t n = dim(info, 1, "n"), d = dim(info, 2, "d"), k = dim(info, 5, "k");
  FloatView X = floats(info, 0, "X", product(env, {n, d}));
  DoubleView mean = doubles(info, 3, "mean", d);
  DoubleView U = doubles(info, 4, "U", product(env, {n, k}));
  DoubleView out = doubles(info, 6, "out", product(env, {d, k}));
  checkInt32(env, {n, d, k});
  dnnl_status_t status = sumOverCentredBlocks(X.data, n, d, mean.data, k, static_cast<size_t>(d * k), out.data,
                                              [&](int64_t start, int64_t rows, const float* B, float* u, float* part) {
                                                for (int64_t i = 0; i < rows * k; i++) u[i] = static_cast<float>(U.data[start * k + i]);
                                                return dnnl_sgemm('T', 'N', d, k, rows, 1.0f, B, d, u, k, 0.0f, part, k);
                                              });
  checkSgemm(env, status);
  return env.Undefined();
}
HOURGLASS_EXPORT(centeredTransposeTimes, CenteredTransposeTimes);

// centeredProject(X, n, d, mean: Float32Array[d], W: Float32Array[k*d], k, out: Float32Array[n*k]):
// out = (X - mean) W^T. Centring before the product (rather than subtracting mean W^T
// afterwards) keeps float32 cancellation out of the projections.
Napi::Value CenteredProject(const Napi::CallbackInfo& info) {
  expectCount(info, 7, "centeredProject");
  auto env = info.Env();
  int64_t n = dim(info, 1, "n"), d = dim(info, 2, "d"), k = dim(info, 5, "k");
  FloatView X = floats(info, 0, "X", product(env, {n, d}));
  FloatView meanF = floats(info, 3, "mean", d);
  FloatView W = floats(info, 4, "W", product(env, {k, d}));
  FloatView out = floats(info, 6, "out", product(env, {n, k}));
  checkInt32(env, {n, d, k});
  if (n == 0 || k == 0) return env.Undefined();
  if (d == 0) {
    std::fill(out.data, out.data + n * k, 0.0f);
    return env.Undefined();
  }
  std::vector<double> mean(meanF.data, meanF.data + d);
  int64_t block = rowBlock(d);
  int workers = rowWorkers(n, block);
  size_t rowsMax = static_cast<size_t>(std::min(block, n));
  std::vector<float> centred(workers * rowsMax * d);
  dnnl_status_t status = forRowRanges(n, workers, [&](int w, int64_t begin, int64_t end, bool parallel) {
    float* buffer = centred.data() + w * rowsMax * d;
    for (int64_t start = begin; start < end; start += block) {
      int64_t rows = std::min(block, end - start);
      centerRows(X.data, d, mean.data(), start, rows, buffer, parallel);
      dnnl_status_t s = dnnl_sgemm('N', 'T', rows, k, d, 1.0f, buffer, d, W.data, d, 0.0f, out.data + start * k, k);
      if (s != dnnl_success) return s;
    }
    return dnnl_success;
  });
  checkSgemm(env, status);
  return env.Undefined();
}
HOURGLASS_EXPORT(centeredProject, CenteredProject);

// dgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc): the float64 twin of
// sgemm (row-major, Float64Array), through the BLAS that LAPACK uses.
Napi::Value Dgemm(const Napi::CallbackInfo& info) {
  expectCount(info, 13, "dgemm");
  auto env = info.Env();
  bool transA = flag(info, 0, "transA"), transB = flag(info, 1, "transB");
  int64_t M = dim(info, 2, "M"), N = dim(info, 3, "N"), K = dim(info, 4, "K");
  double alpha = number(info, 5, "alpha");
  int64_t lda = dim(info, 7, "lda"), ldb = dim(info, 9, "ldb"), ldc = dim(info, 12, "ldc");
  double beta = number(info, 10, "beta");
  int64_t aRows = transA ? K : M, aCols = transA ? M : K;
  int64_t bRows = transB ? N : K, bCols = transB ? K : N;
  if (lda < std::max<int64_t>(aCols, 1)) fail(env, "lda must be at least " + std::to_string(aCols));
  if (ldb < std::max<int64_t>(bCols, 1)) fail(env, "ldb must be at least " + std::to_string(bCols));
  if (ldc < std::max<int64_t>(N, 1)) fail(env, "ldc must be at least " + std::to_string(N));
  checkInt32(env, {M, N, K, lda, ldb, ldc});
  auto need = [&](int64_t rows, int64_t cols, int64_t ld) {
    return rows == 0 || cols == 0 ? 0 : product(env, {rows - 1, ld}) + cols;
  };
  DoubleView A = doubles(info, 6, "A", need(aRows, aCols, lda));
  DoubleView B = doubles(info, 8, "B", need(bRows, bCols, ldb));
  DoubleView C = doubles(info, 11, "C", need(M, N, ldc));
  if (M == 0 || N == 0) return env.Undefined();
  if (K == 0) {
    scaleByBeta(C.data, M, N, ldc, beta);
    return env.Undefined();
  }
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
  const char ta = transA ? 'T' : 'N', tb = transB ? 'T' : 'N';
  const int m = static_cast<int>(N), nn = static_cast<int>(M), k = static_cast<int>(K);
  const int la = static_cast<int>(lda), lb = static_cast<int>(ldb), lc = static_cast<int>(ldc);
  dgemm_(&tb, &ta, &m, &nn, &k, &alpha, B.data, &lb, A.data, &la, &beta, C.data, &lc);
  return env.Undefined();
}
HOURGLASS_EXPORT(dgemm, Dgemm);

// symmetricEigen(A: Float64Array[m*m], m, k, values: Float64Array[k], vectors: Float64Array[k*m]):
// the k largest eigenvalues of the symmetric matrix A (its upper triangle is read; A is not
// modified), in descending order, with unit eigenvectors as the rows of `vectors`. LAPACK
// dsyevr (MRRR) computes only the requested ones.
Napi::Value SymmetricEigen(const Napi::CallbackInfo& info) {
  expectCount(info, 5, "symmetricEigen");
  auto env = info.Env();
  int64_t m = dim(info, 1, "m"), k = dim(info, 2, "k");
  if (m == 0) fail(env, "symmetricEigen needs a matrix of size at least 1");
  if (k < 1 || k > m) fail(env, "k must be between 1 and m = " + std::to_string(m) + ", got " + std::to_string(k));
  checkInt32(env, {m});
  DoubleView A = doubles(info, 0, "A", product(env, {m, m}));
  DoubleView values = doubles(info, 3, "values", k);
  DoubleView vectors = doubles(info, 4, "vectors", product(env, {k, m}));
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = i; j < m; j++)
      if (!std::isfinite(A.data[i * m + j]))
        fail(env, "symmetricEigen: matrix entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is not finite");
  std::vector<double> work(A.data, A.data + m * m);
  std::vector<double> w(static_cast<size_t>(m));
  std::vector<double> z(static_cast<size_t>(m * k));
  std::vector<lapack_int> support(static_cast<size_t>(2 * k));
  lapack_int found = 0;
  const lapack_int size = static_cast<lapack_int>(m);
  lapack_int status = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', size, work.data(), size, 0.0, 0.0,
                                     static_cast<lapack_int>(m - k + 1), size, 0.0, &found, w.data(), z.data(),
                                     static_cast<lapack_int>(k), support.data());
  if (status < 0) fail(env, "LAPACK dsyevr rejected argument " + std::to_string(-status) + " (internal error)");
  if (status > 0) fail(env, "LAPACK dsyevr failed to converge (info " + std::to_string(status) + ")");
  if (found != k) fail(env, "LAPACK dsyevr returned " + std::to_string(found) + " eigenvalues, expected " + std::to_string(k));
  // LAPACK returns ascending order with eigenvectors as columns of z [m, k].
  for (int64_t r = 0; r < k; r++) {
    int64_t c = k - 1 - r;
    values.data[r] = w[c];
    for (int64_t i = 0; i < m; i++) vectors.data[r * m + i] = z[i * k + c];
  }
  return env.Undefined();
}
HOURGLASS_EXPORT(symmetricEigen, SymmetricEigen);

// orthonormalizeColumns(A: Float64Array[m*c], m, c): replaces the columns of A (row-major
// [m, c], m >= c) by an orthonormal basis of their span, in order (Householder QR: LAPACK
// dgeqrf then dorgqr).
Napi::Value OrthonormalizeColumns(const Napi::CallbackInfo& info) {
  expectCount(info, 3, "orthonormalizeColumns");
  auto env = info.Env();
  int64_t m = dim(info, 1, "m"), c = dim(info, 2, "c");
  if (c > m) fail(env, "orthonormalizeColumns needs at least as many rows as columns, got " + std::to_string(m) + " x " +
                           std::to_string(c));
  checkInt32(env, {m, c});
  DoubleView A = doubles(info, 0, "A", product(env, {m, c}));
  if (c == 0) return env.Undefined();
  for (int64_t i = 0; i < m * c; i++)
    if (!std::isfinite(A.data[i])) fail(env, "orthonormalizeColumns: entry " + std::to_string(i) + " is not finite");
  std::vector<double> tau(static_cast<size_t>(c));
  const lapack_int rows = static_cast<lapack_int>(m), cols = static_cast<lapack_int>(c);
  lapack_int status = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, rows, cols, A.data, cols, tau.data());
  if (status != 0) fail(env, "LAPACK dgeqrf failed (info " + std::to_string(status) + ")");
  status = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, rows, cols, cols, A.data, cols, tau.data());
  if (status != 0) fail(env, "LAPACK dorgqr failed (info " + std::to_string(status) + ")");
  return env.Undefined();
}
HOURGLASS_EXPORT(orthonormalizeColumns, OrthonormalizeColumns);

}  // namespace
}  // namespace hourglass
