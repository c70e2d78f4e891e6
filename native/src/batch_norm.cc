// 2-D batch normalization (PyTorch BatchNorm2d semantics) over the caller's NCHW arrays:
// y = (x - mean) / sqrt(var + eps) * weight + bias per channel. Training uses the batch
// statistics (biased variance) and returns them; the running averages are the caller's
// business. Geometry arguments: batch, channels, height, width, eps.
//
// Plain loops rather than oneDNN: oneDNN 2.6 normalizes plain NCHW with a generic
// implementation that took over a second for a 256x32x28x28 batch here, and its fast
// kernels need blocked layouts that would cost two reorders per pass. These loops are
// memory-bound (two or three sweeps over the data) and accumulate in double.
#include <napi.h>
#include <cmath>
#include <cstdint>
#include <string>
#include "args.h"
#include "primitive_cache.h"
#include "registry.h"

namespace hourglass {

namespace {

struct NormGeometry {
  int64_t batch, channels, plane;  // plane = height * width
  double eps;
  int64_t elements(const Napi::Env& env) const { return product(env, {batch, channels, plane}); }
  int64_t perChannel() const { return batch * plane; }
};

NormGeometry readNormGeometry(const Napi::CallbackInfo& info, const char* fn) {
  auto env = info.Env();
  NormGeometry g{};
  g.batch = positive(info, 0, "batch");
  g.channels = positive(info, 1, "channels");
  g.plane = product(env, {positive(info, 2, "height"), positive(info, 3, "width")});
  g.eps = number(info, 4, "eps");
  if (!(g.eps > 0) || g.eps > 1) fail(env, std::string(fn) + ": eps must be in (0, 1], got " + std::to_string(g.eps));
  return g;
}

// The plane of sample n in channel c.
inline int64_t planeStart(const NormGeometry& g, int64_t n, int64_t c) { return (n * g.channels + c) * g.plane; }

// Sums within one plane run in float so they vectorize; planes are added up in double.
inline float planeSum(const float* p, int64_t count) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < count; i++) s += p[i];
  return s;
}

inline float planeSquares(const float* p, int64_t count, float shift) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < count; i++) s += (p[i] - shift) * (p[i] - shift);
  return s;
}

// batchNorm2dForward(geometry..., training, x, weight, bias, y, mean, variance)
// training: mean and variance receive the batch statistics (biased variance).
// inference: mean and variance are read (the running statistics).
Napi::Value BatchNorm2dForward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNorm2dForward";
  expectCount(info, 12, fn);
  auto env = info.Env();
  NormGeometry g = readNormGeometry(info, fn);
  bool training = flag(info, 5, "training");
  if (training && g.perChannel() < 2) fail(env, std::string(fn) + ": training needs more than one value per channel");
  const float* x = exactFloats(info, 6, "x", g.elements(env));
  const float* weight = exactFloats(info, 7, "weight", g.channels);
  const float* bias = exactFloats(info, 8, "bias", g.channels);
  float* y = exactFloats(info, 9, "y", g.elements(env));
  float* mean = exactFloats(info, 10, "mean", g.channels);
  float* variance = exactFloats(info, 11, "variance", g.channels);
  if (!training)
    for (int64_t c = 0; c < g.channels; c++)
      if (!(variance[c] >= 0)) fail(env, std::string(fn) + ": running variance must be non-negative");
