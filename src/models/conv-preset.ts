import { checkParameterCount, denseParameterCount } from './size-limits.js';
import { invalid } from '../core/errors.js';
import { shapeToString, type Shape } from '../core/tensor.js';
import type { Layer } from '../layers/layer.js';
import { Activation } from '../layers/activation.js';
import { Conv2d } from '../layers/conv2d.js';
import { Conv2dTranspose } from '../layers/conv2d-transpose.js';
import { MaxPool2d } from '../layers/max-pool2d.js';
import { BatchNorm2d } from '../layers/batch-norm2d.js';
import { Dense } from '../layers/dense.js';
import { Flatten, Reshape } from '../layers/reshape.js';
import type { Scaler } from '../data/scaler.js';
import { Autoencoder } from './autoencoder.js';
import { defaultOutputActivation } from './defaults.js';
import type { OutputActivation } from './dense-preset.js';

export interface ConvAutoencoderOptions {
  /** [channels, height, width]. */
  inputShape: Shape;
  /** Filters of each conv + max-pool stage; each stage halves height and width. Default [32, 64]. */
  filters?: number[];
  /** With a bottleneck, a Flatten -> Dense(bottleneck) -> Dense -> Reshape waist makes the code a vector of that size. Default: none (the code is the last conv maps). */
  bottleneck?: number;
  /** Hidden activation. Default 'relu'. */
  activation?: 'relu' | 'leaky_relu' | 'tanh';
  /** Default (src/models/defaults.ts, images): 'sigmoid' without a scaler, 'linear' with one. */
  outputActivation?: OutputActivation;
  /** BatchNorm after every convolution of the encoder and decoder (not the output). Default false. */
  batchNorm?: boolean;
  /** Maps data into the model's space (fitted by fit, saved with the model). Default: none (images in [0, 1] are used as they are). */
  scaler?: Scaler | null;
  /** Seeds the initial weights. Default 0. */
  seed?: number;
}

/**
 * Convolutional autoencoder: Conv2d(3x3, pad 1) + activation + MaxPool(2) per stage on the
 * way down; ConvTranspose2d(3x3, stride 2) per stage on the way up, whose padding and
 * output padding are chosen per dimension so that every size, odd ones included, comes
 * back exactly (even: pad 1 + output padding 1; odd: pad 0).
 * With filters [32, 64] on 1x28x28 and no bottleneck this is the reference CAE:
 * conv(1,32) relu pool conv(32,64) relu pool | convT(64,32) relu convT(32,1) sigmoid.
 */
export function convAutoencoder(options: ConvAutoencoderOptions): Autoencoder {
  const { filters = [32, 64], bottleneck, activation = 'relu', batchNorm = false, seed = 0 } = options;
  const scaler = options.scaler ?? null;
  const outputActivation = options.outputActivation ?? defaultOutputActivation('images', scaler);
  const inputShape = [...options.inputShape];
  if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1))
    throw invalid(`conv autoencoder: inputShape must be [channels, height, width], got ${shapeToString(inputShape)}`);
  if (filters.length === 0 || filters.some((f) => !Number.isInteger(f) || f < 1))
    throw invalid(`conv autoencoder: filters must be positive integers, one per stage, got [${filters.join(', ')}]`);
  if (bottleneck !== undefined && (!Number.isInteger(bottleneck) || bottleneck < 1))
    throw invalid(`conv autoencoder: bottleneck must be a positive integer, got ${bottleneck}`);
  const [channels, height, width] = inputShape;
  // Sizes after each pooling stage; a stage needs at least a 2x2 map to pool.
  const sizes: [number, number][] = [[height, width]];
  for (let s = 0; s < filters.length; s++) {
    const [h, w] = sizes[s];
    if (h < 2 || w < 2) {
      const max = maxStages(height, width);
      throw invalid(
        `conv autoencoder: a ${height}x${width} input allows at most ${max} conv+pool stage${max === 1 ? '' : 's'} (stage ${s + 1} would pool a ${h}x${w} map); use fewer filters or larger images`,
      );
    }
    sizes.push([Math.floor(h / 2), Math.floor(w / 2)]);
  }

  // Checked before any layer allocates: 3x3 kernels both ways, and the optional dense waist.
  let parameters = 0;
  for (let s = 0, inC = channels; s < filters.length; inC = filters[s], s++) parameters += 2 * (9 * inC * filters[s]) + inC + filters[s];
  const [lastH, lastW] = sizes[filters.length];
  if (bottleneck !== undefined) parameters += denseParameterCount([filters[filters.length - 1] * lastH * lastW, bottleneck, filters[filters.length - 1] * lastH * lastW]);
  checkParameterCount('this conv autoencoder', parameters, 'use fewer --filters or a smaller --bottleneck');

  const act = (): Layer => new Activation(activation);
  const encoder: Layer[] = [];
  let c = channels;
  for (const f of filters) {
    encoder.push(new Conv2d({ inChannels: c, outChannels: f, kernelSize: 3, padding: 1 }));
    if (batchNorm) encoder.push(new BatchNorm2d({ numFeatures: f }));
    encoder.push(act(), new MaxPool2d({ kernelSize: 2 }));
    c = f;
  }
  const [innerH, innerW] = sizes[filters.length];
  const decoder: Layer[] = [];
  if (bottleneck !== undefined) {
    const flat = c * innerH * innerW;
    encoder.push(new Flatten(), new Dense({ inFeatures: flat, outFeatures: bottleneck, init: 'glorot' }));
    decoder.push(new Dense({ inFeatures: bottleneck, outFeatures: flat }), act(), new Reshape([c, innerH, innerW]));
  }
  for (let s = filters.length - 1; s >= 0; s--) {
    const out = s === 0 ? channels : filters[s - 1];
    const [targetH, targetW] = sizes[s];
    const pad = (target: number): number => (target % 2 === 0 ? 1 : 0);
    decoder.push(
      new Conv2dTranspose({
        inChannels: filters[s],
        outChannels: out,
        kernelSize: 3,
        stride: 2,
        padding: [pad(targetH), pad(targetW)],
        outputPadding: [pad(targetH), pad(targetW)],
      }),
    );
    if (s > 0) {
      if (batchNorm) decoder.push(new BatchNorm2d({ numFeatures: out }));
      decoder.push(act());
    }
  }
  if (outputActivation !== 'linear') decoder.push(new Activation(outputActivation));
  return new Autoencoder({ inputShape, encoder, decoder, preset: 'conv', scaler, seed });
}

function maxStages(height: number, width: number): number {
  let stages = 0;
  for (let h = height, w = width; h >= 2 && w >= 2; h = Math.floor(h / 2), w = Math.floor(w / 2)) stages++;
  return stages;
}
