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
// vector of samples and no intermediate array is ever written to memory. Large models are
// better served by sgemm, which blocks its weights for the caches: the JavaScript side
// only takes this path for models whose weights fit in the second-level cache.
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
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "bf16_matmul.h"
#include "float_math.h"
#include "registry.h"
#include "vectorize.h"

namespace hourglass {
namespace {

constexpr int kBlock = 16;               // samples per block: one AVX-512 vector of floats
constexpr int64_t kMaxWidth = 1 << 14;   // widest layer accepted (bounds the per-thread buffers)

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

enum class Act { Identity, Relu, LeakyRelu, Sigmoid, Tanh };
enum class Scaling { None = 0, SubtractDivide = 1, MultiplyAdd = 2 };

struct ChainLayer {
  const float* weight;
  const float* bias;
  int64_t in, out;
  Act act;
  float slope;
  float* weightGrad;  // training only: [out, in], overwritten
  float* biasGrad;    // training only: [out] or null, overwritten
};

Act parseAct(const Napi::Env& env, const std::string& name) {
  if (name == "identity") return Act::Identity;
  if (name == "relu") return Act::Relu;
  if (name == "leaky_relu") return Act::LeakyRelu;
  if (name == "sigmoid") return Act::Sigmoid;
  if (name == "tanh") return Act::Tanh;
  fail(env, "unknown activation '" + name + "' (expected identity, relu, leaky_relu, sigmoid or tanh)");
}

// Layers as [weight, bias, in, out, activation, slope], plus [weightGrad, biasGrad] when
// `withGrads` (the gradient arrays have the shapes of the weight and bias, bias null with null).
// With d >= 0 the chain must take and give d values per sample; with d < 0 any widths chain.
std::vector<ChainLayer> parseLayers(const Napi::CallbackInfo& info, size_t i, int64_t d, bool withGrads) {
  auto env = info.Env();
  if (!info[i].IsArray()) fail(env, "layers must be an array");
  auto list = info[i].As<Napi::Array>();
  if (list.Length() == 0) fail(env, "layers must not be empty");
  std::vector<ChainLayer> layers;
  int64_t width = d;
  for (uint32_t l = 0; l < list.Length(); l++) {
    std::string at = "layers[" + std::to_string(l) + "]";
    Napi::Value entry = list.Get(l);
    const uint32_t fields = withGrads ? 8 : 6;
    if (!entry.IsArray() || entry.As<Napi::Array>().Length() != fields)
      fail(env, at + (withGrads ? " must be [weight, bias, in, out, activation, slope, weightGrad, biasGrad]"
                                : " must be [weight, bias, in, out, activation, slope]"));
    auto e = entry.As<Napi::Array>();
    auto dimension = [&](uint32_t k, const char* what) {
      Napi::Value v = e.Get(k);
      double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (!(x >= 1 && x <= kMaxWidth && x == std::floor(x)))
        fail(env, at + " " + what + " must be an integer from 1 to " + std::to_string(kMaxWidth));
      return static_cast<int64_t>(x);
    };
    int64_t in = dimension(2, "in"), out = dimension(3, "out");
    if (width < 0) width = in;  // the chain's input width is the first layer's
    if (in != width) fail(env, at + " takes " + std::to_string(in) + " inputs but receives " + std::to_string(width));
    auto typed = [&](uint32_t k, const char* what, int64_t length, bool optional) -> float* {
      Napi::Value v = e.Get(k);
      if (optional && v.IsNull()) return nullptr;
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        fail(env, at + " " + what + " must be a Float32Array" + (optional ? " or null" : ""));
      auto array = v.As<Napi::Float32Array>();
      if (static_cast<int64_t>(array.ElementLength()) != length)
        fail(env, at + " " + what + " has " + std::to_string(array.ElementLength()) + " elements, expected " + std::to_string(length));
      return array.Data();
    };
    const float* weight = typed(0, "weight", in * out, false);
    const float* bias = typed(1, "bias", out, true);
    if (!e.Get(4u).IsString()) fail(env, at + " activation must be a string");
    Act act = parseAct(env, e.Get(4u).As<Napi::String>().Utf8Value());
    Napi::Value slopeValue = e.Get(5u);
    if (!slopeValue.IsNumber() || !std::isfinite(slopeValue.As<Napi::Number>().DoubleValue()))
      fail(env, at + " slope must be a finite number");
    float* weightGrad = nullptr;
    float* biasGrad = nullptr;
    if (withGrads) {
      weightGrad = typed(6, "weightGrad", in * out, false);
      biasGrad = typed(7, "biasGrad", out, true);
      if ((biasGrad == nullptr) != (bias == nullptr)) fail(env, at + " biasGrad must be null exactly when bias is");
    }
    layers.push_back({weight, bias, in, out, act, static_cast<float>(slopeValue.As<Napi::Number>().DoubleValue()), weightGrad, biasGrad});
    width = out;
  }
  if (d >= 0 && width != d) fail(env, "the last layer gives " + std::to_string(width) + " values per sample, the input has " + std::to_string(d));
  return layers;
}

inline Lanes activate(const ChainLayer& L, Lanes v) {
  switch (L.act) {
    case Act::Identity:
      return v;
    case Act::Relu:
      return v > 0.0f ? v : broadcast(0.0f);
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
HOURGLASS_VECTORIZED bool scoreBlock(const float* x, int64_t rows, int64_t d, Scaling scaling, const double* a, const double* b,
                                     const ChainLayer* layers, size_t layerCount, float* target, float* bufA, float* bufB,
                                     float* out) {
  float probe = 0;
  for (int64_t r = 0; r < kBlock; r++)
    for (int64_t k = 0; k < d; k++) {
      float v = r < rows ? x[r * d + k] : 0.0f;
      probe += v * 0.0f;  // NaN as soon as any value is NaN or infinite
      if (scaling == Scaling::SubtractDivide)
        v = static_cast<float>((static_cast<double>(v) - a[k]) * b[k]);  // b holds 1 / divisor
      else if (scaling == Scaling::MultiplyAdd)
        v = static_cast<float>(static_cast<double>(v) * a[k] + b[k]);
      target[k * kBlock + r] = r < rows ? v : 0.0f;
    }
  if (probe != 0) return false;

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
}

// Large chains (beyond kFusedWeights multiply-adds per sample) score in blocks of
// kSgemmRows rows through single-threaded sgemm per layer instead: their weights do not
// stay in cache across 16-sample blocks, and sgemm blocks them for the caches. Each thread
// still takes its own rows, which on two cores beats splitting every product.
constexpr int64_t kFusedWeights = INT64_C(1) << 16;
constexpr int64_t kSgemmRows = 256;
bool scoreRowsSgemm(const float* x, int64_t rows, int64_t d, Scaling scaling, const double* a, const double* b,
                    const std::vector<ChainLayer>& layers, float* target, float* bufA, float* bufB, float* out);

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

// ---------------------------------------------------------------- training step
//
// denseChainTrainStep(x, y, n, layers with gradients, precision) -> mean squared error over
//   all n x d' values; every weightGrad and biasGrad is overwritten with the gradient of that
//   mean. precision 'float32', or 'bfloat16': the matrix products take bfloat16 operands
//   (float32 results, see bf16_matmul.h); activations, losses and gradients stay float32.
//
// Why: one training step of a dense autoencoder is a dozen matrix products on a batch of a
// few hundred rows. Given two threads, oneDNN's sgemm splits each product in two and
// synchronises per call, which at these sizes ran at about the speed of one thread. Here the
// batch is split instead: each thread runs the forward and backward pass of its own rows
// with single-threaded sgemm calls (inside the parallel region oneDNN runs them on the calling
// thread) and the per-thread weight gradients are summed in a fixed order at the end, so the
// result does not depend on timing.

namespace {

constexpr int64_t kMinRowsPerThread = 32;

// dL/dz from dL/dy for y = act(z), using the forward output y (as activation.cc does).
HOURGLASS_VECTORIZED void activationGrad(Act act, float slope, const float* y, float* g, int64_t count) {
  switch (act) {
    case Act::Identity:
      return;
    case Act::Relu:
      for (int64_t i = 0; i < count; i++) g[i] = y[i] > 0.0f ? g[i] : 0.0f;
      return;
    case Act::LeakyRelu:
      for (int64_t i = 0; i < count; i++) g[i] = y[i] > 0.0f ? g[i] : g[i] * slope;
      return;
    case Act::Sigmoid:
      for (int64_t i = 0; i < count; i++) g[i] *= y[i] * (1.0f - y[i]);
      return;
    case Act::Tanh:
      for (int64_t i = 0; i < count; i++) g[i] *= 1.0f - y[i] * y[i];
      return;
  }
}

// y[r, j] = act(y[r, j] + bias[j]) over rows x out, in place.
HOURGLASS_VECTORIZED void biasActivate(const ChainLayer& L, float* y, int64_t rows) {
  for (int64_t r = 0; r < rows; r++) {
    float* row = y + r * L.out;
    if (L.bias)
      for (int64_t j = 0; j < L.out; j++) row[j] += L.bias[j];
    switch (L.act) {
      case Act::Identity:
        break;
      case Act::Relu:
        for (int64_t j = 0; j < L.out; j++) row[j] = row[j] > 0.0f ? row[j] : 0.0f;
        break;
      case Act::LeakyRelu:
        for (int64_t j = 0; j < L.out; j++) row[j] = row[j] > 0.0f ? row[j] : row[j] * L.slope;
        break;
      case Act::Sigmoid:
        for (int64_t j = 0; j < L.out; j++) row[j] = floatmath::sigmoid(row[j]);
        break;
      case Act::Tanh:
        for (int64_t j = 0; j < L.out; j++) row[j] = floatmath::tanh(row[j]);
        break;
    }
  }
}

// The sgemm path of denseChainMse for `rows` samples, row-major buffers: false when the
// rows hold a NaN or infinity. Called from inside the parallel region: must not throw.
bool scoreRowsSgemm(const float* x, int64_t rows, int64_t d, Scaling scaling, const double* a, const double* b,
                    const std::vector<ChainLayer>& layers, float* target, float* bufA, float* bufB, float* out) {
  float probe = 0;
  for (int64_t i = 0; i < rows * d; i++) {
    float v = x[i];
    probe += v * 0.0f;
    int64_t k = i % d;
    if (scaling == Scaling::SubtractDivide)
      v = static_cast<float>((static_cast<double>(v) - a[k]) * b[k]);  // b holds 1 / divisor
    else if (scaling == Scaling::MultiplyAdd)
      v = static_cast<float>(static_cast<double>(v) * a[k] + b[k]);
    target[i] = v;
  }
  if (probe != 0) return false;
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
}

// Squared error of rows x width predictions, summed in double, and its gradient
// scale * (p - t) written over `grad` (scale = 2 / (all values), as lossBackward computes it).
HOURGLASS_VECTORIZED double squaredErrorAndGrad(const float* p, const float* t, float* grad, int64_t count, float scale) {
  double sum = 0;
  for (int64_t i = 0; i < count; i++) {
    float diff = p[i] - t[i];
    sum += static_cast<double>(diff * diff);
    grad[i] = scale * diff;
  }
  return sum;
}

// A thread's bfloat16 operands and planned products in mixed-precision mode: activations and
// deltas are rounded to bfloat16 as they are produced, weights once per step (shared).
struct Bf16Pass {
  std::vector<const uint16_t*> weights;          // per layer, [out, in], shared by the threads
  std::vector<const Bf16Matmul*> forward, weightGrad, inputGrad;  // per layer
  std::vector<uint16_t> input;                   // rows x d
  std::vector<std::vector<uint16_t>> outputs;    // per layer but the last, rows x out
  std::vector<uint16_t> delta;                   // rows x widest
  std::vector<char> scratchpad;
  dnnl::stream* stream = nullptr;
};

struct ThreadPass {
  std::vector<std::vector<float>> outputs;  // per layer, rows x out (after the activation)
  std::vector<float> delta, previous;       // rows x widest, dL/d(layer output)
  std::vector<float> grads;                 // this thread's weight and bias gradients (threads > 0)
  std::unique_ptr<Bf16Pass> bf16;           // null in float32 mode
  double squaredError = 0;
  dnnl_status_t status = dnnl_success;
};

// Forward and backward pass of rows [begin, end). Gradients go to `gradSlots` (the layers'
// own arrays for thread 0, the thread's scratch otherwise). Must not throw.
void runPassUnguarded(const std::vector<ChainLayer>& layers, const float* x, const float* y, int64_t begin, int64_t end,
                      float scale, ThreadPass& pass, const std::vector<std::pair<float*, float*>>& gradSlots) {
  const int64_t rows = end - begin;
  const int64_t d = layers.front().in, dOut = layers.back().out;
  const float* input = x + begin * d;
  Bf16Pass* b = pass.bf16.get();
  if (b) toBf16(input, b->input.data(), rows * d);
  const size_t last = layers.size() - 1;
  for (size_t l = 0; l < layers.size(); l++) {
    const ChainLayer& L = layers[l];
    float* z = pass.outputs[l].data();
    if (b) {
      b->forward[l]->run(*b->stream, l == 0 ? b->input.data() : b->outputs[l - 1].data(), b->weights[l], z, b->scratchpad.data());
    } else {
      const float* h = l == 0 ? input : pass.outputs[l - 1].data();
      pass.status = dnnl_sgemm('N', 'T', rows, L.out, L.in, 1.0f, h, L.in, L.weight, L.in, 0.0f, z, L.out);
      if (pass.status != dnnl_success) return;
    }
    biasActivate(L, z, rows);
    if (b && l < last) toBf16(z, b->outputs[l].data(), rows * L.out);
  }
  float* delta = pass.delta.data();
  pass.squaredError = squaredErrorAndGrad(pass.outputs.back().data(), y + begin * dOut, delta, rows * dOut, scale);
  for (size_t l = layers.size(); l-- > 0;) {
    const ChainLayer& L = layers[l];
    activationGrad(L.act, L.slope, pass.outputs[l].data(), delta, rows * L.out);
    auto [weightGrad, biasGrad] = gradSlots[l];
    if (b) {
      toBf16(delta, b->delta.data(), rows * L.out);
      b->weightGrad[l]->run(*b->stream, b->delta.data(), l == 0 ? b->input.data() : b->outputs[l - 1].data(), weightGrad,
                            b->scratchpad.data());
    } else {
      const float* h = l == 0 ? input : pass.outputs[l - 1].data();
      pass.status = dnnl_sgemm('T', 'N', L.out, L.in, rows, 1.0f, delta, L.out, h, L.in, 0.0f, weightGrad, L.in);
      if (pass.status != dnnl_success) return;
    }
    if (biasGrad) {
      std::fill(biasGrad, biasGrad + L.out, 0.0f);
      for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < L.out; j++) biasGrad[j] += delta[r * L.out + j];
    }
    if (l == 0) break;  // the input needs no gradient
    float* previous = pass.previous.data();
    if (b) {
      b->inputGrad[l]->run(*b->stream, b->delta.data(), b->weights[l], previous, b->scratchpad.data());
    } else {
      pass.status = dnnl_sgemm('N', 'N', rows, L.in, L.out, 1.0f, delta, L.out, L.weight, L.in, 0.0f, previous, L.in);
      if (pass.status != dnnl_success) return;
    }
    std::swap(pass.delta, pass.previous);
    delta = pass.delta.data();
  }
}

void runPass(const std::vector<ChainLayer>& layers, const float* x, const float* y, int64_t begin, int64_t end, float scale,
             ThreadPass& pass, const std::vector<std::pair<float*, float*>>& gradSlots) {
  try {
    runPassUnguarded(layers, x, y, begin, end, scale, pass, gradSlots);
  } catch (...) {  // an exception must not leave the parallel region
    pass.status = dnnl_runtime_error;
  }
}

}  // namespace

Napi::Value DenseChainTrainStep(const Napi::CallbackInfo& info) {
  expectCount(info, 5, "denseChainTrainStep");
  auto env = info.Env();
  if (!info[4].IsString()) fail(env, "precision must be a string");
  std::string precision = info[4].As<Napi::String>().Utf8Value();
  if (precision != "float32" && precision != "bfloat16") fail(env, "precision must be 'float32' or 'bfloat16', got '" + precision + "'");
  const bool bf16 = precision == "bfloat16";
  int64_t n = dim(info, 2, "n");
  if (n < 1) fail(env, "n must be at least 1");
  std::vector<ChainLayer> layers = parseLayers(info, 3, -1, true);
  const int64_t d = layers.front().in, dOut = layers.back().out;
  const float* x = floats(info, 0, "x", product(env, {n, d})).data;
  const float* y = floats(info, 1, "y", product(env, {n, dOut})).data;

  int64_t widest = 0;
  for (const ChainLayer& L : layers) widest = std::max({widest, L.in, L.out});
  int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(omp_get_max_threads(), n / kMinRowsPerThread)));
  std::vector<ThreadPass> passes(static_cast<size_t>(threads));
  std::vector<std::vector<std::pair<float*, float*>>> slots(static_cast<size_t>(threads));
  for (int t = 0; t < threads; t++) {
    int64_t rows = n * (t + 1) / threads - n * t / threads;
    ThreadPass& pass = passes[static_cast<size_t>(t)];
    for (const ChainLayer& L : layers) pass.outputs.emplace_back(static_cast<size_t>(rows * L.out));
    pass.delta.resize(static_cast<size_t>(rows * widest));
    pass.previous.resize(static_cast<size_t>(rows * widest));
    int64_t gradFloats = 0;
    if (t > 0)
      for (const ChainLayer& L : layers) gradFloats += L.in * L.out + (L.bias ? L.out : 0);
    pass.grads.resize(static_cast<size_t>(gradFloats));
    float* cursor = pass.grads.data();
    for (const ChainLayer& L : layers) {
      if (t == 0) {
        slots[0].push_back({L.weightGrad, L.biasGrad});
        continue;
      }
      float* w = cursor;
      cursor += L.in * L.out;
      float* b = L.bias ? cursor : nullptr;
      if (L.bias) cursor += L.out;
      slots[static_cast<size_t>(t)].push_back({w, b});
    }
  }
  // Mixed precision: weights rounded once (shared), products planned per thread's row count.
  std::vector<std::vector<uint16_t>> weightsBf16;
  if (bf16) {
    try {
      Bf16Matmul::trim();
      for (const ChainLayer& L : layers) {
        weightsBf16.emplace_back(static_cast<size_t>(L.in * L.out));
        toBf16(L.weight, weightsBf16.back().data(), L.in * L.out);
      }
      for (int t = 0; t < threads; t++) {
        int64_t rows = n * (t + 1) / threads - n * t / threads;
        auto b = std::make_unique<Bf16Pass>();
        size_t scratch = 0;
        for (size_t l = 0; l < layers.size(); l++) {
          const ChainLayer& L = layers[l];
          b->weights.push_back(weightsBf16[l].data());
          b->forward.push_back(&Bf16Matmul::get(rows, L.out, L.in, false, true));
          b->weightGrad.push_back(&Bf16Matmul::get(L.out, L.in, rows, true, false));
          b->inputGrad.push_back(&Bf16Matmul::get(rows, L.in, L.out, false, false));
          for (const Bf16Matmul* m : {b->forward.back(), b->weightGrad.back(), b->inputGrad.back()})
            scratch = std::max(scratch, m->scratchpadBytes());
          if (l + 1 < layers.size()) b->outputs.emplace_back(static_cast<size_t>(rows * L.out));
        }
        b->input.resize(static_cast<size_t>(rows * d));
        b->delta.resize(static_cast<size_t>(rows * widest));
        b->scratchpad.resize(std::max<size_t>(scratch, 64));
        b->stream = &threadStream(t);
        passes[static_cast<size_t>(t)].bf16 = std::move(b);
      }
    } catch (const dnnl::error& e) {
      fail(env, std::string("bfloat16 training needs a CPU with bfloat16 matrix products (AVX512-BF16 or AMX): ") + e.what());
    }
  }
  const float scale = static_cast<float>(2.0 / static_cast<double>(n * dOut));
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), count = omp_get_num_threads();
    // A smaller team than asked for still covers every row: the ranges follow the team.
    for (int part = t; part < threads; part += count)
      runPass(layers, x, y, n * part / threads, n * (part + 1) / threads, scale, passes[static_cast<size_t>(part)],
              slots[static_cast<size_t>(part)]);
  }
  double squaredError = 0;
  for (const ThreadPass& pass : passes) {
    if (pass.status != dnnl_success) fail(env, "denseChainTrainStep: a matrix product failed (oneDNN status " + std::to_string(pass.status) + ")");
    squaredError += pass.squaredError;
  }
  // Fixed order: thread 0's gradients (already in place), then each other thread's.
  for (int t = 1; t < threads; t++)
    for (size_t l = 0; l < layers.size(); l++) {
      const ChainLayer& L = layers[l];
      auto [w, b] = slots[static_cast<size_t>(t)][l];
      for (int64_t i = 0; i < L.in * L.out; i++) L.weightGrad[i] += w[i];
      if (b)
        for (int64_t j = 0; j < L.out; j++) L.biasGrad[j] += b[j];
    }
  return Napi::Number::New(env, squaredError / static_cast<double>(n * dOut));
}
HOURGLASS_EXPORT(denseChainTrainStep, DenseChainTrainStep);

}  // namespace hourglass
