// 2-D max and average pooling (PyTorch MaxPool2d / AvgPool2d semantics: floor mode, average
// counting padded positions) on oneDNN, on the caller's NCHW arrays (staged through a blocked
// copy where oneDNN has no fast kernel for NCHW: poolLayout).
// Geometry arguments (after the leading `max` flag):
//   batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW
// Max pooling trains with a workspace (where each maximum came from) that the caller keeps
// between forward and backward: size it with pool2dWorkspaceBytes.
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

struct PoolGeometry {
  bool max;
  int64_t batch, channels, inH, inW, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW;

  dnnl::memory::dims inputDims() const { return {batch, channels, inH, inW}; }
  dnnl::memory::dims outputDims() const { return {batch, channels, outH, outW}; }
  int64_t inputElements(const Napi::Env& env) const { return product(env, {batch, channels, inH, inW}); }
  int64_t outputElements(const Napi::Env& env) const { return product(env, {batch, channels, outH, outW}); }
  bool singleThread() const { return batch * channels * outH * outW * kernelH * kernelW < kParallelWorkThreshold; }
  std::string key(bool training) const {
    return cacheKey({max ? 1 : 0, training ? 1 : 0, batch, channels, inH, inW, kernelH, kernelW, strideH, strideW,
                     padH, padW});
  }
};

// Reads the `max` flag at `first` and the 10 geometry numbers after it.
PoolGeometry readPoolGeometry(const Napi::CallbackInfo& info, size_t first, const char* fn) {
  auto env = info.Env();
  PoolGeometry g{};
  g.max = flag(info, first, "max");
  g.batch = positive(info, first + 1, "batch");
  g.channels = positive(info, first + 2, "channels");
  g.inH = positive(info, first + 3, "height");
  g.inW = positive(info, first + 4, "width");
  g.kernelH = positive(info, first + 5, "kernelH");
  g.kernelW = positive(info, first + 6, "kernelW");
  g.strideH = positive(info, first + 7, "strideH");
  g.strideW = positive(info, first + 8, "strideW");
  g.padH = smallDim(info, first + 9, "padH");
  g.padW = smallDim(info, first + 10, "padW");
  // PyTorch's rule; it also guarantees every window covers at least one real element.
  if (2 * g.padH > g.kernelH || 2 * g.padW > g.kernelW)
    fail(env, std::string(fn) + ": padding must be at most half the kernel size");
  if (g.inH + 2 * g.padH < g.kernelH || g.inW + 2 * g.padW < g.kernelW)
    fail(env, std::string(fn) + ": kernel " + std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW) +
                  " is larger than the padded input " + std::to_string(g.inH + 2 * g.padH) + "x" +
                  std::to_string(g.inW + 2 * g.padW));
  g.outH = (g.inH + 2 * g.padH - g.kernelH) / g.strideH + 1;
  g.outW = (g.inW + 2 * g.padW - g.kernelW) / g.strideW + 1;
  return g;
}

dnnl::pooling_forward::primitive_desc forwardPd(const PoolGeometry& g, bool training, tag layout) {
  dnnl::pooling_forward::desc d(training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
                                g.max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding,
                                floatDesc(g.inputDims(), layout), floatDesc(g.outputDims(), layout),
                                {g.strideH, g.strideW}, {g.kernelH, g.kernelW}, {g.padH, g.padW},
                                {g.padH, g.padW});
  return {d, cpuEngine()};
}

// The layout pooling runs in. On the caller's NCHW arrays oneDNN 2.6 has a vectorized
// (jit) pooling only on AVX-512 and only for some shapes; elsewhere it falls back to its
// scalar "simple_nchw" implementation, which took 43% of a Fashion-MNIST conv training step
// on AVX2 and 45 ms for one 32x32x128x128 max pooling on AVX-512. Then the pass runs on a
// channel-blocked copy (16 channels per block on AVX-512, 8 on AVX2), where jit kernels
// exist on both, and reorders in and out. Decided once per shape.
tag poolLayout(const PoolGeometry& g) {
  static auto* decided = new std::unordered_map<std::string, tag>();
  std::string key = g.key(true);
  auto found = decided->find(key);
  if (found != decided->end()) return found->second;
  std::string impl = forwardPd(g, true, tag::nchw).impl_info_str();
  tag layout = tag::nchw;
  if (impl.rfind("jit", 0) != 0)
    layout = dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core ? tag::nChw16c : tag::nChw8c;
  if (decided->size() >= 256) decided->clear();
  decided->emplace(key, layout);
  return layout;
}

