// 2-D batch normalization (PyTorch BatchNorm2d semantics) on oneDNN, over the caller's NCHW
// arrays: y = (x - mean) / sqrt(var + eps) * weight + bias per channel. Training uses the
// batch statistics (biased variance) and returns them; the running averages are the
// caller's business. Geometry arguments: batch, channels, height, width, eps.
#include <napi.h>
#include <dnnl.hpp>
#include <cstring>
#include <memory>
#include <string>
#include "args.h"
#include "primitive_cache.h"
#include "registry.h"

namespace hourglass {

namespace {

using tag = dnnl::memory::format_tag;

struct NormGeometry {
  int64_t batch, channels, height, width;
  float eps;
  dnnl::memory::dims dims() const { return {batch, channels, height, width}; }
  int64_t elements(const Napi::Env& env) const { return product(env, {batch, channels, height, width}); }
  std::string key(int variant) const {
    // eps is part of the primitive; its bit pattern keys it exactly.
    uint32_t epsBits;
    std::memcpy(&epsBits, &eps, sizeof epsBits);
    return cacheKey({variant, batch, channels, height, width, static_cast<int64_t>(epsBits)});
  }
};

NormGeometry readNormGeometry(const Napi::CallbackInfo& info, const char* fn) {
  NormGeometry g{};
  g.batch = positive(info, 0, "batch");
  g.channels = positive(info, 1, "channels");
  g.height = positive(info, 2, "height");
  g.width = positive(info, 3, "width");
  double eps = number(info, 4, "eps");
  if (!(eps > 0) || eps > 1) fail(info.Env(), std::string(fn) + ": eps must be in (0, 1], got " + std::to_string(eps));
  g.eps = static_cast<float>(eps);
  return g;
}

const auto kAffine = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;

dnnl::batch_normalization_forward::primitive_desc forwardPd(const NormGeometry& g, bool training) {
  auto flags = training ? kAffine : kAffine | dnnl::normalization_flags::use_global_stats;
  dnnl::batch_normalization_forward::desc d(
      training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
      floatDesc(g.dims(), tag::nchw), g.eps, flags);
  return {d, cpuEngine()};
}

// Every argument is the caller's array; entries only hold the primitive and memory
// objects whose handles are pointed at those arrays on each call.
struct Entry {
  dnnl::primitive primitive;
  dnnl::memory data, otherData, scale, shift, mean, variance, diffScale, diffShift, diffData;
};

PrimitiveCache<Entry>& cache() {
  static auto* c = new PrimitiveCache<Entry>();
  return *c;
}

dnnl::memory unbound(const dnnl::memory::desc& md) { return dnnl::memory(md, cpuEngine(), DNNL_MEMORY_NONE); }

// batchNorm2dForward(geometry..., training, x, weight, bias, y, mean, variance)
// training: mean and variance receive the batch statistics (biased variance).
// inference: mean and variance are read (the running statistics).
Napi::Value BatchNorm2dForward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNorm2dForward";
  expectCount(info, 12, fn);
  auto env = info.Env();
  NormGeometry g = readNormGeometry(info, fn);
  bool training = flag(info, 5, "training");
  if (training && g.batch * g.height * g.width < 2)
    fail(env, std::string(fn) + ": training needs more than one value per channel");
  float* x = exactFloats(info, 6, "x", g.elements(env));
  float* weight = exactFloats(info, 7, "weight", g.channels);
  float* bias = exactFloats(info, 8, "bias", g.channels);
  float* y = exactFloats(info, 9, "y", g.elements(env));
  float* mean = exactFloats(info, 10, "mean", g.channels);
  float* variance = exactFloats(info, 11, "variance", g.channels);
  return guarded(env, fn, [&] {
    Entry& e = cache().get(g.key(training ? 1 : 0), [&] {
      auto pd = forwardPd(g, training);
      auto created = std::make_unique<Entry>();
      created->primitive = dnnl::batch_normalization_forward(pd);
      created->data = unbound(pd.src_desc());
      created->otherData = unbound(pd.dst_desc());
      created->scale = unbound(floatDesc({g.channels}, tag::a));
      created->shift = unbound(floatDesc({g.channels}, tag::a));
      created->mean = unbound(pd.mean_desc());
      created->variance = unbound(pd.variance_desc());
      return created;
    });
    e.data.set_data_handle(x);
    e.otherData.set_data_handle(y);
    e.scale.set_data_handle(weight);
    e.shift.set_data_handle(bias);
    e.mean.set_data_handle(mean);
    e.variance.set_data_handle(variance);
    e.primitive.execute(cpuStream(), {{DNNL_ARG_SRC, e.data},
                                      {DNNL_ARG_DST, e.otherData},
                                      {DNNL_ARG_SCALE, e.scale},
                                      {DNNL_ARG_SHIFT, e.shift},
                                      {DNNL_ARG_MEAN, e.mean},
                                      {DNNL_ARG_VARIANCE, e.variance}});
    cpuStream().wait();
  });
}
HOURGLASS_EXPORT(batchNorm2dForward, BatchNorm2dForward);

// batchNorm2dBackward(geometry..., x, dy, weight, mean, variance, dx, dweight, dbias)
// mean and variance are the batch statistics the training forward returned.
Napi::Value BatchNorm2dBackward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNorm2dBackward";
  expectCount(info, 13, fn);
  auto env = info.Env();
  NormGeometry g = readNormGeometry(info, fn);
  float* x = exactFloats(info, 5, "x", g.elements(env));
  float* dy = exactFloats(info, 6, "dy", g.elements(env));
  float* weight = exactFloats(info, 7, "weight", g.channels);
  float* mean = exactFloats(info, 8, "mean", g.channels);
  float* variance = exactFloats(info, 9, "variance", g.channels);
  float* dx = exactFloats(info, 10, "dx", g.elements(env));
  float* dweight = exactFloats(info, 11, "dweight", g.channels);
  float* dbias = exactFloats(info, 12, "dbias", g.channels);
  return guarded(env, fn, [&] {
    Entry& e = cache().get(g.key(2), [&] {
      auto hint = forwardPd(g, true);
      dnnl::batch_normalization_backward::desc d(dnnl::prop_kind::backward, floatDesc(g.dims(), tag::nchw),
                                                 floatDesc(g.dims(), tag::nchw), g.eps, kAffine);
      dnnl::batch_normalization_backward::primitive_desc pd(d, cpuEngine(), hint);
      auto created = std::make_unique<Entry>();
      created->primitive = dnnl::batch_normalization_backward(pd);
      created->data = unbound(pd.src_desc());
      created->otherData = unbound(pd.diff_dst_desc());
      created->diffData = unbound(pd.diff_src_desc());
      created->scale = unbound(floatDesc({g.channels}, tag::a));
      created->diffScale = unbound(floatDesc({g.channels}, tag::a));
      created->diffShift = unbound(floatDesc({g.channels}, tag::a));
      created->mean = unbound(pd.mean_desc());
      created->variance = unbound(pd.variance_desc());
      return created;
    });
    e.data.set_data_handle(x);
    e.otherData.set_data_handle(dy);
    e.diffData.set_data_handle(dx);
    e.scale.set_data_handle(weight);
    e.diffScale.set_data_handle(dweight);
    e.diffShift.set_data_handle(dbias);
    e.mean.set_data_handle(mean);
    e.variance.set_data_handle(variance);
    e.primitive.execute(cpuStream(), {{DNNL_ARG_SRC, e.data},
                                      {DNNL_ARG_DIFF_DST, e.otherData},
                                      {DNNL_ARG_SCALE, e.scale},
                                      {DNNL_ARG_MEAN, e.mean},
                                      {DNNL_ARG_VARIANCE, e.variance},
                                      {DNNL_ARG_DIFF_SRC, e.diffData},
                                      {DNNL_ARG_DIFF_SCALE, e.diffScale},
                                      {DNNL_ARG_DIFF_SHIFT, e.diffShift}});
    cpuStream().wait();
  });
}
HOURGLASS_EXPORT(batchNorm2dBackward, BatchNorm2dBackward);

}  // namespace

}  // namespace hourglass
