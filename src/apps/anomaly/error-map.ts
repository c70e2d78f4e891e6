import { invalid } from '../../core/errors.js';
import { lossForward } from '../../core/native/dense.js';
import { GaussianSmoother } from './gaussian-smoothing.js';
import { SsimMap } from '../../metrics/ssim.js';
import { needsImages, type ScoreKind } from './score-kind.js';

export interface ErrorMapSettings {
  kind: ScoreKind;
  /** Values per sample. */
  features: number;
  /** [channels, height, width] when samples are images; needed by 'smoothed-mse' and 'ssim'. */
  imageShape: readonly number[] | null;
  /** Gaussian sigma in pixels of 'smoothed-mse'. */
  smoothingSigma: number;
  /** Dynamic range L of the values, for the constants of 'ssim'. */
  dynamicRange: number;
}

/**
 * Where a reconstruction went wrong, value by value: the per-pixel (or per-column) error
 * map of a score kind. Every score is the mean of its map, so the map is exactly the
 * contribution of each value to the score, which is what explain() reports.
 */
export class ErrorMap {
  readonly settings: ErrorMapSettings;
  private readonly smoother: GaussianSmoother | null = null;
  private readonly ssim: SsimMap | null = null;

  constructor(settings: ErrorMapSettings) {
    this.settings = settings;
    const { kind, imageShape, features } = settings;
    if (needsImages(kind)) {
      if (!imageShape || imageShape.length !== 3)
        throw invalid(`score '${kind}' compares neighbouring pixels, so it needs image samples [channels, height, width]; use 'mse' or 'mae' for tables`);
      const [, h, w] = imageShape;
      if (kind === 'smoothed-mse') this.smoother = new GaussianSmoother(settings.smoothingSigma, h, w);
      // 'same': one SSIM value per pixel, so the score is the map's mean (metrics/ssim.ts).
      else this.ssim = new SsimMap(h, w, { dataRange: settings.dynamicRange, border: 'same' });
    }
    if (imageShape && imageShape.reduce((a, b) => a * b, 1) !== features)
      throw invalid(`image shape [${imageShape.join(', ')}] does not hold ${features} values`);
  }

  /** The error map of n samples: x and their reconstructions, both n * features values. */
  compute(x: Float32Array, reconstruction: Float32Array, n: number): Float32Array {
    const size = n * this.settings.features;
    if (x.length !== size || reconstruction.length !== size)
      throw invalid(`error map: ${n} samples of ${this.settings.features} values need ${size} values, got ${x.length} and ${reconstruction.length}`);
    const map = new Float32Array(size);
    switch (this.settings.kind) {
      case 'mse':
        for (let i = 0; i < size; i++) {
          const e = x[i] - reconstruction[i];
          map[i] = e * e;
        }
        return map;
      case 'mae':
        for (let i = 0; i < size; i++) map[i] = Math.abs(x[i] - reconstruction[i]);
        return map;
      case 'smoothed-mse': {
        for (let i = 0; i < size; i++) map[i] = x[i] - reconstruction[i];
        const planes = n * this.settings.imageShape![0];
        const smoothed = this.smoother!.smooth(map, planes);
        for (let i = 0; i < size; i++) map[i] = smoothed[i] * smoothed[i];
        return map;
      }
      case 'ssim': {
        const planes = n * this.settings.imageShape![0];
        this.ssim!.compute(x, reconstruction, planes, map);
        for (let i = 0; i < size; i++) map[i] = 1 - map[i];
        return map;
      }
    }
  }

  /** Mean of each sample's map: the reconstruction score of each sample. */
  scores(x: Float32Array, reconstruction: Float32Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
    const d = this.settings.features;
    if (this.settings.kind === 'mse' || this.settings.kind === 'mae') {
      // The common case, natively and without the intermediate map: scoring large files stays fast and allocation-free.
      if (n > 0) lossForward(this.settings.kind, reconstruction.subarray(0, n * d), x.subarray(0, n * d), n, d, out.subarray(0, n));
      return out;
    }
    const map = this.compute(x, reconstruction, n);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let j = r * d, end = j + d; j < end; j++) sum += map[j];
      out[r] = sum / d;
    }
    return out;
  }
}
