import type { Shape, Tensor } from '../core/tensor.js';
import type { Scaler } from '../data/scaler.js';
import type { ModelFileContents } from '../io/model-file.js';
import type { FitOptions, TrainingRecord } from '../train/fit.js';
import type { LossKind } from '../train/loss.js';

/**
 * The contract every hourglass model answers, in the spirit of scikit-learn's estimators:
 * built from an options object, `fit` resolves to the model itself with its training history
 * on it, `evaluate` returns a typed metrics object, `save` writes one model file that the
 * class's static `load` (or `loadModel`, for any kind) reads back.
 *
 * `FitArgs` and `EvaluateArgs` are the argument lists: `[x, options?]` for models that learn
 * from data alone, `[x, labels, options?]` for the classifier.
 */
export interface Model<FitArgs extends unknown[] = [Tensor, FitOptions?], EvaluateArgs extends unknown[] = [Tensor], Metrics extends object = object> {
  /** The model file kind this model saves as ('autoencoder', 'pca', 'classifier', 'detector', 'denoiser', 'codec'). */
  readonly kind: ModelKind;
  /** True once `fit` has completed (or the model was loaded from a file). */
  readonly isFitted: boolean;
  /** What the last `fit` recorded (epochs, losses, timings); null before fitting and for closed-form models such as PCA. */
  readonly history: TrainingRecord | null;
  fit(...args: FitArgs): Promise<this>;
  evaluate(...args: EvaluateArgs): Metrics;
  /** Written to a temporary file and renamed: a crash never leaves a half-written model. */
  save(path: string): Promise<void>;
  /** The weights and metadata `save` writes. */
  toModelFile(): ModelFileContents;
}

export type ModelKind = 'autoencoder' | 'pca' | 'classifier' | 'detector' | 'denoiser' | 'codec';

/** How a per-sample reconstruction error is measured: the mean over the sample's values of the squared ('mse') or absolute ('mae') difference, or binary cross-entropy ('bce'). */
export type ErrorMetric = LossKind;

/** What `evaluate` of a model that reconstructs returns: per-sample errors summarised over a data set, measured in the model's space (after its scaler). */
export interface ReconstructionMetrics {
  samples: number;
  /** Mean over samples of the per-sample mean squared error. */
  mse: number;
  /** Mean over samples of the per-sample mean absolute error. */
  mae: number;
}

/**
 * A model that maps samples to codes and back. Autoencoder and PCA implement it, and the
 * applications (anomaly detector, denoiser, codec) take any Reconstructor.
 *
 * Inputs are in data units. A reconstructor with a scaler maps inputs into its own space
 * before the network (and reconstructions back): the scaler belongs to the model, is fitted
 * by the model's `fit` when not fitted yet, and is saved with it. Reconstruction errors are
 * measured in that scaled space, the space the model was trained in.
 */
export interface Reconstructor extends Model<[Tensor, FitOptions?], [Tensor], ReconstructionMetrics> {
  readonly kind: 'autoencoder' | 'pca';
  /** Shape of one sample, e.g. [784] or [1, 28, 28]; for a PCA not fitted yet, null (it takes any shape). */
  readonly sampleShape: Shape | null;
  /** Values per code. */
  readonly latentSize: number;
  /** Maps data units to the model's space; null when the model works on data as it is. */
  readonly scaler: Scaler | null;
  /** Codes [n, latentSize] (an autoencoder with a convolutional bottleneck returns its code shape). */
  encode(x: Tensor): Tensor;
  /** Samples from codes, in data units. */
  decode(z: Tensor): Tensor;
  /** decode(encode(x)), in data units. */
  reconstruct(x: Tensor): Tensor;
  /** Per-sample error between x and its reconstruction, in the model's space ('mse' by default). */
  reconstructionError(x: Tensor, metric?: ErrorMetric): Float32Array;
  /**
   * Reconstruction (and codes when asked) of a batch that is already in the model's space.
   * The arrays may be the model's own buffers, overwritten by the next call: use or copy
   * them first. For applications that compute their own error maps.
   * @internal
   */
  reconstructScaled(batch: Tensor, wantCodes: boolean): { reconstruction: Float32Array; codes: Float32Array | null };
}

/** The metrics object of a reconstructor, from its per-sample squared and absolute errors. */
export function reconstructionMetrics(mse: Float32Array, mae: Float32Array): ReconstructionMetrics {
  return { samples: mse.length, mse: mean(mse), mae: mean(mae) };
}

function mean(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length ? sum / values.length : NaN;
}
