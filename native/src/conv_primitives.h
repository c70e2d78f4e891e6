// Forward, backward-data and backward-weights passes of a 2-D convolution or transposed
// convolution on caller-owned NCHW arrays. The two kinds differ only in their oneDNN
// primitive types, the weight layout of the caller's array and how the output size is
// derived, so one implementation serves both through a traits type:
//
//   struct Kind {
//     using Forward, BackwardData, BackwardWeights;   // oneDNN primitive types
//     static dnnl::algorithm algorithm(const ConvGeometry&);
//     static constexpr dnnl::memory::format_tag weightTag;  // caller's weight layout
//     static constexpr size_t geometryArgs;                 // leading shape arguments
//     static ConvGeometry geometry(const Napi::CallbackInfo&, const char* fn);
//     static bool plainLayouts(const ConvGeometry&, ConvPass);  // see passDescs
//     static void forward(const ConvGeometry&, float* x, float* w, float* b, float* y);
//   };
// conv_kinds.h defines the two kinds; conv2d.cc and deconv2d.cc register their entry points.
#pragma once
#include <napi.h>
#include <dnnl.hpp>
#include <memory>
#include <string>
#include "args.h"
#include "conv_geometry.h"
#include "primitive_cache.h"

namespace hourglass {

enum class ConvPass { forward, backwardData, backwardWeights };

namespace conv_detail {

using tag = dnnl::memory::format_tag;

// Memory descriptors a pass is created with. "any" lets the implementation pick its
// fastest layout (channels blocked by 16 on AVX-512, 8 on AVX2), and StagedMemory reorders
// between it and the caller's plain arrays. Plain layouts instead make oneDNN use its
// im2col + GEMM implementation on the caller's arrays; Kind::plainLayouts says when that
// measured faster.
struct PassDescs {
  dnnl::memory::desc src, weights, dst;
};

template <class Kind>
PassDescs passDescs(const ConvGeometry& g, ConvPass pass) {
  if (Kind::plainLayouts(g, pass))
    return {floatDesc(g.inputDims(), tag::nchw), floatDesc(g.weightDims(), Kind::weightTag),
            floatDesc(g.outputDims(), tag::nchw)};
  return {floatDesc(g.inputDims(), tag::any), floatDesc(g.weightDims(), tag::any), floatDesc(g.outputDims(), tag::any)};
}

template <class Kind>
typename Kind::Forward::primitive_desc forwardPd(const ConvGeometry& g, bool withBias, ConvPass pass) {
  auto& engine = cpuEngine();
  auto [src, weights, dst] = passDescs<Kind>(g, pass);
  if (withBias) {
    typename Kind::Forward::desc d(dnnl::prop_kind::forward_training, Kind::algorithm(g), src, weights,
                                   floatDesc({g.outChannels}, tag::a), dst, g.strides(), g.padLeft(), g.padRight());
    return {d, engine};
  }
  typename Kind::Forward::desc d(dnnl::prop_kind::forward_training, Kind::algorithm(g), src, weights, dst, g.strides(),
                                 g.padLeft(), g.padRight());
  return {d, engine};
}

template <class Kind>
struct ForwardEntry {
  typename Kind::Forward primitive;
  StagedMemory src, weights, dst;
  dnnl::memory bias;
};

template <class Kind>
struct BackwardDataEntry {
  typename Kind::BackwardData primitive;
  StagedMemory diffDst, weights, diffSrc;
};

template <class Kind>
struct BackwardWeightsEntry {
  typename Kind::BackwardWeights primitive;
  StagedMemory src, diffDst, diffWeights;
  dnnl::memory diffBias;
};

template <class Kind>
PrimitiveCache<ForwardEntry<Kind>>& forwardCache() {
  static auto* cache = new PrimitiveCache<ForwardEntry<Kind>>();
  return *cache;
}

template <class Kind>
PrimitiveCache<BackwardDataEntry<Kind>>& backwardDataCache() {
  static auto* cache = new PrimitiveCache<BackwardDataEntry<Kind>>();
  return *cache;
}

template <class Kind>
PrimitiveCache<BackwardWeightsEntry<Kind>>& backwardWeightsCache() {
  static auto* cache = new PrimitiveCache<BackwardWeightsEntry<Kind>>();
  return *cache;
}

}  // namespace conv_detail

// Runs the forward pass: y = op(x, weight) + bias (bias may be null).
template <class Kind>
void runForward(const ConvGeometry& g, float* x, float* weight, float* bias, float* y) {
  using namespace conv_detail;
  ThreadLimit threads(g.singleThread());
  bool withBias = bias != nullptr;
  auto& entry = forwardCache<Kind>().get(g.key(withBias), [&] {
    auto pd = forwardPd<Kind>(g, withBias, ConvPass::forward);
    auto e = std::make_unique<ForwardEntry<Kind>>();
    e->primitive = typename Kind::Forward(pd);
    e->src = StagedMemory(floatDesc(g.inputDims(), tag::nchw), pd.src_desc(), StageSlot::firstInput);
    e->weights = StagedMemory(floatDesc(g.weightDims(), Kind::weightTag), pd.weights_desc(), StageSlot::secondInput);
    e->dst = StagedMemory(floatDesc(g.outputDims(), tag::nchw), pd.dst_desc(), StageSlot::output);
    if (withBias) e->bias = dnnl::memory(pd.bias_desc(), cpuEngine(), DNNL_MEMORY_NONE);
    return e;
  });
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, entry.src.in(x)},
      {DNNL_ARG_WEIGHTS, entry.weights.in(weight)},
      {DNNL_ARG_DST, entry.dst.out(y)},
  };
  if (withBias) {
    entry.bias.set_data_handle(bias);
    args.emplace(DNNL_ARG_BIAS, entry.bias);
  }
  entry.primitive.execute(cpuStream(), args);
  entry.dst.finish();
  cpuStream().wait();
}

