import { HourglassError, invalid } from '../../core/errors.js';

/** Quantiles kept of the training scores: every 0.1%, so percentiles at that resolution are exact. */
export const QUANTILE_STEPS = 1000;

/**
 * A summary of the scores of the normal (training or calibration) data, small enough for
 * the model file however many rows were scored: it places a new score in the training
 * distribution (normalised score) and sets percentile and z-score thresholds.
 */
export interface ScoreStatistics {
  count: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  max: number;
  /** quantiles[i] is the (i / QUANTILE_STEPS) quantile, linear interpolation as numpy.percentile's default. */
  quantiles: number[];
}

export function scoreStatistics(scores: ArrayLike<number>): ScoreStatistics {
  const n = scores.length;
  if (n === 0) throw invalid('score statistics need at least one score');
  const sorted = Float64Array.from(scores as ArrayLike<number>);
  for (let i = 0; i < n; i++) if (!Number.isFinite(sorted[i])) throw new HourglassError('BAD_DATA', `score ${i} of the normal data is ${sorted[i]}`);
  sorted.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i] - mean) ** 2;
  const quantiles: number[] = [];
  for (let q = 0; q <= QUANTILE_STEPS; q++) quantiles.push(percentileOfSorted(sorted, q / QUANTILE_STEPS));
  return { count: n, mean, std: Math.sqrt(squares / n), min: sorted[0], max: sorted[n - 1], quantiles };
}

/** numpy.percentile(sorted, 100 p) with the default linear interpolation. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const position = p * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
}

/** The p quantile (0 <= p <= 1) of the normal scores, interpolated between the stored quantiles. */
export function quantileOf(stats: ScoreStatistics, p: number): number {
  if (!(p >= 0 && p <= 1)) throw invalid(`quantile must be in [0, 1], got ${p}`);
  return percentileOfSorted(stats.quantiles, p);
}

/**
 * Where a score falls in the normal distribution, in [0, 1]: the fraction of normal scores
 * below it (0 at or below the lowest, 1 at or above the highest), interpolated between
 * the stored quantiles. 0.5 is a typical normal sample; 0.99 is beyond 99% of them.
 */
export function normalizedScore(stats: ScoreStatistics, score: number): number {
  const q = stats.quantiles;
  const last = q.length - 1;
  if (!(score > q[0])) return 0;
  if (score >= q[last]) return 1;
  // The last quantile not above the score; equal quantiles (ties) resolve to the highest one.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (q[mid] <= score) lo = mid;
    else hi = mid;
  }
  const span = q[hi] - q[lo];
  const within = span > 0 ? (score - q[lo]) / span : 0;
  return (lo + within) / last;
}

export function scoreStatisticsFromJSON(json: unknown, source: string): ScoreStatistics {
  const bad = (why: string): HourglassError => new HourglassError('BAD_FILE', `${source}: score statistics ${why}`);
  if (typeof json !== 'object' || json === null) throw bad('are missing');
  const o = json as Record<string, unknown>;
  for (const key of ['count', 'mean', 'std', 'min', 'max'])
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) throw bad(`need a finite '${key}'`);
  const q = o.quantiles;
  if (!Array.isArray(q) || q.length < 2 || !q.every((v, i) => typeof v === 'number' && Number.isFinite(v) && (i === 0 || v >= q[i - 1])))
    throw bad("need 'quantiles', a non-decreasing array of finite numbers");
  return { count: o.count as number, mean: o.mean as number, std: o.std as number, min: o.min as number, max: o.max as number, quantiles: [...q] };
}
