// Parameter updates of torch.optim.Adam (amsgrad=False) and torch.optim.SGD (dampening 0),
// operation for operation, in float32 like torch's CPU kernels, so a model trained here
// follows the same trajectory as in PyTorch.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>
#include "args.h"
#include "parallel.h"
#include "registry.h"
#include "isa_dispatch.h"
#include "optimizer.h"

namespace hourglass {

namespace {

AdamScalars adamScalars(double lr, double beta1, double beta2, double eps, double weightDecay, int64_t step) {
  double biasCorrection1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  double biasCorrection2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  return {static_cast<float>(beta1),
          static_cast<float>(1.0 - beta1),
          static_cast<float>(beta2),
          static_cast<float>(1.0 - beta2),
          static_cast<float>(lr / biasCorrection1),
          static_cast<float>(std::sqrt(biasCorrection2)),
          static_cast<float>(eps),
          static_cast<float>(weightDecay)};
}

void adamRange(float* param, const float* grad, float* m, float* v, int64_t n, AdamScalars s) {
  dispatchByIsa([&] {
    // One loop the compiler vectorizes as wide as the clone's instruction set: with
    // -fno-math-errno, std::sqrt is the (correctly rounded) vector square root instruction.
    for (int64_t i = 0; i < n; i++) {
      float gi = grad[i] + s.weightDecay * param[i];
      float mi = m[i] * s.beta1 + s.oneMinusBeta1 * gi;
      float vi = v[i] * s.beta2 + s.oneMinusBeta2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      float denom = std::sqrt(vi) / s.biasCorrection2Sqrt + s.eps;
      param[i] = param[i] - s.stepSize * (mi / denom);
    }
  });
}

void sgdRange(float* param, const float* grad, float* velocity, int64_t n, float lr,
              float momentum, float weightDecay, bool nesterov, bool firstStep) {
  dispatchByIsa([&] {
    if (momentum == 0.0f) {
      for (int64_t i = 0; i < n; i++) param[i] = param[i] - lr * (grad[i] + weightDecay * param[i]);
      return;
    }
    // torch starts the momentum buffer as a copy of the first gradient.
    for (int64_t i = 0; i < n; i++) {
      float g = grad[i] + weightDecay * param[i];
      float buf = firstStep ? g : velocity[i] * momentum + g;
      velocity[i] = buf;
      param[i] = param[i] - lr * (nesterov ? g + momentum * buf : buf);
    }
  });
}

double nonNegative(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double value = number(info, i, name);
  if (value < 0) fail(info.Env(), std::string(name) + " must be >= 0, got " + std::to_string(value));
  return value;
}

double unitInterval(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double value = number(info, i, name);
  if (value < 0 || value >= 1) fail(info.Env(), std::string(name) + " must be in [0, 1), got " + std::to_string(value));
  return value;
}

}  // namespace

void applyAdam(const AdamSegment& g, int64_t begin, int64_t end) {
  if (begin < end) adamRange(g.param + begin, g.grad + begin, g.m + begin, g.v + begin, end - begin, g.s);
}

void AdamUpdate::applyRange(int64_t begin, int64_t end) const {
  int64_t offset = 0;
  for (const AdamSegment& g : segments) {
    applyAdam(g, std::max(begin, offset) - offset, std::min(end, offset + g.n) - offset);
    offset += g.n;
    if (offset >= end) break;
  }
}

void AdamUpdate::applyShare(int64_t worker, int64_t workers) const {
  const int64_t units = (total + 15) / 16;
  applyRange(std::min(total, units * worker / workers * 16), std::min(total, units * (worker + 1) / workers * 16));
}

AdamUpdate parseAdamUpdate(const Napi::CallbackInfo& info, size_t i) {
  auto env = info.Env();
  double beta1 = unitInterval(info, i + 1, "beta1"), beta2 = unitInterval(info, i + 2, "beta2");
  double eps = nonNegative(info, i + 3, "eps"), weightDecay = nonNegative(info, i + 4, "weightDecay");
  int64_t step = dim(info, i + 5, "step");
  if (step < 1) fail(env, "step counts from 1, got 0");
  if (!info[i].IsArray()) fail(env, "entries must be an array of [param, grad, m, v, lr]");
  auto list = info[i].As<Napi::Array>();
  AdamUpdate update;
  for (uint32_t e = 0; e < list.Length(); e++) {
    std::string at = "entries[" + std::to_string(e) + "]";
    Napi::Value entry = list.Get(e);
    if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 5) fail(env, at + " must be [param, grad, m, v, lr]");
    auto fields = entry.As<Napi::Array>();
    const char* names[4] = {"param", "grad", "m", "v"};
    float* arrays[4];
    int64_t n = -1;
    for (uint32_t k = 0; k < 4; k++) {
      Napi::Value v = fields.Get(k);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        fail(env, at + " " + names[k] + " must be a Float32Array");
      auto array = v.As<Napi::Float32Array>();
      int64_t length = static_cast<int64_t>(array.ElementLength());
      if (n >= 0 && length != n)
        fail(env, at + " " + names[k] + " has " + std::to_string(length) + " elements, param has " + std::to_string(n));
      n = length;
      arrays[k] = array.Data();
    }
    Napi::Value lrValue = fields.Get(4u);
    double lr = lrValue.IsNumber() ? lrValue.As<Napi::Number>().DoubleValue() : -1;
    if (!(lr >= 0 && std::isfinite(lr))) fail(env, at + " lr must be a finite number >= 0");
    update.segments.push_back({arrays[0], arrays[2], arrays[3], arrays[1], n, adamScalars(lr, beta1, beta2, eps, weightDecay, step)});
    update.total += n;
  }
  return update;
}

