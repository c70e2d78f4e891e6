// 2-D transposed convolution (PyTorch ConvTranspose2d semantics) on oneDNN's deconvolution:
// x [N, C, H, W], weight [C, O, kh, kw] (PyTorch's layout, oneDNN's iohw), bias [O],
// y [N, O, OH, OW] with OH = (H - 1) sh - 2 ph + kh + outputPadH.
// The first 13 arguments of every entry point are the geometry:
//   batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW,
//   outputPadH, outputPadW
#include "conv_kinds.h"
#include "registry.h"

namespace hourglass {

// deconv2dForward(geometry..., x, weight, bias | null, y)
static Napi::Value Deconv2dForward(const Napi::CallbackInfo& info) {
  return convForwardEntry<Deconvolution>(info, "deconv2dForward");
}
HOURGLASS_EXPORT(deconv2dForward, Deconv2dForward);

// deconv2dBackwardData(geometry..., dy, weight, dx)
static Napi::Value Deconv2dBackwardData(const Napi::CallbackInfo& info) {
  return convBackwardDataEntry<Deconvolution>(info, "deconv2dBackwardData");
}
HOURGLASS_EXPORT(deconv2dBackwardData, Deconv2dBackwardData);

// deconv2dBackwardWeights(geometry..., x, dy, dweight, dbias | null)
static Napi::Value Deconv2dBackwardWeights(const Napi::CallbackInfo& info) {
  return convBackwardWeightsEntry<Deconvolution>(info, "deconv2dBackwardWeights");
}
HOURGLASS_EXPORT(deconv2dBackwardWeights, Deconv2dBackwardWeights);

// deconv2dBackward(geometry..., x, dy, weight, dweight, dbias | null, dx): both backward passes
// of a training step, dy staged once for the two.
static Napi::Value Deconv2dBackward(const Napi::CallbackInfo& info) {
  return convBackwardEntry<Deconvolution>(info, "deconv2dBackward");
}
HOURGLASS_EXPORT(deconv2dBackward, Deconv2dBackward);

}  // namespace hourglass
