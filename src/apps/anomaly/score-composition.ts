import { scoreStatistics, type ScoreStatistics } from './score-statistics.js';
import type { ScoreKind } from './score-kind.js';

/** The name of the latent term among the score components. */
export const LATENT_COMPONENT = 'latent';

/** The per-sample numbers behind a score. */
export interface ScoreParts {
  /** The detector's score (higher = more anomalous). */
  score: Float32Array;
  /** Each raw term by name: the score kinds, and 'latent' (squared Mahalanobis distance of the code) when on. */
  components: Record<string, Float32Array>;
}

/** What a detector keeps of its normal data's scores: the final score's and each component's. */
export interface NormalStatistics {
  score: ScoreStatistics;
  /** By component name, as in ScoreParts. */
  components: Record<string, ScoreStatistics>;
}

/**
 * How a detector's components make one score: a single reconstruction score is used as it
 * is; several score kinds, or a latent term, are each standardised by the normal scores'
 * mean and std and summed, the latent term weighted by `latentWeight`. They fail on
 * different anomalies, so the sum ranks better than either.
 */
export class ScoreComposition {
  constructor(
    readonly kinds: readonly ScoreKind[],
    readonly latentWeight: number,
  ) {}

  /** True when the score is a standardised sum (several kinds or a latent term) rather than one raw reconstruction score. */
  get isComposite(): boolean {
    return this.kinds.length > 1 || this.latentWeight > 0;
  }

  /** The component names a fitted detector keeps statistics of, in order. */
  get componentNames(): string[] {
    return [...this.kinds, ...(this.latentWeight > 0 ? [LATENT_COMPONENT] : [])];
  }

  /** The score from its components; `stats` are the normal components' statistics (used only by a composite score). */
  combine(components: Record<string, Float32Array>, stats: Record<string, ScoreStatistics>): ScoreParts {
    if (!this.isComposite) return { score: components[this.kinds[0]], components };
    const n = components[this.kinds[0]].length;
    const score = new Float32Array(n);
    for (const [name, values] of Object.entries(components)) {
      const st = stats[name];
      const weight = (name === LATENT_COMPONENT ? this.latentWeight : 1) / positive(st.std);
      for (let i = 0; i < n; i++) score[i] += weight * (values[i] - st.mean);
    }
    return { score, components };
  }

  /** Statistics of the normal data's components, then of the score they make. */
  normalStatistics(components: Record<string, Float32Array>): NormalStatistics {
    const stats: Record<string, ScoreStatistics> = {};
    for (const [name, values] of Object.entries(components)) stats[name] = scoreStatistics(values);
    return { components: stats, score: scoreStatistics(this.combine(components, stats).score) };
  }

  /** Weight of each score kind's error map in an explanation: divided by its normal std, as its score enters a composite score. */
  mapWeights(stats: Record<string, ScoreStatistics>): number[] {
    return this.kinds.map((kind) => (this.kinds.length > 1 ? 1 / positive(stats[kind]?.std) : 1));
  }
}

/** A standard deviation usable as a divisor: a constant component (std 0) is left unscaled. */
function positive(std: number | undefined): number {
  return std !== undefined && std > 0 ? std : 1;
}
