// Reconstruction losses with reduction 'mean' (torch's MSELoss, L1Loss, BCELoss) and
// their gradients. The forward pass is a reduction: each row is summed in double with
// a fixed lane pattern and the rows are added in order, so the result does not depend
// on the number of threads and is identical from run to run.
#include <cmath>
#include <string>
#include <vector>
#include "args.h"
#include "float_math.h"
#include "parallel.h"
#include "registry.h"
#include "isa_dispatch.h"

namespace hourglass {

namespace {

enum class Loss { Mse, Bce, Mae };

Loss lossKind(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) fail(info.Env(), "kind must be a string");
  std::string kind = info[i].As<Napi::String>().Utf8Value();
  if (kind == "mse") return Loss::Mse;
  if (kind == "bce") return Loss::Bce;
  if (kind == "mae") return Loss::Mae;
  fail(info.Env(), "unknown loss '" + kind + "' (expected mse, bce or mae)");
}

// Element losses are computed a chunk at a time into a float buffer (a loop that
// vectorizes), then added into kLanes double accumulators, element i into lane i % kLanes.
constexpr int64_t kChunk = 512;
constexpr int64_t kLanes = 8;

struct RowSum {
  double sum;
  bool outOfRange;  // bce only: a prediction outside [0, 1]
};

RowSum sumRow(Loss kind, const float* pred, const float* target, int64_t n) {
  return dispatchByIsa([&] {
    float terms[kChunk];
    double lanes[kLanes] = {};
    int outOfRange = 0;
    for (int64_t start = 0; start < n; start += kChunk) {
      int64_t len = std::min(kChunk, n - start);
      const float* p = pred + start;
      const float* t = target + start;
      switch (kind) {
        case Loss::Mse:
          for (int64_t i = 0; i < len; i++) terms[i] = (p[i] - t[i]) * (p[i] - t[i]);
          break;
        case Loss::Mae:
          for (int64_t i = 0; i < len; i++) terms[i] = std::fabs(p[i] - t[i]);
          break;
        case Loss::Bce:
          // -(t log p + (1 - t) log(1 - p)), each log clamped at -100 as torch does. NaN
          // predictions pass the range check and make the loss NaN (divergence stays visible).
          for (int64_t i = 0; i < len; i++) {
            outOfRange |= (p[i] < 0.0f) | (p[i] > 1.0f);
            float logP = floatmath::logClamped(p[i]);
            float logQ = floatmath::logClamped(1.0f - p[i]);
            terms[i] = (t[i] - 1.0f) * logQ - t[i] * logP;
          }
          break;
      }
      int64_t i = 0;
      for (; i + kLanes <= len; i += kLanes)
        for (int64_t l = 0; l < kLanes; l++) lanes[l] += terms[i + l];
      for (int64_t l = 0; i < len; i++, l++) lanes[l] += terms[i];
    }
    double sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    return RowSum{sum, outOfRange != 0};
  });
}

// Gradient of the mean over n elements, in torch's operation order.
void gradientRange(Loss kind, const float* p, const float* t, float* grad, int64_t n, float invN,
                   float twoOverN) {
  dispatchByIsa([&] {
    switch (kind) {
      case Loss::Mse:
        for (int64_t i = 0; i < n; i++) grad[i] = twoOverN * (p[i] - t[i]);
        break;
      case Loss::Mae:
        for (int64_t i = 0; i < n; i++) {
          float d = p[i] - t[i];
          grad[i] = ((d > 0.0f ? 1.0f : 0.0f) - (d < 0.0f ? 1.0f : 0.0f)) * invN;
        }
        break;
      case Loss::Bce:
        for (int64_t i = 0; i < n; i++) grad[i] = invN * (p[i] - t[i]) / std::max((1.0f - p[i]) * p[i], 1e-12f);
        break;
    }
  });
}

}  // namespace

// lossForward(kind, pred, target, rows, cols, perSample | null) -> mean over rows * cols
static Napi::Value LossForward(const Napi::CallbackInfo& info) {
  expectCount(info, 6, "lossForward");
  auto env = info.Env();
  Loss kind = lossKind(info, 0);
  int64_t rows = dim(info, 3, "rows"), cols = dim(info, 4, "cols");
  int64_t n = product(env, {rows, cols});
  const float* pred = floats(info, 1, "pred", n).data;
  const float* target = floats(info, 2, "target", n).data;
  float* perSample = info[5].IsNull() ? nullptr : floats(info, 5, "perSample", rows).data;
  std::vector<RowSum> sums(static_cast<size_t>(rows));
  forRanges(rows, cols, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) sums[r] = sumRow(kind, pred + r * cols, target + r * cols, cols);
  });
  double total = 0;
  for (int64_t r = 0; r < rows; r++) {
    if (sums[r].outOfRange)
      fail(env, "bce needs predictions in [0, 1], row " + std::to_string(r) +
                    " has one outside: end the model with a sigmoid, or use mse");
    total += sums[r].sum;
  }
  if (perSample)
    for (int64_t r = 0; r < rows; r++) perSample[r] = static_cast<float>(sums[r].sum / static_cast<double>(cols));
  // The mean of zero elements is NaN, as in torch.
  return Napi::Number::New(env, total / static_cast<double>(n));
}
HOURGLASS_EXPORT(lossForward, LossForward);

// lossBackward(kind, pred, target, n, grad): grad = d mean(loss) / d pred
static Napi::Value LossBackward(const Napi::CallbackInfo& info) {
  expectCount(info, 5, "lossBackward");
  auto env = info.Env();
  Loss kind = lossKind(info, 0);
  int64_t n = dim(info, 3, "n");
  const float* pred = floats(info, 1, "pred", n).data;
  const float* target = floats(info, 2, "target", n).data;
  float* grad = floats(info, 4, "grad", n).data;
  if (n == 0) return env.Undefined();
  float invN = static_cast<float>(1.0 / static_cast<double>(n));
  float twoOverN = static_cast<float>(2.0 / static_cast<double>(n));
  forRanges(n, 1, 16, [&](int64_t begin, int64_t end) {
    gradientRange(kind, pred + begin, target + begin, grad + begin, end - begin, invN, twoOverN);
  });
  return env.Undefined();
}
HOURGLASS_EXPORT(lossBackward, LossBackward);

}  // namespace hourglass
