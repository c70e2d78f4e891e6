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
