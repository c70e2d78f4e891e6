import { invalid } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Tensor } from '../../core/tensor.js';
import { subset } from '../../data/dataset.js';
import type { TableDetectorDefaults } from '../../models/defaults.js';
import type { AnomalyDetector } from './anomaly-detector.js';
import { planTableDetector } from './table-detector.js';

export interface TableEnsembleOptions {
  /** Autoencoders in the ensemble (default 5). */
  members?: number;
  /** Each member trains on a bootstrap sample of this fraction of the rows (default 1: n rows drawn with replacement). */
  sampleFraction?: number;
  seed?: number;
  /** Overrides of every member's auto-sized settings. */
  overrides?: Partial<TableDetectorDefaults>;
}

/**
 * An ensemble of small table autoencoders (in the spirit of RandNet, Chen et al. 2017): each
 * member is the default table detector (planTableDetector) trained on its own bootstrap
 * sample with its own seed, and the score is the mean over members of each member's
 * standardised score, (score - mean) / std of its scores on all the training rows. Members
 * fail differently on the rows they did not see, so the mean ranks more steadily than one
 * autoencoder (measured: docs/anomaly-detection.md, tables suite).
 */
export class TableEnsemble {
  readonly members: number;
  readonly sampleFraction: number;
  readonly seed: number;
  private readonly overrides: Partial<TableDetectorDefaults>;
  private fitted: { detector: AnomalyDetector; mean: number; std: number }[] = [];

  constructor({ members = 5, sampleFraction = 1, seed = 0, overrides = {} }: TableEnsembleOptions = {}) {
    if (!(Number.isInteger(members) && members >= 1 && members <= 100)) throw invalid(`members must be an integer in [1, 100], got ${members}`);
    if (!(sampleFraction > 0 && sampleFraction <= 1)) throw invalid(`sampleFraction must be in (0, 1], got ${sampleFraction}`);
    this.members = members;
    this.sampleFraction = sampleFraction;
    this.seed = seed;
    this.overrides = overrides;
  }

  get isFitted(): boolean {
    return this.fitted.length > 0;
  }

  /** The settings each member was trained with (the first member's; all share the shape rules). */
  settingsFor(rows: number, columns: number): TableDetectorDefaults {
    return planTableDetector(Math.max(2, Math.round(rows * this.sampleFraction)), columns, { overrides: this.overrides }).settings;
  }

  async fit(x: Tensor): Promise<this> {
    const n = x.shape[0];
    if (n < 4) throw invalid(`a table ensemble needs at least 4 normal rows, got ${n}`);
    const rng = new Rng(0x5eed + this.seed);
    const m = Math.max(4, Math.round(n * this.sampleFraction));
    const fitted: typeof this.fitted = [];
    for (let k = 0; k < this.members; k++) {
      const rows = Array.from({ length: m }, () => rng.int(n));
      const sample = subset(x, rows);
      const plan = planTableDetector(m, x.shape[1], { seed: this.seed * 1000 + k, overrides: this.overrides });
      await plan.detector.fit(sample, plan.fitOptions);
      const scores = plan.detector.score(x);
      let mean = 0;
      for (const s of scores) mean += s / scores.length;
      let v = 0;
      for (const s of scores) v += (s - mean) ** 2 / scores.length;
      fitted.push({ detector: plan.detector, mean, std: Math.sqrt(v) || 1 });
    }
    this.fitted = fitted;
    return this;
  }

  /** Higher = more anomalous: the members' mean standardised score. */
  score(x: Tensor): Float32Array {
    if (!this.isFitted) throw invalid('the table ensemble is not fitted; call fit(normal rows) first');
    const out = new Float32Array(x.shape[0]);
    for (const { detector, mean, std } of this.fitted) {
      const s = detector.score(x);
      for (let i = 0; i < out.length; i++) out[i] += (s[i] - mean) / std / this.fitted.length;
    }
    return out;
  }
}
