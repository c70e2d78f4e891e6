import { invalid } from '../../core/errors.js';
import { quantileOf, type ScoreStatistics } from './score-statistics.js';

/**
 * How the decision threshold is chosen; a sample is flagged when its score is above it.
 * - contamination: the expected fraction of anomalies c; the threshold is the (1 - c)
 *   quantile of the normal scores, as PyOD's contamination parameter.
 * - value: a threshold given outright (in score units).
 * - zscore: mean + z standard deviations of the normal scores.
 * - max-f1: chosen on a labelled validation set to maximise F1 (AnomalyDetector.calibrate).
 */
export type ThresholdRule =
  | { kind: 'contamination'; contamination: number }
  | { kind: 'value'; value: number }
  | { kind: 'zscore'; z: number }
  | { kind: 'max-f1'; f1?: number; precision?: number; recall?: number };

export const DEFAULT_THRESHOLD_RULE: ThresholdRule = { kind: 'contamination', contamination: 0.1 };

export function checkThresholdRule(rule: unknown): ThresholdRule {
  if (typeof rule !== 'object' || rule === null) throw invalid('a threshold rule is an object such as { kind: "contamination", contamination: 0.05 }');
  const r = rule as Record<string, unknown>;
  switch (r.kind) {
    case 'contamination': {
      const c = r.contamination;
      if (typeof c !== 'number' || !(c > 0 && c < 0.5))
        throw invalid(`contamination is the expected fraction of anomalies in the normal data, in (0, 0.5); got ${String(c)}`);
      return { kind: 'contamination', contamination: c };
    }
    case 'value':
      if (typeof r.value !== 'number' || !Number.isFinite(r.value)) throw invalid(`a threshold value must be a finite number, got ${String(r.value)}`);
      return { kind: 'value', value: r.value };
    case 'zscore':
      if (typeof r.z !== 'number' || !Number.isFinite(r.z)) throw invalid(`the z-score rule needs a finite z (e.g. 3), got ${String(r.z)}`);
      return { kind: 'zscore', z: r.z };
    case 'max-f1':
      return { kind: 'max-f1', f1: num(r.f1), precision: num(r.precision), recall: num(r.recall) };
    default:
      throw invalid(`unknown threshold rule '${String(r.kind)}' (use contamination, value, zscore or max-f1)`);
  }
}

/** The threshold a rule gives on normal scores summarised by `stats` (max-f1 is chosen on labelled data instead). */
export function thresholdFromNormalScores(rule: ThresholdRule, stats: ScoreStatistics): number {
  switch (rule.kind) {
    case 'contamination':
      return quantileOf(stats, 1 - rule.contamination);
    case 'value':
      return rule.value;
    case 'zscore':
      return stats.mean + rule.z * stats.std;
    case 'max-f1':
      throw invalid('the max-f1 threshold is chosen on labelled validation data: call calibrate(x, labels) (CLI: --validation with --validation-label-file)');
  }
}

/** The rule as one short phrase for reports and logs. */
export function describeThresholdRule(rule: ThresholdRule): string {
  switch (rule.kind) {
    case 'contamination':
      return `contamination ${rule.contamination}: the ${Number(((1 - rule.contamination) * 100).toFixed(3))}th percentile of normal scores`;
    case 'value':
      return `explicit value ${rule.value}`;
    case 'zscore':
      return `mean + ${rule.z} std of normal scores`;
    case 'max-f1':
      return `max F1 on labelled validation data${rule.f1 !== undefined ? ` (F1 ${rule.f1.toFixed(4)})` : ''}`;
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
