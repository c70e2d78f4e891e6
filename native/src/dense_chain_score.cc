// Reconstruction error of a small fully-connected autoencoder in one native call: input
// scaling, every Dense layer with its activation, and the per-sample mean squared error,
// for blocks of 16 samples that never leave the first-level cache (larger models: blocks of
// 256 samples through single-threaded sgemm, one block per thread at a time).
//
// Why: scoring a table row by row through the general path (a scaler pass in JavaScript,
// then one sgemm per layer over a batch) spends its time outside arithmetic when the
// layers are a few dozen units wide: a 30-16-5-16-30 model does ~1,100 multiply-adds per
// row, less than the memory traffic of the intermediate arrays. Here activations are kept
// transposed, [unit][16 samples], so each weight is one broadcast multiplied into a whole
// vector of samples and no intermediate array is ever written to memory. Larger models are
// better served by sgemm, which blocks its weights for the caches: beyond 64K weights the
// same call runs blocks of 256 samples through single-threaded sgemm per layer, each thread
// taking its own blocks.
//
// denseChainMse(x, n, d, scaling, a, b, layers, out) -> -1, or the flat index of the first
//   NaN or infinite value of x (nothing meaningful is written to out then).
//   x: Float32Array [n, d]; scaling: 0 none, 1 (x - a) / b, 2 x * a + b, per feature, in
//   double like the JavaScript scalers (a, b: Float64Array [d], or null for none);
//   layers: array of [weight Float32Array [out, in], bias Float32Array [out] | null, in,
//   out, activation ('identity' | 'relu' | 'leaky_relu' | 'sigmoid' | 'tanh'), slope];
//   the first layer takes d inputs, each the previous one's outputs, the last gives d.
//   out: Float32Array [n], mean over the d features of (scaled x - reconstruction)^2.
#include <dnnl.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "args.h"
#include "dense_chain.h"
#include "float_math.h"
#include "registry.h"
#include "isa_dispatch.h"

