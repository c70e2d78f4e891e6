// The shape arguments shared by the convolution and transposed-convolution entry points,
// read and checked in one place so both kinds agree on what a valid call is.
#pragma once
#include <napi.h>
#include <dnnl.hpp>
#include <algorithm>
#include <cstdint>
#include <string>
#include "args.h"
#include "primitive_cache.h"

namespace hourglass {

// Sizes follow PyTorch: "input" is what the layer reads, "output" what it writes.
// For a transposed convolution the output is the larger map.
struct ConvGeometry {
  int64_t batch, inChannels, inH, inW;
  int64_t outChannels, kernelH, kernelW, strideH, strideW, padH, padW;
  int64_t outputPadH = 0, outputPadW = 0;
  int64_t outH = 0, outW = 0;

  int64_t inputElements(const Napi::Env& env) const { return product(env, {batch, inChannels, inH, inW}); }
  int64_t outputElements(const Napi::Env& env) const { return product(env, {batch, outChannels, outH, outW}); }
  int64_t weightElements(const Napi::Env& env) const { return product(env, {outChannels, inChannels, kernelH, kernelW}); }

  dnnl::memory::dims inputDims() const { return {batch, inChannels, inH, inW}; }
  dnnl::memory::dims outputDims() const { return {batch, outChannels, outH, outW}; }
  // oneDNN orders weight dimensions (output channels, input channels, kh, kw) for both
  // kinds; the physical layout of the caller's array is chosen by the tag.
  dnnl::memory::dims weightDims() const { return {outChannels, inChannels, kernelH, kernelW}; }
  dnnl::memory::dims strides() const { return {strideH, strideW}; }
  dnnl::memory::dims padLeft() const { return {padH, padW}; }
  // PyTorch pads both sides equally; output padding of a transposed convolution adds
  // rows and columns at the bottom and right only, which is a smaller right padding.
  dnnl::memory::dims padRight() const { return {padH - outputPadH, padW - outputPadW}; }

  // Multiply-adds of one pass: every (input pixel, output pixel) pair a kernel tap links,
  // counted on the smaller map (the output of a convolution, the input of a transposed one).
  int64_t work() const {
    return batch * inChannels * outChannels * kernelH * kernelW * std::min(inH * inW, outH * outW);
  }
  bool singleThread() const { return work() < kParallelWorkThreshold; }

  std::string key(bool withBias) const {
    return cacheKey({batch, inChannels, inH, inW, outChannels, kernelH, kernelW, strideH, strideW, padH, padW,
                     outputPadH, outputPadW, withBias ? 1 : 0});
  }
};

// Reads batch, inChannels, inH, inW, outChannels, kernelH, kernelW, strideH, strideW,
// padH, padW from the first 11 arguments.
inline ConvGeometry readConvCommon(const Napi::CallbackInfo& info) {
  ConvGeometry g{};
  g.batch = positive(info, 0, "batch");
  g.inChannels = positive(info, 1, "inChannels");
  g.inH = positive(info, 2, "height");
  g.inW = positive(info, 3, "width");
  g.outChannels = positive(info, 4, "outChannels");
  g.kernelH = positive(info, 5, "kernelH");
  g.kernelW = positive(info, 6, "kernelW");
  g.strideH = positive(info, 7, "strideH");
  g.strideW = positive(info, 8, "strideW");
  g.padH = smallDim(info, 9, "padH");
  g.padW = smallDim(info, 10, "padW");
  return g;
}

// Convolution: output = floor((in + 2 pad - kernel) / stride) + 1.
inline ConvGeometry readConvGeometry(const Napi::CallbackInfo& info, const char* fn) {
  auto env = info.Env();
  ConvGeometry g = readConvCommon(info);
  if (g.inH + 2 * g.padH < g.kernelH || g.inW + 2 * g.padW < g.kernelW)
    fail(env, std::string(fn) + ": kernel " + std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW) +
                  " is larger than the padded input " + std::to_string(g.inH + 2 * g.padH) + "x" +
                  std::to_string(g.inW + 2 * g.padW));
  g.outH = (g.inH + 2 * g.padH - g.kernelH) / g.strideH + 1;
  g.outW = (g.inW + 2 * g.padW - g.kernelW) / g.strideW + 1;
  return g;
}

// Transposed convolution: output = (in - 1) * stride - 2 pad + kernel + outputPad, with
// outputPad < stride (as PyTorch requires, so the output size maps back to the input).
// Reads outputPadH, outputPadW from arguments 11 and 12.
inline ConvGeometry readDeconvGeometry(const Napi::CallbackInfo& info, const char* fn) {
  auto env = info.Env();
  ConvGeometry g = readConvCommon(info);
  g.outputPadH = smallDim(info, 11, "outputPadH");
  g.outputPadW = smallDim(info, 12, "outputPadW");
  if (g.outputPadH >= g.strideH || g.outputPadW >= g.strideW)
    fail(env, std::string(fn) + ": output padding must be smaller than the stride");
  g.outH = (g.inH - 1) * g.strideH - 2 * g.padH + g.kernelH + g.outputPadH;
  g.outW = (g.inW - 1) * g.strideW - 2 * g.padW + g.kernelW + g.outputPadW;
  if (g.outH < 1 || g.outW < 1)
    fail(env, std::string(fn) + ": padding " + std::to_string(g.padH) + "x" + std::to_string(g.padW) +
                  " leaves no output (" + std::to_string(g.outH) + "x" + std::to_string(g.outW) + ")");
  return g;
}

}  // namespace hourglass
