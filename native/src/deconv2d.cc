// 2-D transposed convolution (PyTorch ConvTranspose2d semantics) on oneDNN's deconvolution:
// x [N, C, H, W], weight [C, O, kh, kw] (PyTorch's layout, oneDNN's iohw), bias [O],
// y [N, O, OH, OW] with OH = (H - 1) sh - 2 ph + kh + outputPadH.
// The first 13 arguments of every entry point are the geometry:
//   batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW,
//   outputPadH, outputPadW
#include "conv_primitives.h"
#include "registry.h"

namespace hourglass {

struct Deconvolution {
  using Forward = dnnl::deconvolution_forward;
  using BackwardData = dnnl::deconvolution_backward_data;
  using BackwardWeights = dnnl::deconvolution_backward_weights;
  static constexpr dnnl::algorithm algorithm = dnnl::algorithm::deconvolution_direct;
  static constexpr dnnl::memory::format_tag weightTag = dnnl::memory::format_tag::iohw;
  static constexpr size_t geometryArgs = 13;
  static ConvGeometry geometry(const Napi::CallbackInfo& info, const char* fn) { return readDeconvGeometry(info, fn); }
  // oneDNN 2.6 has no fast deconvolution on plain layouts (its reference one ran 500x
  // slower here), so every pass uses the blocked layouts the implementation picks.
  static bool plainLayouts(const ConvGeometry&, ConvPass) { return false; }
};

// deconv2dForward(geometry..., x, weight, bias | null, y)
static Napi::Value Deconv2dForward(const Napi::CallbackInfo& info) {
  return convForward<Deconvolution>(info, "deconv2dForward");
}
HOURGLASS_EXPORT(deconv2dForward, Deconv2dForward);

// deconv2dBackwardData(geometry..., dy, weight, dx)
static Napi::Value Deconv2dBackwardData(const Napi::CallbackInfo& info) {
  return convBackwardData<Deconvolution>(info, "deconv2dBackwardData");
}
HOURGLASS_EXPORT(deconv2dBackwardData, Deconv2dBackwardData);

// deconv2dBackwardWeights(geometry..., x, dy, dweight, dbias | null)
static Napi::Value Deconv2dBackwardWeights(const Napi::CallbackInfo& info) {
  return convBackwardWeights<Deconvolution>(info, "deconv2dBackwardWeights");
}
HOURGLASS_EXPORT(deconv2dBackwardWeights, Deconv2dBackwardWeights);

}  // namespace hourglass