namespace hourglass {
namespace {

using namespace dense_chain;

constexpr int kBlock = 16;  // samples per block: one AVX-512 vector of floats

enum class Scaling { None = 0, SubtractDivide = 1, MultiplyAdd = 2 };

#pragma GCC diagnostic ignored "-Wpsabi"  // the vector type is internal: no ABI is shared

// kBlock floats as one value: a single AVX-512 register, two AVX2 or four SSE registers
// depending on the clone of scoreBlock the CPU runs.
typedef float Lanes __attribute__((vector_size(kBlock * sizeof(float))));

inline Lanes load(const float* p) {
  Lanes v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float* p, Lanes v) { __builtin_memcpy(p, &v, sizeof v); }

inline Lanes broadcast(float x) { return Lanes{} + x; }

// kBlock doubles: the scaling below computes in double, as the JavaScript scalers do.
typedef double DoubleLanes __attribute__((vector_size(kBlock * sizeof(double))));

// True when none of the `count` values is NaN or infinite: v * 0 is NaN exactly for those.
// Summed in kBlock independent lanes: a single scalar sum is a chain of dependent additions,
// which cost more than the whole network for a 30-16-5 model.
inline bool allFinite(const float* x, int64_t count) {
  Lanes probe = broadcast(0.0f);
  int64_t i = 0;
  for (; i + kBlock <= count; i += kBlock) probe += load(x + i) * 0.0f;
  float tail = 0;
  for (; i < count; i++) tail += x[i] * 0.0f;
  for (int r = 0; r < kBlock; r++) tail += probe[r];
  return tail == 0;
}

// The scalers' formulas, in double: (v - a) / divisor with b holding 1 / divisor (see
// DenseChainMse), or v * a + b. V is float (one value) or Lanes (kBlock values of one feature).
template <class V>
inline V scaledValue(V v, Scaling scaling, double a, double b) {
  if constexpr (std::is_same_v<V, float>) {
    if (scaling == Scaling::SubtractDivide) return static_cast<float>((static_cast<double>(v) - a) * b);
    if (scaling == Scaling::MultiplyAdd) return static_cast<float>(static_cast<double>(v) * a + b);
    return v;
  } else {
    DoubleLanes wide = __builtin_convertvector(v, DoubleLanes);
    if (scaling == Scaling::SubtractDivide) return __builtin_convertvector((wide - a) * b, Lanes);
    if (scaling == Scaling::MultiplyAdd) return __builtin_convertvector(wide * a + b, Lanes);
    return v;
  }
}

inline Lanes activate(const ChainLayer& L, Lanes v) {
  switch (L.act) {
    case Act::Identity:
      return v;
    case Act::Relu:
      return v < 0.0f ? broadcast(0.0f) : v;  // as activation.cc: NaN passes through
    case Act::LeakyRelu:
      return v > 0.0f ? v : v * L.slope;
    case Act::Sigmoid:
      for (int r = 0; r < kBlock; r++) v[r] = floatmath::sigmoid(v[r]);
      return v;
    case Act::Tanh:
      for (int r = 0; r < kBlock; r++) v[r] = floatmath::tanh(v[r]);
      return v;
  }
  return v;
}

// One block of up to kBlock samples. `target` receives the scaled input and `bufA`/`bufB`
// the activations, all [unit][kBlock]; rows past `rows` are zeros and ignored at the end.
// Returns false when the block holds a NaN or infinity.
bool scoreBlock(const float* x, int64_t rows, int64_t d, Scaling scaling, const double* a, const double* b,
                const ChainLayer* layers, size_t layerCount, float* target, float* bufA, float* bufB,
                float* out) {
  return dispatchByIsa([&] {
    // Transposed to [feature][sample], then checked and scaled a whole feature at a time.
    for (int64_t r = 0; r < rows; r++)
      for (int64_t k = 0; k < d; k++) target[k * kBlock + r] = x[r * d + k];
    for (int64_t r = rows; r < kBlock; r++)
      for (int64_t k = 0; k < d; k++) target[k * kBlock + r] = 0.0f;
    if (!allFinite(target, d * kBlock)) return false;
    if (scaling != Scaling::None)
      for (int64_t k = 0; k < d; k++) store(target + k * kBlock, scaledValue(load(target + k * kBlock), scaling, a[k], b[k]));

    const float* h = target;
    float* next = bufA;
    for (size_t l = 0; l < layerCount; l++) {
      const ChainLayer& L = layers[l];
      // Four output units at a time: four independent accumulator chains hide the latency of
      // the fused multiply-adds and share each load of h. Each accumulator is one vector of
      // kBlock samples, written with a vector type so that the compiler keeps the samples in
      // the lanes (left to itself it vectorized over k, with gathers).
      int64_t j = 0;
      for (; j + 4 <= L.out; j += 4) {
        Lanes acc[4];
        const float* w[4];
        for (int u = 0; u < 4; u++) {
          acc[u] = broadcast(L.bias ? L.bias[j + u] : 0.0f);
          w[u] = L.weight + (j + u) * L.in;
        }
        for (int64_t k = 0; k < L.in; k++) {
          Lanes hk = load(h + k * kBlock);
          for (int u = 0; u < 4; u++) acc[u] += w[u][k] * hk;
        }
        for (int u = 0; u < 4; u++) store(next + (j + u) * kBlock, activate(L, acc[u]));
      }
      for (; j < L.out; j++) {
        Lanes acc = broadcast(L.bias ? L.bias[j] : 0.0f);
        const float* w = L.weight + j * L.in;
        for (int64_t k = 0; k < L.in; k++) acc += w[k] * load(h + k * kBlock);
        store(next + j * kBlock, activate(L, acc));
      }
      h = next;
      next = next == bufA ? bufB : bufA;
    }

    Lanes err = broadcast(0.0f);
    for (int64_t k = 0; k < d; k++) {
      Lanes diff = load(h + k * kBlock) - load(target + k * kBlock);
      err += diff * diff;
    }
    for (int64_t r = 0; r < rows; r++) out[r] = err[r] / static_cast<float>(d);
    return true;
  });
}

// Large chains (beyond kFusedWeights multiply-adds per sample) score in blocks of
// kSgemmRows rows through single-threaded sgemm per layer instead: their weights do not
// stay in cache across 16-sample blocks, and sgemm blocks them for the caches. Each thread
// still takes its own rows, which on two cores beats splitting every product.
constexpr int64_t kFusedWeights = INT64_C(1) << 16;
constexpr int64_t kSgemmRows = 256;
// The sgemm path for `rows` samples, row-major buffers: false when the
// rows hold a NaN or infinity. Called from inside the parallel region: must not throw.
bool scoreRowsSgemm(const float* x, int64_t rows, int64_t d, Scaling scaling, const double* a, const double* b,
                    const std::vector<ChainLayer>& layers, float* target, float* bufA, float* bufB, float* out) {
  return dispatchByIsa([&] {
    if (!allFinite(x, rows * d)) return false;
    for (int64_t r = 0; r < rows; r++)
      for (int64_t k = 0; k < d; k++) target[r * d + k] = scaledValue(x[r * d + k], scaling, a ? a[k] : 0.0, b ? b[k] : 0.0);
    const float* h = target;
    float* next = bufA;
    for (const ChainLayer& L : layers) {
      if (dnnl_sgemm('N', 'T', rows, L.out, L.in, 1.0f, h, L.in, L.weight, L.in, 0.0f, next, L.out) != dnnl_success) {
        std::fill(out, out + rows, std::numeric_limits<float>::quiet_NaN());  // cannot happen with valid sizes
        return true;
      }
      biasActivate(L, next, rows);
      h = next;
      next = next == bufA ? bufB : bufA;
    }
    for (int64_t r = 0; r < rows; r++) {
      float sum = 0;
      for (int64_t k = 0; k < d; k++) {
        float diff = h[r * d + k] - target[r * d + k];
        sum += diff * diff;
      }
      out[r] = sum / static_cast<float>(d);
    }
    return true;
  });
}

Napi::Value DenseChainMse(const Napi::CallbackInfo& info) {
  expectCount(info, 8, "denseChainMse");
  auto env = info.Env();
  int64_t n = dim(info, 1, "n"), d = dim(info, 2, "d");
  if (d < 1 || d > kMaxWidth) fail(env, "d must be from 1 to " + std::to_string(kMaxWidth));
  FloatView x = floats(info, 0, "x", product(env, {n, d}));
  double mode = number(info, 3, "scaling");
  if (mode != 0 && mode != 1 && mode != 2) fail(env, "scaling must be 0 (none), 1 ((x - a) / b) or 2 (x * a + b)");
  Scaling scaling = static_cast<Scaling>(static_cast<int>(mode));
  const double* a = nullptr;
  const double* b = nullptr;
  std::vector<double> reciprocal;
  if (scaling != Scaling::None) {
    a = doubles(info, 4, "a", d).data;
    b = doubles(info, 5, "b", d).data;
  }
  if (scaling == Scaling::SubtractDivide) {
    // Multiplying by a reciprocal computed once in double gives the quotient's float32 value
    // (to within one double ulp before rounding) at a fraction of a division's cost.
    reciprocal.resize(static_cast<size_t>(d));
    for (int64_t k = 0; k < d; k++) reciprocal[k] = 1.0 / b[k];
    b = reciprocal.data();
  }
  std::vector<ChainLayer> layers = parseLayers(info, 6, d, false);
  FloatView out = floats(info, 7, "out", n);

  int64_t widest = d;
  int64_t work = 0;
  for (const ChainLayer& L : layers) {
    widest = std::max(widest, L.out);
    work += L.in * L.out;
  }
  const bool large = work > kFusedWeights;
  const int64_t blockRows = large ? kSgemmRows : kBlock;
  int64_t blocks = (n + blockRows - 1) / blockRows;
  std::atomic<int64_t> firstBad{-1};
  // One team for the whole call; each thread owns three small buffers, allocated here
  // because an exception must not escape a parallel region.
  int threads = blocks * blockRows * work >= (INT64_C(1) << 18) ? omp_get_max_threads() : 1;
  const int64_t perThread = 3 * widest * blockRows;
  std::vector<float> buffers(static_cast<size_t>(threads * perThread));
#pragma omp parallel num_threads(threads)
  {
    float* target = buffers.data() + omp_get_thread_num() * perThread;
    float* bufA = target + widest * blockRows;
    float* bufB = bufA + widest * blockRows;
#pragma omp for schedule(static)
    for (int64_t block = 0; block < blocks; block++) {
      int64_t start = block * blockRows;
      int64_t rows = std::min<int64_t>(blockRows, n - start);
      const float* rowsX = x.data + start * d;
      bool finite = large ? scoreRowsSgemm(rowsX, rows, d, scaling, a, b, layers, target, bufA, bufB, out.data + start)
                          : scoreBlock(rowsX, rows, d, scaling, a, b, layers.data(), layers.size(), target, bufA, bufB, out.data + start);
      if (!finite) {
        for (int64_t i = start * d; i < (start + rows) * d; i++)
          if (!std::isfinite(x.data[i])) {
            int64_t seen = firstBad.load();
            while ((seen < 0 || i < seen) && !firstBad.compare_exchange_weak(seen, i)) {
            }
            break;
          }
      }
    }
  }
  return Napi::Number::New(env, static_cast<double>(firstBad.load()));
}
HOURGLASS_EXPORT(denseChainMse, DenseChainMse);

}  // namespace
}  // namespace hourglass