struct ForwardEntry {
  dnnl::pooling_forward primitive;
  StagedMemory src, dst;
  dnnl::memory workspace;
  size_t workspaceBytes = 0;
};

struct BackwardEntry {
  dnnl::pooling_backward primitive;
  StagedMemory diffDst, diffSrc;
  dnnl::memory workspace;
  size_t workspaceBytes = 0;
  dnnl::memory::data_type workspaceType = dnnl::memory::data_type::undef;
};

PrimitiveCache<ForwardEntry>& forwardCache() {
  static auto* cache = new PrimitiveCache<ForwardEntry>();
  return *cache;
}

PrimitiveCache<BackwardEntry>& backwardCache() {
  static auto* cache = new PrimitiveCache<BackwardEntry>();
  return *cache;
}

ForwardEntry& forwardEntry(const PoolGeometry& g, bool training) {
  return forwardCache().get(g.key(training), [&] {
    auto pd = forwardPd(g, training, poolLayout(g));
    auto e = std::make_unique<ForwardEntry>();
    e->primitive = dnnl::pooling_forward(pd);
    e->src = StagedMemory(floatDesc(g.inputDims(), tag::nchw), pd.src_desc(), StageSlot::firstInput);
    e->dst = StagedMemory(floatDesc(g.outputDims(), tag::nchw), pd.dst_desc(), StageSlot::output);
    e->workspaceBytes = pd.workspace_desc().get_size();
    if (e->workspaceBytes > 0) e->workspace = dnnl::memory(pd.workspace_desc(), cpuEngine(), DNNL_MEMORY_NONE);
    return e;
  });
}

// The workspace of a max pooling must come from a forward pass of the same geometry. A
// wrong one (never filled, or from another layer) holds offsets that would make backward
// write outside dx, so every offset is checked to lie inside the kernel window first.
void checkWorkspace(const Napi::Env& env, const BackwardEntry& entry, const PoolGeometry& g, const uint8_t* bytes) {
  const int64_t window = g.kernelH * g.kernelW;
  if (entry.workspaceType == dnnl::memory::data_type::u8) {
    for (size_t i = 0; i < entry.workspaceBytes; i++)
      if (bytes[i] >= window) fail(env, "pool2dBackward: workspace does not come from pool2dForward of this shape");
  } else if (entry.workspaceType == dnnl::memory::data_type::s32) {
    for (size_t i = 0; i + 4 <= entry.workspaceBytes; i += 4) {
      int32_t v;
      std::memcpy(&v, bytes + i, 4);
      if (v < 0 || v >= window) fail(env, "pool2dBackward: workspace does not come from pool2dForward of this shape");
    }
  } else {
    fail(env, "pool2dBackward: unsupported workspace data type");
  }
}

uint8_t* workspaceArg(const Napi::CallbackInfo& info, size_t i, size_t bytes, const char* fn) {
  auto env = info.Env();
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    fail(env, std::string(fn) + ": workspace must be a Uint8Array (max pooling in training keeps one)");
  auto array = info[i].As<Napi::Uint8Array>();
  if (array.ElementLength() != bytes)
    fail(env, std::string(fn) + ": workspace has " + std::to_string(array.ElementLength()) + " bytes, expected " +
                  std::to_string(bytes) + " (see pool2dWorkspaceBytes)");
  return array.Data();
}

// pool2dWorkspaceBytes(max, geometry...) -> bytes a training forward of max pooling needs (0 for average).
Napi::Value Pool2dWorkspaceBytes(const Napi::CallbackInfo& info) {
  expectCount(info, 11, "pool2dWorkspaceBytes");
  auto env = info.Env();
  PoolGeometry g = readPoolGeometry(info, 0, "pool2dWorkspaceBytes");
  size_t bytes = 0;
  guarded(env, "pool2dWorkspaceBytes", [&] {
    ThreadLimit threads(g.singleThread());
    bytes = forwardEntry(g, true).workspaceBytes;
  });
  return Napi::Number::New(env, static_cast<double>(bytes));
}
HOURGLASS_EXPORT(pool2dWorkspaceBytes, Pool2dWorkspaceBytes);