#pragma omp parallel for schedule(static) if (g.elements(env) >= kParallelWorkThreshold)
  for (int64_t c = 0; c < g.channels; c++) {
    double m, v;
    if (training) {
      // Two passes: the shifted sum of squares stays accurate when the mean is large.
      double sum = 0;
      for (int64_t n = 0; n < g.batch; n++) sum += planeSum(x + planeStart(g, n, c), g.plane);
      m = sum / g.perChannel();
      double squares = 0;
      for (int64_t n = 0; n < g.batch; n++) squares += planeSquares(x + planeStart(g, n, c), g.plane, static_cast<float>(m));
      v = squares / g.perChannel();
      mean[c] = static_cast<float>(m);
      variance[c] = static_cast<float>(v);
    } else {
      m = mean[c];
      v = variance[c];
    }
    const double scale = weight[c] / std::sqrt(v + g.eps);
    const float a = static_cast<float>(scale), b = static_cast<float>(bias[c] - m * scale);
    for (int64_t n = 0; n < g.batch; n++) {
      const float* in = x + planeStart(g, n, c);
      float* out = y + planeStart(g, n, c);
#pragma omp simd
      for (int64_t i = 0; i < g.plane; i++) out[i] = in[i] * a + b;
    }
  }
  return env.Undefined();
}
HOURGLASS_EXPORT(batchNorm2dForward, BatchNorm2dForward);

// batchNorm2dBackward(geometry..., x, dy, weight, mean, variance, dx, dweight, dbias)
// mean and variance are the batch statistics the training forward returned. With
// xhat = (x - mean) / sqrt(var + eps) and M values per channel:
//   dbias = sum(dy), dweight = sum(dy xhat),
//   dx = weight / sqrt(var + eps) * (dy - dbias / M - xhat * dweight / M).
Napi::Value BatchNorm2dBackward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNorm2dBackward";
  expectCount(info, 13, fn);
  auto env = info.Env();
  NormGeometry g = readNormGeometry(info, fn);
  const float* x = exactFloats(info, 5, "x", g.elements(env));
  const float* dy = exactFloats(info, 6, "dy", g.elements(env));
  const float* weight = exactFloats(info, 7, "weight", g.channels);
  const float* mean = exactFloats(info, 8, "mean", g.channels);
  const float* variance = exactFloats(info, 9, "variance", g.channels);
  float* dx = exactFloats(info, 10, "dx", g.elements(env));
  float* dweight = exactFloats(info, 11, "dweight", g.channels);
  float* dbias = exactFloats(info, 12, "dbias", g.channels);
  for (int64_t c = 0; c < g.channels; c++)
    if (!(variance[c] >= 0)) fail(env, std::string(fn) + ": variance must be non-negative");
#pragma omp parallel for schedule(static) if (g.elements(env) >= kParallelWorkThreshold)
  for (int64_t c = 0; c < g.channels; c++) {
    const float m = mean[c];
    const double invStd = 1 / std::sqrt(static_cast<double>(variance[c]) + g.eps);
    double sumDy = 0, sumDyCentered = 0;
    for (int64_t n = 0; n < g.batch; n++) {
      const float* xp = x + planeStart(g, n, c);
      const float* dyp = dy + planeStart(g, n, c);
      float s = 0, sc = 0;
#pragma omp simd reduction(+ : s, sc)
      for (int64_t i = 0; i < g.plane; i++) {
        s += dyp[i];
        sc += dyp[i] * (xp[i] - m);
      }
      sumDy += s;
      sumDyCentered += sc;
    }
    const double sumDyXhat = sumDyCentered * invStd;
    dbias[c] = static_cast<float>(sumDy);
    dweight[c] = static_cast<float>(sumDyXhat);
    const double count = static_cast<double>(g.perChannel());
    // dx = k (dy - meanDy - (x - m) invStd meanDyXhat) = k dy + (x - m) p + q
    const double k = weight[c] * invStd;
    const float kf = static_cast<float>(k), p = static_cast<float>(-k * invStd * sumDyXhat / count),
                q = static_cast<float>(-k * sumDy / count);
    for (int64_t n = 0; n < g.batch; n++) {
      const float* xp = x + planeStart(g, n, c);
      const float* dyp = dy + planeStart(g, n, c);
      float* dxp = dx + planeStart(g, n, c);
#pragma omp simd
      for (int64_t i = 0; i < g.plane; i++) dxp[i] = kf * dyp[i] + (xp[i] - m) * p + q;
    }
  }
  return env.Undefined();
}
HOURGLASS_EXPORT(batchNorm2dBackward, BatchNorm2dBackward);

}  // namespace

}  // namespace hourglass
