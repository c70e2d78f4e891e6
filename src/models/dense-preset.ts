import { checkParameterCount, denseParameterCount } from './size-limits.js';
import { invalid } from '../core/errors.js';
import { sizeOf, type Shape } from '../core/tensor.js';
import type { ActivationKind } from '../core/types.js';
import type { Layer } from '../layers/layer.js';
import { Dense } from '../layers/dense.js';
import { Activation } from '../layers/activation.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten, Reshape } from '../layers/reshape.js';
import type { Scaler } from '../data/scaler.js';
import { Autoencoder } from './autoencoder.js';
import { DATA_KINDS, dataKindOf, defaultOutputActivation, defaultScaler, type DataKind } from './defaults.js';

export type OutputActivation = 'sigmoid' | 'linear' | 'tanh';

export interface DenseAutoencoderOptions {
  /** Features per sample (a table row); give this or `inputShape`. */
  inputDim?: number;
  /** The sample shape, e.g. [1, 28, 28] for images (flattened inside the model) or [30] for a table; give this or `inputDim`. */
  inputShape?: Shape;
  /** Encoder hidden widths; the decoder mirrors them. Default [256, 64]. */
  hidden?: number[];
  /** Code size (a linear layer). Default 32. */
  bottleneck?: number;
  /** Hidden activation. Default 'relu'. */
  activation?: Extract<ActivationKind, 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid'>;
  /**
   * What the samples are, which picks the defaults of `scaler` and `outputActivation`
   * (src/models/defaults.ts): 'images' (values in [0, 1]: no scaler, sigmoid output) or
   * 'table' (StandardScaler, linear output). Default: 'images' when the sample shape is 3-D
   * [c, h, w], else 'table'.
   */
  data?: DataKind;
  /**
   * 'sigmoid' for data in [0, 1] (images), 'linear' for standardised data, or 'tanh'.
   * Default: 'sigmoid' for images without a scaler, else 'linear'.
   */
  outputActivation?: OutputActivation;
  /** Dropout probability after each hidden layer. Default 0. */
  dropout?: number;
  /**
   * Maps data into the model's space (fitted by the model's fit, saved with it); null for
   * none. Default: none for images; for tables a new StandardScaler, unless
   * `outputActivation` is given (then none: the caller has chosen the output for data it
   * scales itself, e.g. through an AnomalyDetector's scaler).
   */
  scaler?: Scaler | null;
  /** Seeds the initial weights. Default 0. */
  seed?: number;
}

/** The scaler and output activation of a preset: those given, the rest by the kind of data (src/models/defaults.ts). */
export function presetDataDefaults(
  inputShape: Shape,
  options: { data?: DataKind; scaler?: Scaler | null; outputActivation?: OutputActivation },
): { scaler: Scaler | null; outputActivation: OutputActivation } {
  const kind = options.data ?? dataKindOf(inputShape);
  if (!DATA_KINDS.includes(kind)) throw invalid(`data must be 'images' or 'table', got '${String(kind)}'`);
  const scaler = options.scaler !== undefined ? options.scaler : options.outputActivation !== undefined ? null : defaultScaler(kind);
  return { scaler, outputActivation: options.outputActivation ?? defaultOutputActivation(kind, scaler) };
}

/**
 * The classic fully connected autoencoder: input -> hidden... -> bottleneck (linear) ->
 * mirrored hidden... -> output. With the defaults on 784 inputs: 784-256-64-32-64-256-784.
 * The scaler and output activation follow the kind of data (see `data`): images keep their
 * [0, 1] values and a sigmoid output; tables get a StandardScaler and a linear output.
 */
export function denseAutoencoder(options: DenseAutoencoderOptions): Autoencoder {
  const { hidden = [256, 64], bottleneck = 32, activation = 'relu', dropout = 0, seed = 0 } = options;
  const inputShape = options.inputShape ?? (options.inputDim !== undefined ? [options.inputDim] : undefined);
  if (!inputShape) throw invalid('dense autoencoder: give inputDim or inputShape');
  const { scaler, outputActivation } = presetDataDefaults(inputShape, options);
  const inputDim = sizeOf(inputShape);
  if (!Number.isInteger(inputDim) || inputDim < 1) throw invalid(`dense autoencoder: input size must be a positive integer, got ${inputDim}`);
  for (const h of [...hidden, bottleneck])
    if (!Number.isInteger(h) || h < 1) throw invalid(`dense autoencoder: layer widths must be positive integers, got ${h}`);
  // Encoder and mirrored decoder; checked before any layer allocates its weights.
  const widths = [inputDim, ...hidden, bottleneck];
  checkParameterCount('this dense autoencoder', denseParameterCount(widths) + denseParameterCount([...widths].reverse()), 'use smaller --hidden widths or --bottleneck');
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

  return new Autoencoder({ inputShape, encoder, decoder, preset: 'dense', scaler, seed });
}