namespace conv_detail {

template <class Kind>
BackwardDataEntry<Kind>& backwardDataEntry(const ConvGeometry& g) {
  return backwardDataCache<Kind>().get(g.key(false), [&] {
    auto hint = forwardPd<Kind>(g, false, ConvPass::backwardData);
    auto [diffSrc, weights, diffDst] = passDescs<Kind>(g, ConvPass::backwardData);
    typename Kind::BackwardData::desc d(Kind::algorithm(g), diffSrc, weights, diffDst, g.strides(), g.padLeft(),
                                        g.padRight());
    typename Kind::BackwardData::primitive_desc pd(d, cpuEngine(), hint);
    auto e = std::make_unique<BackwardDataEntry<Kind>>();
    e->primitive = typename Kind::BackwardData(pd);
    // dy goes in the slot backward-weights stages it in, so runBackward can reuse that copy.
    e->diffDst = StagedMemory(floatDesc(g.outputDims(), tag::nchw), pd.diff_dst_desc(), StageSlot::secondInput);
    e->weights = StagedMemory(floatDesc(g.weightDims(), Kind::weightTag), pd.weights_desc(), StageSlot::firstInput);
    e->diffSrc = StagedMemory(floatDesc(g.inputDims(), tag::nchw), pd.diff_src_desc(), StageSlot::output);
    return e;
  });
}

template <class Kind>
void executeBackwardData(BackwardDataEntry<Kind>& entry, dnnl::memory& diffDst, float* weight, float* dx) {
  entry.primitive.execute(cpuStream(), {
                                           {DNNL_ARG_DIFF_DST, diffDst},
                                           {DNNL_ARG_WEIGHTS, entry.weights.in(weight)},
                                           {DNNL_ARG_DIFF_SRC, entry.diffSrc.out(dx)},
                                       });
  entry.diffSrc.finish();
  cpuStream().wait();
}

}  // namespace conv_detail

