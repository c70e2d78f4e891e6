// Nearest-neighbour upsampling by integer factors (torch.nn.Upsample(scale_factor, mode='nearest')):
// y[n, c, i, j] = x[n, c, floor(i / sh), floor(j / sw)]. Memory-bound copying, so plain
// loops over the caller's NCHW arrays, one channel plane per task.
// Arguments of both entry points start with: batch, channels, height, width, scaleH, scaleW.
#include <napi.h>
#include <cstdint>
#include <string>
#include "args.h"
#include "primitive_cache.h"
#include "registry.h"

namespace hourglass {

namespace {

struct UpsampleGeometry {
  int64_t planes, inH, inW, scaleH, scaleW;
  int64_t inputElements(const Napi::Env& env) const { return product(env, {planes, inH, inW}); }
  int64_t outputElements(const Napi::Env& env) const { return product(env, {planes, inH, scaleH, inW, scaleW}); }
};

UpsampleGeometry readUpsampleGeometry(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  UpsampleGeometry g{};
  int64_t batch = positive(info, 0, "batch"), channels = positive(info, 1, "channels");
  g.planes = product(env, {batch, channels});
  g.inH = positive(info, 2, "height");
  g.inW = positive(info, 3, "width");
  g.scaleH = positive(info, 4, "scaleH");
  g.scaleW = positive(info, 5, "scaleW");
  return g;
}

// upsampleNearest2dForward(geometry..., x, y)
Napi::Value UpsampleNearest2dForward(const Napi::CallbackInfo& info) {
  expectCount(info, 8, "upsampleNearest2dForward");
  auto env = info.Env();
  UpsampleGeometry g = readUpsampleGeometry(info);
  const float* x = exactFloats(info, 6, "x", g.inputElements(env));
  float* y = exactFloats(info, 7, "y", g.outputElements(env));
  const int64_t outW = g.inW * g.scaleW, planeIn = g.inH * g.inW, planeOut = planeIn * g.scaleH * g.scaleW;
#pragma omp parallel for schedule(static) if (planeOut * g.planes >= kParallelWorkThreshold)
  for (int64_t p = 0; p < g.planes; p++) {
    const float* src = x + p * planeIn;
    float* dst = y + p * planeOut;
    for (int64_t i = 0; i < g.inH; i++) {
      float* firstRow = dst + i * g.scaleH * outW;
      for (int64_t j = 0; j < g.inW; j++) {
        float v = src[i * g.inW + j];
        for (int64_t s = 0; s < g.scaleW; s++) firstRow[j * g.scaleW + s] = v;
      }
      for (int64_t r = 1; r < g.scaleH; r++)
        for (int64_t k = 0; k < outW; k++) firstRow[r * outW + k] = firstRow[k];
    }
  }
  return env.Undefined();
}
HOURGLASS_EXPORT(upsampleNearest2dForward, UpsampleNearest2dForward);

// upsampleNearest2dBackward(geometry..., dy, dx): dx sums dy over each source pixel's block.
Napi::Value UpsampleNearest2dBackward(const Napi::CallbackInfo& info) {
  expectCount(info, 8, "upsampleNearest2dBackward");
  auto env = info.Env();
  UpsampleGeometry g = readUpsampleGeometry(info);
  const float* dy = exactFloats(info, 6, "dy", g.outputElements(env));
  float* dx = exactFloats(info, 7, "dx", g.inputElements(env));
  const int64_t outW = g.inW * g.scaleW, planeIn = g.inH * g.inW, planeOut = planeIn * g.scaleH * g.scaleW;
#pragma omp parallel for schedule(static) if (planeOut * g.planes >= kParallelWorkThreshold)
  for (int64_t p = 0; p < g.planes; p++) {
    const float* src = dy + p * planeOut;
    float* dst = dx + p * planeIn;
    for (int64_t i = 0; i < g.inH; i++)
      for (int64_t j = 0; j < g.inW; j++) {
        float sum = 0;
        for (int64_t r = 0; r < g.scaleH; r++) {
          const float* row = src + (i * g.scaleH + r) * outW + j * g.scaleW;
          for (int64_t s = 0; s < g.scaleW; s++) sum += row[s];
        }
        dst[i * g.inW + j] = sum;
      }
  }
  return env.Undefined();
}
HOURGLASS_EXPORT(upsampleNearest2dBackward, UpsampleNearest2dBackward);

}  // namespace

}  // namespace hourglass
