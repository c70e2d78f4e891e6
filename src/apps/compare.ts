import { invalid } from '../core/errors.js';
import { sizeOf, sliceRows, type Tensor } from '../core/tensor.js';
import { PCA } from '../models/pca.js';
import type { Autoencoder } from '../models/autoencoder.js';
import { denseAutoencoder } from '../models/dense-preset.js';
import { convAutoencoder } from '../models/conv-preset.js';
import type { BatchProgress, EpochRecord } from '../train/fit.js';

export type CompareMethod = 'pca' | 'dense' | 'conv';
export const COMPARE_METHODS: readonly CompareMethod[] = ['pca', 'dense', 'conv'];

export interface CompareOptions {
  train: Tensor;
  test: Tensor;
  sizes: number[];
  methods: CompareMethod[];
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** Dense hidden widths (the decoder mirrors them). */
  hidden: number[];
  /** Conv filters per stage. */
  filters?: number[];
  seed?: number;
  onStart?: (method: CompareMethod, size: number) => void;
  onBatchEnd?: (p: BatchProgress) => void;
  onEpochEnd?: (r: EpochRecord) => void;
}

/** One fitted model of the comparison and what it scored. */
export interface CompareEntry {
  method: CompareMethod;
  size: number;
  testMse: number;
  seconds: number;
  /** Reconstructions of `test` (data units). */
  reconstruct(x: Tensor): Tensor;
  /** Codes of `x`, [n, size]. */
  encode(x: Tensor): Tensor;
}

/**
 * The bottleneck-size sweep: for every size, PCA with that many components and the dense
 * and convolutional autoencoders with that many bottleneck units, trained with the same
 * budget (epochs, batch size, learning rate) on the same data, scored by test
 * reconstruction MSE. Too small a code loses information; too large a one learns little
 * more than PCA: the table shows where the autoencoders pay off.
 */
export async function compareBottlenecks(o: CompareOptions): Promise<CompareEntry[]> {
  const shape = o.train.shape.slice(1);
  const features = sizeOf(shape);
  if (o.methods.includes('conv') && shape.length !== 3)
    throw invalid(`the conv method needs images [channels, height, width]; this data has samples shaped [${shape.join(', ')}]`);
  for (const size of o.sizes)
    if (!Number.isInteger(size) || size < 1 || size >= Math.min(features, o.train.shape[0]))
      throw invalid(`bottleneck size ${size} must be an integer in 1..${Math.min(features, o.train.shape[0]) - 1} for ${features} features and ${o.train.shape[0]} samples`);
  const entries: CompareEntry[] = [];
  for (const size of o.sizes) {
    for (const method of o.methods) {
      o.onStart?.(method, size);
      const start = performance.now();
      let entry: Omit<CompareEntry, 'seconds' | 'testMse'>;
      if (method === 'pca') {
        const pca = await new PCA({ nComponents: size, seed: o.seed ?? 0 }).fit(o.train);
        entry = { method, size, reconstruct: (x) => pca.reconstruct(x), encode: (x) => pca.encode(x) };
      } else {
        // All methods compare in data units (no scaler; PCA has none either), on data in [0, 1]
        // (the synthetic manifolds, images): a sigmoid output also for 1-D samples.
        const model: Autoencoder =
          method === 'dense'
            ? denseAutoencoder({ inputShape: shape, hidden: o.hidden, bottleneck: size, outputActivation: 'sigmoid', scaler: null, seed: o.seed ?? 0 })
            : convAutoencoder({ inputShape: shape, filters: o.filters ?? [32, 64], bottleneck: size, seed: o.seed ?? 0 });
        await model.fit(o.train, {
          epochs: o.epochs,
          batchSize: o.batchSize ?? 256,
          learningRate: o.learningRate ?? 1e-3,
          seed: o.seed ?? 0,
          onBatchEnd: o.onBatchEnd,
          onEpochEnd: o.onEpochEnd,
        });
        entry = { method, size, reconstruct: (x) => model.reconstruct(x), encode: (x) => model.encode(x) };
      }
      entries.push({ ...entry, testMse: meanSquaredError(entry.reconstruct(o.test), o.test), seconds: (performance.now() - start) / 1000 });
    }
  }
  return entries;
}

export function meanSquaredError(a: Tensor, b: Tensor): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += (a.data[i] - b.data[i]) ** 2;
  return sum / a.data.length;
}

/** The first `n` rows of a data set, for pictures. */
export function firstRows(x: Tensor, n: number): Tensor {
  return sliceRows(x, 0, Math.min(n, x.shape[0]));
}
