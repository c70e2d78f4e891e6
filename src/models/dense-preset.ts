import { invalid } from '../core/errors.js';
import { sizeOf, type Shape } from '../core/tensor.js';
import type { ActivationKind } from '../core/native/dense.js';
import type { Layer } from '../layers/layer.js';
import { Dense } from '../layers/dense.js';
import { Activation } from '../layers/activation.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten, Reshape } from '../layers/reshape.js';
import type { Scaler } from '../data/scaler.js';
import { Autoencoder } from './autoencoder.js';

export type OutputActivation = 'sigmoid' | 'linear' | 'tanh';

export interface DenseAutoencoderOptions {
  /** Features per sample, or the sample shape (e.g. [1, 28, 28]; flattened inside the model). */
  inputDim?: number;
  inputShape?: Shape;
  /** Encoder hidden widths; the decoder mirrors them. */
  hidden?: number[];
  bottleneck?: number;
  activation?: Extract<ActivationKind, 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid'>;
  /** 'sigmoid' for data in [0, 1] (images), 'linear' for standardised data. */
  outputActivation?: OutputActivation;
  dropout?: number;
  scaler?: Scaler | null;
  seed?: number;
}

/**
 * The classic fully connected autoencoder: input -> hidden... -> bottleneck (linear) ->
 * mirrored hidden... -> output. With the defaults on 784 inputs: 784-256-64-32-64-256-784.
 */
export function denseAutoencoder(options: DenseAutoencoderOptions): Autoencoder {
  const { hidden = [256, 64], bottleneck = 32, activation = 'relu', outputActivation = 'sigmoid', dropout = 0, seed = 0 } = options;
  const inputShape = options.inputShape ?? (options.inputDim !== undefined ? [options.inputDim] : undefined);
  if (!inputShape) throw invalid('dense autoencoder: give inputDim or inputShape');
  const inputDim = sizeOf(inputShape);
  if (!Number.isInteger(inputDim) || inputDim < 1) throw invalid(`dense autoencoder: input size must be a positive integer, got ${inputDim}`);
  for (const h of [...hidden, bottleneck])
    if (!Number.isInteger(h) || h < 1) throw invalid(`dense autoencoder: layer widths must be positive integers, got ${h}`);
  if (!['sigmoid', 'linear', 'tanh'].includes(outputActivation))
    throw invalid(`dense autoencoder: output activation must be sigmoid, linear or tanh, got '${outputActivation}'`);

  const act = (): Layer => new Activation(activation);
  const init = activation === 'relu' || activation === 'leaky_relu' ? 'he' : 'glorot';
  const encoder: Layer[] = inputShape.length > 1 ? [new Flatten()] : [];
  let width = inputDim;
  for (const h of hidden) {
    encoder.push(new Dense({ inFeatures: width, outFeatures: h, init }), act());
    if (dropout > 0) encoder.push(new Dropout(dropout));
    width = h;
  }
  // A linear bottleneck: the code is not squashed, so it can use its whole range.
  encoder.push(new Dense({ inFeatures: width, outFeatures: bottleneck, init: 'glorot' }));

  const decoder: Layer[] = [];
  width = bottleneck;
  for (const h of [...hidden].reverse()) {
    decoder.push(new Dense({ inFeatures: width, outFeatures: h, init }), act());
    if (dropout > 0) decoder.push(new Dropout(dropout));
    width = h;
  }
  decoder.push(new Dense({ inFeatures: width, outFeatures: inputDim, init: 'glorot' }));
  if (outputActivation !== 'linear') decoder.push(new Activation(outputActivation));
  if (inputShape.length > 1) decoder.push(new Reshape(inputShape));

  return new Autoencoder({ inputShape, encoder, decoder, preset: 'dense', scaler: options.scaler ?? null, seed });
}
