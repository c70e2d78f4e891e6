// 2-D convolution (PyTorch Conv2d semantics) on oneDNN: x [N, C, H, W], weight
// [O, C, kh, kw] (oihw), bias [O], y [N, O, OH, OW] with OH = floor((H + 2 ph - kh) / sh) + 1.
// The first 11 arguments of every entry point are the geometry:
//   batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW
#include "conv_primitives.h"
#include "registry.h"

namespace hourglass {

struct Convolution {
  using Forward = dnnl::convolution_forward;
  using BackwardData = dnnl::convolution_backward_data;
  using BackwardWeights = dnnl::convolution_backward_weights;
  static constexpr dnnl::algorithm algorithm = dnnl::algorithm::convolution_direct;
  static constexpr dnnl::memory::format_tag weightTag = dnnl::memory::format_tag::oihw;
  static constexpr size_t geometryArgs = 11;
  static ConvGeometry geometry(const Napi::CallbackInfo& info, const char* fn) { return readConvGeometry(info, fn); }
  // Measured on AVX-512 (256x1x28x28 -> 32 channels): with one or a few input channels,
  // blocked layouts pad them to 16 and backward-data runs 5x slower than im2col + GEMM on
  // the plain arrays, and forward loses to it too (no reorder of the large output).
  // Backward-weights and every pass with more input channels are faster blocked.
  static bool plainLayouts(const ConvGeometry& g, ConvPass pass) {
    return g.inChannels < 4 && pass != ConvPass::backwardWeights;
  }
};

// conv2dForward(geometry..., x, weight, bias | null, y)
static Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  return convForward<Convolution>(info, "conv2dForward");
}
HOURGLASS_EXPORT(conv2dForward, Conv2dForward);

// conv2dBackwardData(geometry..., dy, weight, dx)
static Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  return convBackwardData<Convolution>(info, "conv2dBackwardData");
}
HOURGLASS_EXPORT(conv2dBackwardData, Conv2dBackwardData);

// conv2dBackwardWeights(geometry..., x, dy, dweight, dbias | null)
static Napi::Value Conv2dBackwardWeights(const Napi::CallbackInfo& info) {
  return convBackwardWeights<Convolution>(info, "conv2dBackwardWeights");
}
HOURGLASS_EXPORT(conv2dBackwardWeights, Conv2dBackwardWeights);

}  // namespace hourglass
