import { shapeToString, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';
import { DECONV2D_KERNELS } from '../core/native/conv.js';
import type { Deconv2dGeometry } from '../core/types.js';
import type { LayerConfig } from './layer.js';
import { ConvolutionLayer, type ConvolutionSettings } from './convolution.js';
import { expectImage, toPair, type PairOption } from './spatial.js';

export interface Conv2dTransposeOptions extends ConvolutionSettings {
  /** Rows/columns removed from each side of the full output. Default 0. */
  padding?: PairOption;
  /** Extra rows/columns at the bottom/right, each smaller than the stride; picks among the output sizes a strided convolution maps back from. Default 0. */
  outputPadding?: PairOption;
}

/**
 * Transposed 2-D convolution (the gradient of a convolution with respect to its input), as
 * torch.nn.ConvTranspose2d: weight [in, out, kh, kw], bias [out], output size
 * (in - 1) stride - 2 padding + kernel + outputPadding. The decoder's way to upsample.
 */
export class Conv2dTranspose extends ConvolutionLayer<Deconv2dGeometry> {
  readonly type = 'conv2d_transpose';
  readonly padding: [number, number];
  readonly outputPadding: [number, number];

  constructor(options: Conv2dTransposeOptions) {
    super('conv2d_transpose', options, 'in-out', DECONV2D_KERNELS);
    this.padding = toPair('conv2d_transpose', 'padding', options.padding ?? 0, 0);
    this.outputPadding = toPair('conv2d_transpose', 'outputPadding', options.outputPadding ?? 0, 0);
    if (this.outputPadding[0] >= this.stride[0] || this.outputPadding[1] >= this.stride[1])
      throw invalid(
        `conv2d_transpose: outputPadding ${this.outputPadding.join('x')} must be smaller than the stride ${this.stride.join('x')} in each dimension`,
      );
  }

  static fromConfig(c: LayerConfig): Conv2dTranspose {
    return new Conv2dTranspose({
      inChannels: c.inChannels as number,
      outChannels: c.outChannels as number,
      kernelSize: c.kernelSize as PairOption,
      stride: c.stride as PairOption,
      padding: c.padding as PairOption,
      outputPadding: c.outputPadding as PairOption,
      bias: c.bias as boolean,
    });
  }

  outputShape(input: Shape): Shape {
    const [, h, w] = expectImage(this.type, input, this.inChannels);
    const size = (i: 0 | 1, n: number): number => (n - 1) * this.stride[i] - 2 * this.padding[i] + this.kernelSize[i] + this.outputPadding[i];
    const oh = size(0, h);
    const ow = size(1, w);
    if (oh < 1 || ow < 1) {
      // Smallest input whose output survives the padding.
      const least = (i: 0 | 1): number =>
        Math.max(1, Math.ceil((2 * this.padding[i] - this.kernelSize[i] - this.outputPadding[i] + 1) / this.stride[i]) + 1);
      throw shapeMismatch(
        `conv2d_transpose: padding ${this.padding.join('x')} removes the whole output (${oh}x${ow}) of input ${shapeToString(input)}; ` +
          `it accepts images of at least ${least(0)}x${least(1)}`,
      );
    }
    return [this.outChannels, oh, ow];
  }

  protected fanIn(): number {
    // The fan-in an output pixel actually sees: on average kernel/stride taps per dimension of each input channel.
    return Math.max(1, (this.inChannels * this.kernelSize[0] * this.kernelSize[1]) / (this.stride[0] * this.stride[1]));
  }

  protected geometry(x: Tensor): Deconv2dGeometry {
    return { ...this.baseGeometry(x), outputPadding: this.outputPadding };
  }

  protected extraConfig(): Record<string, unknown> {
    return { outputPadding: [...this.outputPadding] };
  }
}
