import { sizeOf, sliceRows, type Shape, type Tensor } from '../../core/tensor.js';
import type { Reconstructor } from '../../models/contract.js';
import { ErrorMap } from './error-map.js';
import { LatentGaussian } from './latent-gaussian.js';
import { LATENT_COMPONENT } from './score-composition.js';
import type { ScoreKind } from './score-kind.js';

/**
 * Values (rows x features) pushed through the model at once: at least 1024 rows (matrix
 * products stay efficient), more for narrow tables, at most 32,768; the memory of scoring
 * stays bounded however much data is scored.
 */
const SCORING_BATCH_VALUES = 1 << 16;

/** Rows per scoring batch for samples of `features` values. */
export function scoringBatchRows(features: number): number {
  return Math.max(1024, Math.min(32768, Math.floor(SCORING_BATCH_VALUES / Math.max(1, features))));
}

/** One error map per score kind, for samples of `sampleShape` (images when it has 3 axes). */
export function makeErrorMaps(kinds: readonly ScoreKind[], sampleShape: Shape, smoothingSigma: number, dynamicRange: number): ErrorMap[] {
  return kinds.map(
    (kind) =>
      new ErrorMap({
        kind,
        features: sizeOf(sampleShape),
        imageShape: sampleShape.length === 3 ? sampleShape : null,
        smoothingSigma,
        dynamicRange,
      }),
  );
}

/** Model space: the model's own scaler applied (read-only: the model owns and fits it). */
export function toModelSpace(model: Reconstructor, x: Tensor): Tensor {
  return model.scaler ? model.scaler.transform(x) : x;
}

/** The Gaussian of the model's codes of normal samples already in model space. */
export function fitLatentGaussian(model: Reconstructor, scaled: Tensor): LatentGaussian {
  const n = scaled.shape[0];
  const d = model.latentSize;
  const codes = new Float32Array(n * d);
  const batch = scoringBatchRows(sizeOf(scaled.shape.slice(1)));
  for (let lo = 0; lo < n; lo += batch) {
    const hi = Math.min(n, lo + batch);
    codes.set(model.reconstructScaled(sliceRows(scaled, lo, hi), true).codes!, lo * d);
  }
  return LatentGaussian.fit(codes, n, d);
}

export interface ComponentScoreInput {
  model: Reconstructor;
  kinds: readonly ScoreKind[];
  errorMaps: readonly ErrorMap[];
  latent: LatentGaussian | null;
  /** Checked samples in data units, [n, ...sampleShape]. */
  x: Tensor;
  /** With explanation weights (one per kind), also the weighted error map and the reconstructions (model space). */
  explainWeights?: readonly number[];
}

export interface ComponentScores {
  components: Record<string, Float32Array>;
  map?: Float32Array;
  reconstructed?: Float32Array;
}

/**
 * The raw components of checked samples, batch by batch through the model's reconstruction
 * in model space: each score kind's mean error, and the latent distance when on; with
 * explanation weights, also the error map and the reconstructions.
 */
export function componentScores({ model, kinds, errorMaps, latent, x, explainWeights }: ComponentScoreInput): ComponentScores {
  const explain = explainWeights !== undefined;
  const n = x.shape[0];
  const per = sizeOf(x.shape.slice(1));
  const values = kinds.map(() => new Float32Array(n));
  const distances = latent ? new Float32Array(n) : null;
  const map = explain ? new Float32Array(n * per) : undefined;
  const reconstructed = explain ? new Float32Array(n * per) : undefined;
  const batch = scoringBatchRows(per);
  for (let lo = 0; lo < n; lo += batch) {
    const hi = Math.min(n, lo + batch);
    const rows = hi - lo;
    const scaled = toModelSpace(model, sliceRows(x, lo, hi));
    const { reconstruction: rec, codes } = model.reconstructScaled(scaled, distances !== null);
    kinds.forEach((_, k) => {
      const out = values[k].subarray(lo, hi);
      if (!explain) {
        errorMaps[k].scores(scaled.data, rec, rows, out);
        return;
      }
      const m = errorMaps[k].compute(scaled.data, rec, rows);
      const target = map!.subarray(lo * per, hi * per);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let j = r * per; j < (r + 1) * per; j++) {
          sum += m[j];
          target[j] += explainWeights[k] * m[j];
        }
        out[r] = sum / per;
      }
    });
    if (explain) reconstructed!.set(rec, lo * per);
    if (distances && codes) latent!.distances(codes, rows, distances.subarray(lo, hi));
  }
  const components: Record<string, Float32Array> = {};
  kinds.forEach((kind, k) => (components[kind] = values[k]));
  if (distances) components[LATENT_COMPONENT] = distances;
  return { components, map, reconstructed };
}
