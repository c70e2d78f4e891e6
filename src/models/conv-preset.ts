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

export type ConvDownsampling = 'pool' | 'stride';
export type ConvActivation = 'relu' | 'leaky_relu' | 'tanh';

export interface ConvAutoencoderOptions {
  /** [channels, height, width]. */
  inputShape: Shape;
  /** Filters of each stage; each stage halves height and width. Default: by input size (convPresetDefaults). */
  filters?: number[];
  /** Stages when `filters` is not given; the default widths double from 32 up to 256. Default: by input size. */
  depth?: number;
  /** How a stage halves the maps: 'pool' (3x3 conv, stride 1, then 2x2 max pooling) or 'stride' (one 3x3 conv of stride 2). Default: 'pool' below 64 px, 'stride' from 64 px. */
  downsample?: ConvDownsampling;
  /** With a bottleneck, a Flatten -> Dense(bottleneck) -> Dense -> Reshape waist makes the code a vector of that size; null for none. Default: none below 64 px, 256 from 64 px. */
  bottleneck?: number | null;
  /** Hidden activation. Default: 'relu' below 64 px, 'leaky_relu' from 64 px. */
  activation?: ConvActivation;
  /** Slope of leaky_relu for negative inputs. Default 0.01 (PyTorch's). */
  negativeSlope?: number;
  /** Default (src/models/defaults.ts, images): 'sigmoid' without a scaler, 'linear' with one. */
  outputActivation?: OutputActivation;
  /** BatchNorm after every convolution of the encoder and decoder (not the output). Default: false below 64 px, true from 64 px. */
  batchNorm?: boolean;
  /** Maps data into the model's space (fitted by fit, saved with the model). Default: none (images in [0, 1] are used as they are). */
  scaler?: Scaler | null;
  /** Seeds the initial weights. Default 0. */
  seed?: number;
}

/** Every architectural choice of a conv autoencoder, defaults filled in. */
export interface ConvPresetSettings {
  inputShape: Shape;
  filters: number[];
  downsample: ConvDownsampling;
  bottleneck: number | null;
  activation: ConvActivation;
  negativeSlope: number;
  batchNorm: boolean;
}

/** Images at least this many pixels on their shorter side get the large-image defaults. */
export const LARGE_IMAGE_SIDE = 64;
/** The large-image defaults add stages until the maps are at most this many pixels on their longer side. */
const LARGE_CODE_SIDE = 8;
const LARGE_WAIST = 256;
const MAX_DEFAULT_WIDTH = 256;

/**
 * The defaults for images of `inputShape`, as convAutoencoder fills them in.
 * Small images (Fashion-MNIST's 28x28) keep the reference CAE: filters [32, 64], conv + pool
 * stages, ReLU, no batch norm, no waist. From 64 px on, stride-2 convolutions (one conv per
 * stage instead of a conv at full resolution plus a pooling pass: about a quarter of the
 * arithmetic, and no pooling of large maps) halve the maps until they are at most 8x8, widths
 * double from 32 up to 256, each conv is followed by BatchNorm and LeakyReLU, and a dense
 * waist of 256 makes the code a vector (a 128x128 image: 16,384 values -> 256).
 */
export function convPresetDefaults(inputShape: Shape, depth?: number): Omit<ConvPresetSettings, 'inputShape' | 'negativeSlope'> {
  const [, height, width] = inputShape;
  const large = Math.min(height, width) >= LARGE_IMAGE_SIDE;
  if (!large) return { filters: defaultWidths(depth ?? 2), downsample: 'pool', bottleneck: null, activation: 'relu', batchNorm: false };
  let stages = 0;
  for (let side = Math.max(height, width); side > LARGE_CODE_SIDE; side = Math.ceil(side / 2)) stages++;
  return { filters: defaultWidths(depth ?? stages), downsample: 'stride', bottleneck: LARGE_WAIST, activation: 'leaky_relu', batchNorm: true };
}