// pool2dForward(max, geometry..., x, y, workspace | null): a workspace means training.
Napi::Value Pool2dForward(const Napi::CallbackInfo& info) {
  const char* fn = "pool2dForward";
  expectCount(info, 14, fn);
  auto env = info.Env();
  PoolGeometry g = readPoolGeometry(info, 0, fn);
  float* x = exactFloats(info, 11, "x", g.inputElements(env));
  float* y = exactFloats(info, 12, "y", g.outputElements(env));
  bool training = !(info[13].IsNull() || info[13].IsUndefined());
  return guarded(env, fn, [&] {
    ThreadLimit threads(g.singleThread());
    ForwardEntry& entry = forwardEntry(g, training);
    uint8_t* workspace = nullptr;
    if (training) {
      if (entry.workspaceBytes == 0) fail(env, std::string(fn) + ": average pooling takes no workspace: pass null");
      workspace = workspaceArg(info, 13, entry.workspaceBytes, fn);
    }
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, entry.src.in(x)}, {DNNL_ARG_DST, entry.dst.out(y)}};
    if (workspace) {
      entry.workspace.set_data_handle(workspace);
      args.emplace(DNNL_ARG_WORKSPACE, entry.workspace);
    }
    entry.primitive.execute(cpuStream(), args);
    entry.dst.finish();
    cpuStream().wait();
  });
}
HOURGLASS_EXPORT(pool2dForward, Pool2dForward);

// pool2dBackward(max, geometry..., dy, dx, workspace | null): overwrites dx. Max pooling
// needs the workspace its training forward filled; average pooling takes null.
Napi::Value Pool2dBackward(const Napi::CallbackInfo& info) {
  const char* fn = "pool2dBackward";
  expectCount(info, 14, fn);
  auto env = info.Env();
  PoolGeometry g = readPoolGeometry(info, 0, fn);
  float* dy = exactFloats(info, 11, "dy", g.outputElements(env));
  float* dx = exactFloats(info, 12, "dx", g.inputElements(env));
  return guarded(env, fn, [&] {
    ThreadLimit threads(g.singleThread());
    BackwardEntry& entry = backwardCache().get(g.key(true), [&] {
      tag layout = poolLayout(g);
      auto hint = forwardPd(g, true, layout);
      dnnl::pooling_backward::desc d(
          g.max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding,
          floatDesc(g.inputDims(), layout), floatDesc(g.outputDims(), layout), {g.strideH, g.strideW},
          {g.kernelH, g.kernelW}, {g.padH, g.padW}, {g.padH, g.padW});
      dnnl::pooling_backward::primitive_desc pd(d, cpuEngine(), hint);
      auto e = std::make_unique<BackwardEntry>();
      e->primitive = dnnl::pooling_backward(pd);
      e->diffDst = StagedMemory(floatDesc(g.outputDims(), tag::nchw), pd.diff_dst_desc(), StageSlot::firstInput);
      e->diffSrc = StagedMemory(floatDesc(g.inputDims(), tag::nchw), pd.diff_src_desc(), StageSlot::output);
      e->workspaceBytes = pd.workspace_desc().get_size();
      if (e->workspaceBytes > 0) {
        e->workspace = dnnl::memory(pd.workspace_desc(), cpuEngine(), DNNL_MEMORY_NONE);
        e->workspaceType = pd.workspace_desc().data_type();
      }
      return e;
    });
    bool hasWorkspace = !(info[13].IsNull() || info[13].IsUndefined());
    if (entry.workspaceBytes > 0 && !hasWorkspace)
      fail(env, std::string(fn) + ": max pooling needs the workspace filled by its training forward");
    if (entry.workspaceBytes == 0 && hasWorkspace)
      fail(env, std::string(fn) + ": average pooling takes no workspace: pass null");
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DIFF_DST, entry.diffDst.in(dy)},
                                               {DNNL_ARG_DIFF_SRC, entry.diffSrc.out(dx)}};
    if (hasWorkspace) {
      uint8_t* workspace = workspaceArg(info, 13, entry.workspaceBytes, fn);
      checkWorkspace(env, entry, g, workspace);
      entry.workspace.set_data_handle(workspace);
      args.emplace(DNNL_ARG_WORKSPACE, entry.workspace);
    }
    entry.primitive.execute(cpuStream(), args);
    entry.diffSrc.finish();
    cpuStream().wait();
  });
}
HOURGLASS_EXPORT(pool2dBackward, Pool2dBackward);

}  // namespace

}  // namespace hourglass
