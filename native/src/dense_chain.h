// Shared pieces of the fused dense-chain kernels (dense_chain_score.cc, dense_chain_train.cc):
// a chain of Dense layers, each followed by its activation, passed from JavaScript as arrays
// of [weight, bias, in, out, activation, slope] (plus [weightGrad, biasGrad] for training).
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hourglass::dense_chain {

constexpr int64_t kMaxWidth = 1 << 14;  // widest layer accepted (bounds the per-thread buffers)

enum class Act { Identity, Relu, LeakyRelu, Sigmoid, Tanh };

struct ChainLayer {
  const float* weight;
  const float* bias;
  int64_t in, out;
  Act act;
  float slope;
  float* weightGrad;  // training only: [out, in], overwritten
  float* biasGrad;    // training only: [out] or null, overwritten
};

// Layers as [weight, bias, in, out, activation, slope], plus [weightGrad, biasGrad] when
// `withGrads` (the gradient arrays have the shapes of the weight and bias, bias null with null).
// With d >= 0 the chain must take and give d values per sample; with d < 0 any widths chain.
std::vector<ChainLayer> parseLayers(const Napi::CallbackInfo& info, size_t i, int64_t d, bool withGrads);

// y[r, j] = act(y[r, j] + bias[j]) over rows x out, in place, with activation.cc's kernels.
void biasActivate(const ChainLayer& L, float* y, int64_t rows);

// dL/dz from dL/dy for y = act(z), using the forward output y (activation.cc's kernels).
void activationGrad(Act act, float slope, const float* y, float* g, int64_t count);

}  // namespace hourglass::dense_chain