// Runs the backward-data pass: dx = dL/dx given dy = dL/dy.
template <class Kind>
void runBackwardData(const ConvGeometry& g, float* dy, float* weight, float* dx) {
  using namespace conv_detail;
  ThreadLimit threads(g.singleThread());
  auto& entry = backwardDataEntry<Kind>(g);
  executeBackwardData(entry, entry.diffDst.in(dy), weight, dx);
}

namespace conv_detail {

template <class Kind>
BackwardWeightsEntry<Kind>& backwardWeightsEntry(const ConvGeometry& g, bool withBias) {
  return backwardWeightsCache<Kind>().get(g.key(withBias), [&] {
    auto hint = forwardPd<Kind>(g, withBias, ConvPass::backwardWeights);
    auto [src, diffWeights, diffDst] = passDescs<Kind>(g, ConvPass::backwardWeights);
    auto make = [&](const typename Kind::BackwardWeights::desc& d) {
      typename Kind::BackwardWeights::primitive_desc pd(d, cpuEngine(), hint);
      auto e = std::make_unique<BackwardWeightsEntry<Kind>>();
      e->primitive = typename Kind::BackwardWeights(pd);
      e->src = StagedMemory(floatDesc(g.inputDims(), tag::nchw), pd.src_desc(), StageSlot::firstInput);
      e->diffDst = StagedMemory(floatDesc(g.outputDims(), tag::nchw), pd.diff_dst_desc(), StageSlot::secondInput);
      e->diffWeights = StagedMemory(floatDesc(g.weightDims(), Kind::weightTag), pd.diff_weights_desc(), StageSlot::output);
      if (withBias) e->diffBias = dnnl::memory(pd.diff_bias_desc(), cpuEngine(), DNNL_MEMORY_NONE);
      return e;
    };
    if (withBias)
      return make(typename Kind::BackwardWeights::desc(Kind::algorithm(g), src, diffWeights,
                                                       floatDesc({g.outChannels}, tag::a), diffDst, g.strides(),
                                                       g.padLeft(), g.padRight()));
    return make(typename Kind::BackwardWeights::desc(Kind::algorithm(g), src, diffWeights, diffDst, g.strides(),
                                                     g.padLeft(), g.padRight()));
  });
}

template <class Kind>
void executeBackwardWeights(BackwardWeightsEntry<Kind>& entry, float* x, float* dy, float* dweight, float* dbias) {
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, entry.src.in(x)},
      {DNNL_ARG_DIFF_DST, entry.diffDst.in(dy)},
      {DNNL_ARG_DIFF_WEIGHTS, entry.diffWeights.out(dweight)},
  };
  if (dbias) {
    entry.diffBias.set_data_handle(dbias);
    args.emplace(DNNL_ARG_DIFF_BIAS, entry.diffBias);
  }
  entry.primitive.execute(cpuStream(), args);
  entry.diffWeights.finish();
  cpuStream().wait();
}

}  // namespace conv_detail

// Runs the backward-weights pass, overwriting dweight (and dbias unless null).
template <class Kind>
void runBackwardWeights(const ConvGeometry& g, float* x, float* dy, float* dweight, float* dbias) {
  using namespace conv_detail;
  ThreadLimit threads(g.singleThread());
  executeBackwardWeights(backwardWeightsEntry<Kind>(g, dbias != nullptr), x, dy, dweight, dbias);
}

// Runs both backward passes of a layer on one dy: backward-weights, then backward-data. Both
// want dy in the same blocked layout as a rule, so the copy backward-weights staged is handed
// to backward-data as it is instead of being reordered from the caller's array again (one of
// the six activation-sized reorders of a layer's training step). The copy is still there:
// between the two passes only the first-input and output slots are written.
template <class Kind>
void runBackward(const ConvGeometry& g, float* x, float* dy, float* weight, float* dweight, float* dbias, float* dx) {
  using namespace conv_detail;
  ThreadLimit threads(g.singleThread());
  auto& weights = backwardWeightsEntry<Kind>(g, dbias != nullptr);
  auto& data = backwardDataEntry<Kind>(g);
  executeBackwardWeights(weights, x, dy, dweight, dbias);
  dnnl::memory& diffDst = data.diffDst.sharesStagingWith(weights.diffDst) ? data.diffDst.reuse(dy) : data.diffDst.in(dy);
  executeBackwardData(data, diffDst, weight, dx);
}

