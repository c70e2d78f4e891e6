// 2-D convolution (PyTorch Conv2d semantics) on oneDNN: x [N, C, H, W], weight
// [O, C, kh, kw] (oihw), bias [O], y [N, O, OH, OW] with OH = floor((H + 2 ph - kh) / sh) + 1.
// The first 11 arguments of every entry point are the geometry:
//   batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW
#include "conv_kinds.h"
#include "registry.h"

namespace hourglass {

// conv2dForward(geometry..., x, weight, bias | null, y)
static Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  return convForwardEntry<Convolution>(info, "conv2dForward");
}
HOURGLASS_EXPORT(conv2dForward, Conv2dForward);

// conv2dBackwardData(geometry..., dy, weight, dx)
static Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  return convBackwardDataEntry<Convolution>(info, "conv2dBackwardData");
}
HOURGLASS_EXPORT(conv2dBackwardData, Conv2dBackwardData);

// conv2dBackwardWeights(geometry..., x, dy, dweight, dbias | null)
static Napi::Value Conv2dBackwardWeights(const Napi::CallbackInfo& info) {
  return convBackwardWeightsEntry<Convolution>(info, "conv2dBackwardWeights");
}
HOURGLASS_EXPORT(conv2dBackwardWeights, Conv2dBackwardWeights);

// conv2dBackward(geometry..., x, dy, weight, dweight, dbias | null, dx): both backward passes
// of a training step, dy staged once for the two.
static Napi::Value Conv2dBackward(const Napi::CallbackInfo& info) {
  return convBackwardEntry<Convolution>(info, "conv2dBackward");
}
HOURGLASS_EXPORT(conv2dBackward, Conv2dBackward);

}  // namespace hourglass
