import { shapeToString, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';
import { CONV2D_KERNELS } from '../core/native/conv.js';
import type { Conv2dGeometry } from '../core/types.js';
import type { LayerConfig } from './layer.js';
import { ConvolutionLayer, type ConvolutionSettings } from './convolution.js';
import { expectImage, toPair, windowOutput, type PairOption } from './spatial.js';

export interface Conv2dOptions extends ConvolutionSettings {
  /** Zero padding on each side; 'same' keeps the size (stride 1, odd kernel); 'valid' is 0. Default 0. */
  padding?: PairOption | 'same' | 'valid';
}

/**
 * 2-D convolution over NCHW images, as torch.nn.Conv2d: weight [out, in, kh, kw], bias [out],
 * output size floor((in + 2 padding - kernel) / stride) + 1.
 */
export class Conv2d extends ConvolutionLayer<Conv2dGeometry> {
  readonly type = 'conv2d';
  readonly padding: [number, number];

  constructor(options: Conv2dOptions) {
    super('conv2d', options, 'out-in', CONV2D_KERNELS);
    const padding = options.padding ?? 0;
    if (padding === 'valid') this.padding = [0, 0];
    else if (padding === 'same') {
      if (this.stride[0] !== 1 || this.stride[1] !== 1 || this.kernelSize[0] % 2 === 0 || this.kernelSize[1] % 2 === 0)
        throw invalid(
          `conv2d: padding 'same' needs stride 1 and an odd kernel, got stride ${this.stride.join('x')} and kernel ${this.kernelSize.join('x')}; give the padding as numbers instead`,
        );
      this.padding = [(this.kernelSize[0] - 1) / 2, (this.kernelSize[1] - 1) / 2];
    } else this.padding = toPair('conv2d', 'padding', padding, 0);
  }

  static fromConfig(c: LayerConfig): Conv2d {
    return new Conv2d({
      inChannels: c.inChannels as number,
      outChannels: c.outChannels as number,
      kernelSize: c.kernelSize as PairOption,
      stride: c.stride as PairOption,
      padding: c.padding as PairOption,
      bias: c.bias as boolean,
    });
  }

  outputShape(input: Shape): Shape {
    const [, h, w] = expectImage(this.type, input, this.inChannels);
    const oh = windowOutput(h, this.kernelSize[0], this.stride[0], this.padding[0]);
    const ow = windowOutput(w, this.kernelSize[1], this.stride[1], this.padding[1]);
    if (oh < 1 || ow < 1)
      throw shapeMismatch(
        `conv2d: kernel ${this.kernelSize.join('x')} is larger than the padded input ${h + 2 * this.padding[0]}x${w + 2 * this.padding[1]} ` +
          `(input ${shapeToString(input)}, padding ${this.padding.join('x')}); it accepts images of at least ` +
          `${Math.max(1, this.kernelSize[0] - 2 * this.padding[0])}x${Math.max(1, this.kernelSize[1] - 2 * this.padding[1])}`,
      );
    return [this.outChannels, oh, ow];
  }

  protected fanIn(): number {
    return this.inChannels * this.kernelSize[0] * this.kernelSize[1];
  }

  protected geometry(x: Tensor): Conv2dGeometry {
    return this.baseGeometry(x);
  }

  protected extraConfig(): Record<string, unknown> {
    return {};
  }
}
