// The two kinds of convolution pass that conv_primitives.h runs: Convolution (PyTorch
// Conv2d) and Deconvolution (PyTorch ConvTranspose2d), with the layout and routing choices
// measured on this project's machines (AVX-512, oneDNN 2.6, batch 256 of 28x28 maps).
#pragma once
#include <cstdint>
#include "conv_geometry.h"
#include "conv_primitives.h"

namespace hourglass {

struct Convolution {
  using Forward = dnnl::convolution_forward;
  using BackwardData = dnnl::convolution_backward_data;
  using BackwardWeights = dnnl::convolution_backward_weights;
  // Between wide layers oneDNN's Winograd kernels (3x3, stride 1, channels in multiples of
  // 16) took 30% off a 32 -> 64 channel layer on 14x14 maps, forward and backward; "auto"
  // lets oneDNN use them where they apply. With few input channels they lost (4x slower
  // backward-weights for 1 -> 32 channels), so narrow inputs keep the direct algorithm.
  static dnnl::algorithm algorithm(const ConvGeometry& g) {
    return g.inChannels >= 16 && g.outChannels >= 16 ? dnnl::algorithm::convolution_auto
                                                     : dnnl::algorithm::convolution_direct;
  }
  static constexpr dnnl::memory::format_tag weightTag = dnnl::memory::format_tag::oihw;
  static constexpr size_t geometryArgs = 11;
  static ConvGeometry geometry(const Napi::CallbackInfo& info, const char* fn) { return readConvGeometry(info, fn); }
  // With one or a few input channels, blocked layouts pad them to 16: backward-data ran 5x
  // slower than im2col + GEMM on the plain arrays (1 -> 32 channels), and forward lost to
  // it too (no reorder of the large output). Backward-weights, and every pass with more
  // input channels, are faster blocked.
  static bool plainLayouts(const ConvGeometry& g, ConvPass pass) {
    return g.inChannels < 4 && pass != ConvPass::backwardWeights;
  }
  static void forward(const ConvGeometry& g, float* x, float* weight, float* bias, float* y) {
    runForward<Convolution>(g, x, weight, bias, y);
  }
};

struct Deconvolution {
  using Forward = dnnl::deconvolution_forward;
  using BackwardData = dnnl::deconvolution_backward_data;
  using BackwardWeights = dnnl::deconvolution_backward_weights;
  static dnnl::algorithm algorithm(const ConvGeometry&) { return dnnl::algorithm::deconvolution_direct; }
  static constexpr dnnl::memory::format_tag weightTag = dnnl::memory::format_tag::iohw;
  static constexpr size_t geometryArgs = 13;
  static ConvGeometry geometry(const Napi::CallbackInfo& info, const char* fn) { return readDeconvGeometry(info, fn); }
  // oneDNN 2.6 has no fast deconvolution on plain layouts (its reference one ran 500x
  // slower here), so deconvolution primitives always get the blocked layouts they pick.
  static bool plainLayouts(const ConvGeometry&, ConvPass) { return false; }

  // The convolution whose backward-data pass is this transposed convolution's forward:
  // it maps the large map back to the small one. PyTorch's ConvTranspose2d weight
  // [in, out, kh, kw] is that convolution's [out, in, kh, kw] weight unchanged, and its
  // floor division absorbs the output padding.
  static ConvGeometry equivalentConvolution(const ConvGeometry& g) {
    ConvGeometry c = g;
    c.inChannels = g.outChannels;
    c.inH = g.outH;
    c.inW = g.outW;
    c.outChannels = g.inChannels;
    c.outH = g.inH;
    c.outW = g.inW;
    c.outputPadH = c.outputPadW = 0;
    return c;
  }

  // The forward pass runs as the backward-data pass of the equivalent convolution, never as
  // oneDNN's deconvolution primitive. Both compute the same sums, but the deconvolution
  // primitive was slower: with one or a few output channels (a decoder's last layer) it pads
  // them to 16 and ran 7x slower (32 -> 1 channels, 14x14 -> 28x28) than the plain-layout
  // GEMM route Convolution picks for that shape; with more channels the blocked convolution
  // backward-data took 40% less CPU time (64 -> 32 channels, 32x32 -> 64x64, batch 32: 12.2
  // vs 20.6 ms, one thread, median of 10; 128 -> 64 on 16x16: 10.3 vs 14.2 ms). The encoder
  // convolution of the same shape then shares the cached primitive too.
  static void forward(const ConvGeometry& g, float* x, float* weight, float* bias, float* y) {
    runBackwardData<Convolution>(equivalentConvolution(g), x, weight, y);
    if (!bias) return;
    const int64_t plane = g.outH * g.outW;
#pragma omp parallel for collapse(2) if (g.batch * g.outChannels * plane >= kParallelWorkThreshold)
    for (int64_t n = 0; n < g.batch; n++)
      for (int64_t o = 0; o < g.outChannels; o++) {
        float* p = y + (n * g.outChannels + o) * plane;
        const float b = bias[o];
        for (int64_t i = 0; i < plane; i++) p[i] += b;
      }
  }
};

}  // namespace hourglass
