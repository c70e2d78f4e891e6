/**
 * Types shared by the engine (src/core/native) and the layers above it, kept here so that
 * src/core imports nothing from data/, layers/ or higher, and so that the declarations of
 * the public classes (layers, losses, presets) never name a module of src/core/native.
 */

/** Arithmetic of the matrix products in training: float32, or bfloat16 operands with float32 results. */
export type Precision = 'float32' | 'bfloat16';
export const PRECISIONS: readonly Precision[] = ['float32', 'bfloat16'];

/**
 * A per-feature affine map, computed in double (see Scaler.affineForm): 'subtract-divide' is
 * (x - offset) / factor (StandardScaler), 'multiply-add' is x * factor + offset (MinMaxScaler).
 */
export interface AffineForm {
  kind: 'subtract-divide' | 'multiply-add';
  factor: Float64Array;
  offset: Float64Array;
}

/** Element-wise activation functions of the Activation layer and the presets. */
export type ActivationKind = 'relu' | 'leaky_relu' | 'sigmoid' | 'tanh';

/** Reconstruction losses (and per-sample error metrics): mean squared, binary cross-entropy, mean absolute. */
export type LossKind = 'mse' | 'bce' | 'mae';

/** [height, width] */
export type Pair = readonly [number, number];

/** The shapes of one convolution: batch and input size, channels, kernel, stride and padding. */
export interface Conv2dGeometry {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kernel: Pair;
  stride: Pair;
  padding: Pair;
}

export interface Deconv2dGeometry extends Conv2dGeometry {
  /** Extra rows/columns at the bottom/right of the output; each must be smaller than the stride. */
  outputPadding: Pair;
}

/** Pooling of the MaxPool2d and AvgPool2d layers. */
export type PoolKind = 'max' | 'avg';

/** One parameter of an Adam step: four arrays of equal length (value, gradient, moments) and its learning rate. */
export interface AdamEntry {
  param: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
  lr: number;
}

/** One step of Adam over several parameters: what adamStepAll applies, and what a fused training step can apply itself. */
export interface AdamUpdate {
  entries: readonly AdamEntry[];
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Counted from 1. */
  step: number;
}