function defaultWidths(depth: number): number[] {
  if (!Number.isInteger(depth) || depth < 1) throw invalid(`conv autoencoder: depth must be a positive whole number of stages, got ${depth}`);
  return Array.from({ length: depth }, (_, i) => Math.min(MAX_DEFAULT_WIDTH, 32 * 2 ** i));
}

/** The settings convAutoencoder builds from `options`: what was given, defaults for the rest. */
export function resolveConvPreset(options: ConvAutoencoderOptions): ConvPresetSettings {
  const inputShape = [...options.inputShape];
  if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1))
    throw invalid(`conv autoencoder: inputShape must be [channels, height, width], got ${shapeToString(inputShape)}`);
  if (options.filters !== undefined && options.depth !== undefined && options.depth !== options.filters.length)
    throw invalid(`conv autoencoder: depth ${options.depth} and ${options.filters.length} filters disagree; give one of them`);
  const d = convPresetDefaults(inputShape, options.depth);
  const settings: ConvPresetSettings = {
    inputShape,
    filters: options.filters ? [...options.filters] : d.filters,
    downsample: options.downsample ?? d.downsample,
    bottleneck: options.bottleneck === undefined ? d.bottleneck : options.bottleneck,
    activation: options.activation ?? d.activation,
    negativeSlope: options.negativeSlope ?? 0.01,
    batchNorm: options.batchNorm ?? d.batchNorm,
  };
  if (settings.downsample !== 'pool' && settings.downsample !== 'stride')
    throw invalid(`conv autoencoder: downsample must be 'pool' or 'stride', got '${String(settings.downsample)}'`);
  return settings;
}

/** One line naming the architecture, e.g. for the CLI to print the defaults it picked. */
export function describeConvPreset(s: ConvPresetSettings): string {
  const stages = s.downsample === 'stride' ? 'stride-2 convolutions' : 'conv + max-pool stages';
  const act = s.activation === 'leaky_relu' ? `leaky_relu ${s.negativeSlope}` : s.activation;
  return (
    `conv autoencoder for ${s.inputShape.join('x')}: ${s.filters.length} ${stages}, filters ${s.filters.join(',')}, ` +
    `${s.bottleneck === null ? 'no dense waist' : `dense waist ${s.bottleneck}`}, ${s.batchNorm ? 'batch norm, ' : ''}${act}`
  );
}

/**
 * Convolutional autoencoder. Each encoder stage halves height and width, either by
 * Conv2d(3x3, pad 1) + activation + MaxPool(2) ('pool') or by Conv2d(3x3, stride 2, pad 1) +
 * activation ('stride'); with batch norm, BatchNorm2d sits between conv and activation. On the
 * way up, ConvTranspose2d(3x3, stride 2) per stage, whose padding and output padding are
 * chosen per dimension so that every size, odd ones included, comes back exactly (even: pad 1
 * + output padding 1; odd: pad 0). No connection skips the code: an autoencoder must compress.
 * With filters [32, 64] on 1x28x28 and no bottleneck this is the reference CAE:
 * conv(1,32) relu pool conv(32,64) relu pool | convT(64,32) relu convT(32,1) sigmoid.
 */
