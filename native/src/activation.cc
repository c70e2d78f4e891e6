// Element-wise activations and their derivatives. The backward pass takes the forward
// OUTPUT y, from which each supported derivative follows (relu: y > 0; leaky relu:
// y > 0 ? 1 : alpha; sigmoid: y (1 - y); tanh: 1 - y^2), so layers need not keep inputs.
#include "activation.h"

#include <cstring>
#include <string>
#include "args.h"
#include "float_math.h"
#include "parallel.h"
#include "registry.h"
#include "isa_dispatch.h"

namespace hourglass {

// x and y may be the same array (in place): every element is read before it is written.
void activationForwardRange(Activation kind, const float* x, float* y, int64_t n, float alpha) {
  dispatchByIsa([&] {
    switch (kind) {
      case Activation::Relu:
        // `x < 0 ? 0 : x` rather than max(x, 0): NaN passes through, so divergence stays visible.
        for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
        break;
      case Activation::LeakyRelu:
        for (int64_t i = 0; i < n; i++) y[i] = x[i] * (x[i] < 0.0f ? alpha : 1.0f);
        break;
      case Activation::Sigmoid:
        for (int64_t i = 0; i < n; i++) y[i] = floatmath::sigmoid(x[i]);
        break;
      case Activation::Tanh:
        for (int64_t i = 0; i < n; i++) y[i] = floatmath::tanh(x[i]);
        break;
    }
  });
}

// dy and dx may be the same array. Products follow torch's order (grad * (1 - y) * y).
void activationBackwardRange(Activation kind, const float* y, const float* dy, float* dx, int64_t n,
                             float alpha) {
  dispatchByIsa([&] {
    switch (kind) {
      case Activation::Relu:
        // dy is loaded whatever the sign: as `y > 0 ? dy[i] : 0` the load was conditional, which
        // the compiler kept as a scalar branch (mispredicted for half of the units, 5 ns per
        // element: 0.7 ms of a 4.2 ms training step of the dense reference model). Loaded
        // unconditionally, the choice is a vector blend. The result is the same, NaN included.
        for (int64_t i = 0; i < n; i++) {
          float g = dy[i];
          dx[i] = y[i] > 0.0f ? g : 0.0f;
        }
        break;
      case Activation::LeakyRelu:
        for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (y[i] > 0.0f ? 1.0f : alpha);
        break;
      case Activation::Sigmoid:
        for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i]) * y[i];
        break;
      case Activation::Tanh:
        for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    }
  });
}

namespace {

Activation activationKind(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) fail(info.Env(), "kind must be a string");
  std::string kind = info[i].As<Napi::String>().Utf8Value();
  if (kind == "relu") return Activation::Relu;
  if (kind == "leaky_relu") return Activation::LeakyRelu;
  if (kind == "sigmoid") return Activation::Sigmoid;
  if (kind == "tanh") return Activation::Tanh;
  fail(info.Env(), "unknown activation '" + kind + "' (expected relu, leaky_relu, sigmoid or tanh)");
}

// The derivative of leaky relu is recovered from the sign of its output, which only
// matches the sign of the input when the slope is non-negative.
float slope(const Napi::CallbackInfo& info, size_t i, Activation kind) {
  double alpha = number(info, i, "alpha");
  if (kind == Activation::LeakyRelu && alpha < 0)
    fail(info.Env(), "leaky_relu alpha (negative slope) must be >= 0, got " + std::to_string(alpha));
  return static_cast<float>(alpha);
}

}  // namespace

// activationForward(kind, x, y, n, alpha)
static Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  expectCount(info, 5, "activationForward");
  Activation kind = activationKind(info, 0);
  int64_t n = dim(info, 3, "n");
  float alpha = slope(info, 4, kind);
  const float* x = floats(info, 1, "x", n).data;
  float* y = floats(info, 2, "y", n).data;
  forRanges(n, 1, 16, [&](int64_t begin, int64_t end) { activationForwardRange(kind, x + begin, y + begin, end - begin, alpha); });
  return info.Env().Undefined();
}
HOURGLASS_EXPORT(activationForward, ActivationForward);

// activationBackward(kind, y, dy, dx, n, alpha)
static Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  expectCount(info, 6, "activationBackward");
  Activation kind = activationKind(info, 0);
  int64_t n = dim(info, 4, "n");
  float alpha = slope(info, 5, kind);
  const float* y = floats(info, 1, "y", n).data;
  const float* dy = floats(info, 2, "dy", n).data;
  float* dx = floats(info, 3, "dx", n).data;
  forRanges(n, 1, 16, [&](int64_t begin, int64_t end) {
    activationBackwardRange(kind, y + begin, dy + begin, dx + begin, end - begin, alpha);
  });
  return info.Env().Undefined();
}
HOURGLASS_EXPORT(activationBackward, ActivationBackward);

}  // namespace hourglass