// The JavaScript entry points: argument checks, then the pass. Kind::forward and friends
// are the passes to run, so a kind can route a pass differently (see Deconvolution).

// forward(geometry..., x, weight, bias | null, y)
template <class Kind>
Napi::Value convForwardEntry(const Napi::CallbackInfo& info, const char* fn) {
  constexpr size_t k = Kind::geometryArgs;
  expectCount(info, k + 4, fn);
  auto env = info.Env();
  ConvGeometry g = Kind::geometry(info, fn);
  float* x = exactFloats(info, k, "x", g.inputElements(env));
  float* weight = exactFloats(info, k + 1, "weight", g.weightElements(env));
  float* bias = optionalFloats(info, k + 2, "bias", g.outChannels);
  float* y = exactFloats(info, k + 3, "y", g.outputElements(env));
  return guarded(env, fn, [&] { Kind::forward(g, x, weight, bias, y); });
}

// backwardData(geometry..., dy, weight, dx): dx = dL/dx given dy = dL/dy.
template <class Kind>
Napi::Value convBackwardDataEntry(const Napi::CallbackInfo& info, const char* fn) {
  constexpr size_t k = Kind::geometryArgs;
  expectCount(info, k + 3, fn);
  auto env = info.Env();
  ConvGeometry g = Kind::geometry(info, fn);
  float* dy = exactFloats(info, k, "dy", g.outputElements(env));
  float* weight = exactFloats(info, k + 1, "weight", g.weightElements(env));
  float* dx = exactFloats(info, k + 2, "dx", g.inputElements(env));
  return guarded(env, fn, [&] { runBackwardData<Kind>(g, dy, weight, dx); });
}

// backwardWeights(geometry..., x, dy, dweight, dbias | null): overwrites dweight (and dbias).
template <class Kind>
Napi::Value convBackwardWeightsEntry(const Napi::CallbackInfo& info, const char* fn) {
  constexpr size_t k = Kind::geometryArgs;
  expectCount(info, k + 4, fn);
  auto env = info.Env();
  ConvGeometry g = Kind::geometry(info, fn);
  float* x = exactFloats(info, k, "x", g.inputElements(env));
  float* dy = exactFloats(info, k + 1, "dy", g.outputElements(env));
  float* dweight = exactFloats(info, k + 2, "dweight", g.weightElements(env));
  float* dbias = optionalFloats(info, k + 3, "dbias", g.outChannels);
  return guarded(env, fn, [&] { runBackwardWeights<Kind>(g, x, dy, dweight, dbias); });
}

// backward(geometry..., x, dy, weight, dweight, dbias | null, dx): both backward passes,
// overwriting dweight (and dbias) and dx.
template <class Kind>
Napi::Value convBackwardEntry(const Napi::CallbackInfo& info, const char* fn) {
  constexpr size_t k = Kind::geometryArgs;
  expectCount(info, k + 6, fn);
  auto env = info.Env();
  ConvGeometry g = Kind::geometry(info, fn);
  float* x = exactFloats(info, k, "x", g.inputElements(env));
  float* dy = exactFloats(info, k + 1, "dy", g.outputElements(env));
  float* weight = exactFloats(info, k + 2, "weight", g.weightElements(env));
  float* dweight = exactFloats(info, k + 3, "dweight", g.weightElements(env));
  float* dbias = optionalFloats(info, k + 4, "dbias", g.outChannels);
  float* dx = exactFloats(info, k + 5, "dx", g.inputElements(env));
  return guarded(env, fn, [&] { runBackward<Kind>(g, x, dy, weight, dweight, dbias, dx); });
}

}  // namespace hourglass