export function convAutoencoder(options: ConvAutoencoderOptions): Autoencoder {
  const settings = resolveConvPreset(options);
  const { filters, bottleneck, activation, negativeSlope, batchNorm, downsample, inputShape } = settings;
  const seed = options.seed ?? 0;
  const scaler = options.scaler ?? null;
  const outputActivation = options.outputActivation ?? defaultOutputActivation('images', scaler);
  if (filters.length === 0 || filters.some((f) => !Number.isInteger(f) || f < 1))
    throw invalid(`conv autoencoder: filters must be positive integers, one per stage, got [${filters.join(', ')}]`);
  if (bottleneck !== null && (!Number.isInteger(bottleneck) || bottleneck < 1))
    throw invalid(`conv autoencoder: bottleneck must be a positive integer, got ${bottleneck}`);
  const [channels, height, width] = inputShape;
  // Sizes after each stage; a stage needs at least a 2x2 map to halve.
  // Pooling floors odd sizes, a stride-2 conv (3x3, pad 1) rounds them up.
  const halve = downsample === 'pool' ? (n: number) => Math.floor(n / 2) : (n: number) => Math.ceil(n / 2);
  const sizes: [number, number][] = [[height, width]];
  for (let s = 0; s < filters.length; s++) {
    const [h, w] = sizes[s];
    if (h < 2 || w < 2) {
      const max = maxStages(height, width, halve);
      const kind = downsample === 'pool' ? 'conv+pool' : 'stride-2';
      throw invalid(
        `conv autoencoder: a ${height}x${width} input allows at most ${max} ${kind} stage${max === 1 ? '' : 's'} (stage ${s + 1} would halve a ${h}x${w} map); use fewer filters or larger images`,
      );
    }
    sizes.push([halve(h), halve(w)]);
  }

  // Checked before any layer allocates: 3x3 kernels both ways, and the optional dense waist.
  let parameters = 0;
  for (let s = 0, inC = channels; s < filters.length; inC = filters[s], s++) parameters += 2 * (9 * inC * filters[s]) + inC + filters[s];
  const [lastH, lastW] = sizes[filters.length];
  if (bottleneck !== null) parameters += denseParameterCount([filters[filters.length - 1] * lastH * lastW, bottleneck, filters[filters.length - 1] * lastH * lastW]);
  checkParameterCount('this conv autoencoder', parameters, 'use fewer --filters or a smaller --bottleneck');

  const act = (): Layer => new Activation(activation, negativeSlope);
  const encoder: Layer[] = [];
  let c = channels;
  for (const f of filters) {
    const stride = downsample === 'stride' ? 2 : 1;
    encoder.push(new Conv2d({ inChannels: c, outChannels: f, kernelSize: 3, stride, padding: 1 }));
    if (batchNorm) encoder.push(new BatchNorm2d({ numFeatures: f }));
    encoder.push(act());
    if (downsample === 'pool') encoder.push(new MaxPool2d({ kernelSize: 2 }));
    c = f;
  }
  const [innerH, innerW] = sizes[filters.length];
  const decoder: Layer[] = [];
  if (bottleneck !== null) {
    const flat = c * innerH * innerW;
    encoder.push(new Flatten(), new Dense({ inFeatures: flat, outFeatures: bottleneck, init: 'glorot' }));
    decoder.push(new Dense({ inFeatures: bottleneck, outFeatures: flat }), act(), new Reshape([c, innerH, innerW]));
  }
  for (let s = filters.length - 1; s >= 0; s--) {
    const out = s === 0 ? channels : filters[s - 1];
    const [targetH, targetW] = sizes[s];
    // Output size (in - 1) * 2 - 2 pad + 3 + outputPadding. An even target is 2 in: pad 1 and
    // output padding 1. An odd one is 2 in + 1 after pooling (floor): pad 0; and 2 in - 1 after
    // a stride-2 conv (ceil): pad 1, no output padding.
    const even = (target: number): boolean => target % 2 === 0;
    const pad = (target: number): number => (even(target) || downsample === 'stride' ? 1 : 0);
    const outputPad = (target: number): number => (even(target) ? 1 : 0);
    decoder.push(
      new Conv2dTranspose({
        inChannels: filters[s],
        outChannels: out,
        kernelSize: 3,
        stride: 2,
        padding: [pad(targetH), pad(targetW)],
        outputPadding: [outputPad(targetH), outputPad(targetW)],
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

function maxStages(height: number, width: number, halve: (n: number) => number): number {
  let stages = 0;
  for (let h = height, w = width; h >= 2 && w >= 2; h = halve(h), w = halve(w)) stages++;
  return stages;
}