// adamStep(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step), step counted from 1
static Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  expectCount(info, 11, "adamStep");
  auto env = info.Env();
  int64_t n = dim(info, 4, "n");
  double lr = nonNegative(info, 5, "lr");
  double beta1 = unitInterval(info, 6, "beta1"), beta2 = unitInterval(info, 7, "beta2");
  double eps = nonNegative(info, 8, "eps"), weightDecay = nonNegative(info, 9, "weightDecay");
  int64_t step = dim(info, 10, "step");
  if (step < 1) fail(env, "step counts from 1, got 0");
  float* param = floats(info, 0, "param", n).data;
  const float* grad = floats(info, 1, "grad", n).data;
  float* m = floats(info, 2, "m", n).data;
  float* v = floats(info, 3, "v", n).data;
  AdamScalars s = adamScalars(lr, beta1, beta2, eps, weightDecay, step);
  forRanges(n, 4, 16, [&](int64_t begin, int64_t end) {
    adamRange(param + begin, grad + begin, m + begin, v + begin, end - begin, s);
  });
  return env.Undefined();
}
HOURGLASS_EXPORT(adamStep, AdamStep);

// adamStepAll(entries, beta1, beta2, eps, weightDecay, step), entries = [[param, grad, m, v, lr], ...]:
// adamStep on every entry, in one parallel region. A network's parameters are a dozen arrays of
// very different sizes; one call per array woke the thread team a dozen times per step (0.41 ms
// for the reference autoencoder's 440K parameters on two threads, against 0.23 ms in one call
// before the update loop was vectorized as wide as the CPU allows, 0.17-0.18 ms after).
// The threads split the concatenation of all entries evenly.
static Napi::Value AdamStepAll(const Napi::CallbackInfo& info) {
  expectCount(info, 6, "adamStepAll");
  AdamUpdate update = parseAdamUpdate(info, 0);
  forRanges(update.total, 4, 16, [&](int64_t begin, int64_t end) { update.applyRange(begin, end); });
  return info.Env().Undefined();
}
HOURGLASS_EXPORT(adamStepAll, AdamStepAll);

// sgdStep(param, grad, velocity, n, lr, momentum, weightDecay, nesterov, firstStep)
static Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  expectCount(info, 9, "sgdStep");
  auto env = info.Env();
  int64_t n = dim(info, 3, "n");
  double lr = nonNegative(info, 4, "lr");
  double momentum = nonNegative(info, 5, "momentum");
  double weightDecay = nonNegative(info, 6, "weightDecay");
  bool nesterov = flag(info, 7, "nesterov"), firstStep = flag(info, 8, "firstStep");
  if (nesterov && momentum == 0) fail(env, "nesterov momentum needs momentum > 0");
  float* param = floats(info, 0, "param", n).data;
  const float* grad = floats(info, 1, "grad", n).data;
  // Plain SGD keeps no state: the velocity array is not touched and may be empty.
  float* velocity = floats(info, 2, "velocity", momentum == 0 ? 0 : n).data;
  forRanges(n, 2, 16, [&](int64_t begin, int64_t end) {
    sgdRange(param + begin, grad + begin, momentum == 0 ? nullptr : velocity + begin, end - begin,
             static_cast<float>(lr), static_cast<float>(momentum), static_cast<float>(weightDecay), nesterov, firstStep);
  });
  return env.Undefined();
}
HOURGLASS_EXPORT(sgdStep, SgdStep);

}  // namespace hourglass
