import type { Shape } from '../core/tensor.js';
import { scalerByName, type Scaler } from '../data/scaler.js';
import { FIT_DEFAULTS } from '../train/fit.js';

/**
 * The one place hourglass chooses what a user did not: the library presets
 * (denseAutoencoder, convAutoencoder, buildAutoencoder) and the CLI (train, demo, detect fit,
 * detect bench) read these values, so a model built in code and one built by a command get
 * the same treatment of the same data.
 */

/**
 * What the samples are, which decides the scaler and the output activation:
 * - 'images': samples [channels, height, width] with values in [0, 1]: used as they are
 *   (no scaler) and reconstructed through a sigmoid, which cannot leave [0, 1];
 * - 'table': samples [features] (or any shape that is not 3-D): columns have their own units
 *   and ranges (one column in thousands would swamp the others' errors), so a StandardScaler
 *   centres and scales each, and the output is linear, able to reach standardised values.
 *   Measured: an anomaly detector on a raw CSV with a sigmoid output and no scaler had AUROC
 *   0.585; with a StandardScaler and a linear output, 0.976.
 */
export type DataKind = 'images' | 'table';
export const DATA_KINDS: readonly DataKind[] = ['images', 'table'];

/** The scaler (by its CLI name) and output activation of each kind of data. */
export const DATA_DEFAULTS = {
  images: { scaler: 'none', outputActivation: 'sigmoid' },
  table: { scaler: 'standard', outputActivation: 'linear' },
} as const satisfies Record<DataKind, { scaler: 'none' | 'minmax' | 'standard'; outputActivation: 'sigmoid' | 'linear' }>;

/** 'images' for 3-D samples [c, h, w], 'table' for anything else. */
export function dataKindOf(sampleShape: Shape): DataKind {
  return sampleShape.length === 3 ? 'images' : 'table';
}

/** A new, unfitted scaler for this kind of data (null for images). */
export function defaultScaler(kind: DataKind): Scaler | null {
  return scalerByName(DATA_DEFAULTS[kind].scaler);
}

/**
 * The output activation for this kind of data and the chosen scaler: a sigmoid only for
 * images used as they are; once any scaler maps the data elsewhere, linear.
 */
export function defaultOutputActivation(kind: DataKind, scaler: Scaler | null): 'sigmoid' | 'linear' {
  return kind === 'images' && !scaler ? DATA_DEFAULTS.images.outputActivation : 'linear';
}

/** The library's fit() defaults (src/train/fit.ts): epochs 10, batch 256, Adam at 1e-3. */
export { FIT_DEFAULTS };

/**
 * `hourglass detect fit` / `detect bench` train for 30 epochs in batches of 64 (Adam 1e-3),
 * not the library's 10 x 256: detectors usually learn from a small normal set (one
 * Fashion-MNIST class is 6,000 images; tables have hundreds to thousands of rows), where
 * 10 x 256 is only ~240 optimizer steps; 30 x 64 gives ~2,800 on 6,000 samples. These are the
 * settings the one-class benchmark in docs/anomaly-detection.md was measured with.
 * AnomalyDetector.fit itself passes its options to the model's fit, so the library's
 * detector gets FIT_DEFAULTS unless told.
 */
export const DETECTOR_FIT_DEFAULTS = { epochs: 30, batchSize: 64, learningRate: 1e-3 } as const;

/** A dense autoencoder's size and training, chosen from a table's shape (see tableDetectorDefaults). */
export interface TableDetectorDefaults {
  hidden: number[];
  bottleneck: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Fraction of the normal rows held out to stop training when their loss stops improving. */
  validationSplit: number;
  /** Epochs without improvement on the held-out rows before stopping (the best epoch's weights are kept). */
  patience: number;
}

/** Optimiser steps the table defaults aim for, whatever the row count (see tableDetectorDefaults). */
export const TABLE_TARGET_STEPS = 3000;

/**
 * Defaults for a table detector, from its shape: `rows` normal rows of `columns` encoded
 * columns. The image defaults (256-64-32, 30 epochs x 64) train a table of 200 rows for ~100
 * optimiser steps; these size the model by the columns and the training by a number of steps:
 * - one hidden layer twice as wide as the columns (32 to 128) and a bottleneck of half the
 *   columns (2 to 16): on the suite's training rows this did best averaged over the two
 *   questions a detector meets, finding synthetic anomalies among held-out normal rows (where
 *   wider layers did as well) and finding them mixed into the training rows (where wider
 *   layers learn the anomalies too and lost 0.09 AUROC);
 * - batch ~ rows / 16 (16 to 128) and epochs for TABLE_TARGET_STEPS optimiser steps (10 to 300),
 *   with 15% of the rows held out to stop early (patience a tenth of the epochs, at least 5),
 *   keeping the best epoch's weights.
 * How they were chosen, on the normal training rows only: docs/anomaly-detection.md.
 */
export function tableDetectorDefaults(rows: number, columns: number): TableDetectorDefaults {
  if (!(Number.isInteger(rows) && rows >= 2)) throw new RangeError(`rows must be an integer >= 2, got ${rows}`);
  if (!(Number.isInteger(columns) && columns >= 1)) throw new RangeError(`columns must be an integer >= 1, got ${columns}`);
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  const bottleneck = clamp(Math.round(columns / 2), 2, 16);
  const hidden = [clamp(2 * columns, 32, 128)];
  const validationSplit = 0.15;
  const trainRows = Math.max(1, Math.round(rows * (1 - validationSplit)));
  const batchSize = clamp(2 ** Math.round(Math.log2(trainRows / 16)), 16, 128);
  const stepsPerEpoch = Math.ceil(trainRows / batchSize);
  const epochs = clamp(Math.ceil(TABLE_TARGET_STEPS / stepsPerEpoch), 10, 300);
  return { hidden, bottleneck, epochs, batchSize, learningRate: 1e-3, validationSplit, patience: Math.max(5, Math.round(epochs / 10)) };
}
