// Element-wise activations and their derivatives (activation.cc), shared by the activation
// entry points and the fused dense-chain kernels so that both compute the same values.
#pragma once
#include <cstdint>

namespace hourglass {

enum class Activation { Relu, LeakyRelu, Sigmoid, Tanh };

// y = act(x) over n values; x and y may be the same array.
void activationForwardRange(Activation kind, const float* x, float* y, int64_t n, float alpha);

// dx = dL/dx from dy and the forward OUTPUT y; dy and dx may be the same array.
void activationBackwardRange(Activation kind, const float* y, const float* dy, float* dx, int64_t n, float alpha);

}  // namespace hourglass
