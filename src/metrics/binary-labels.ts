import { HourglassError, invalid } from '../core/errors.js';

/** How many of each label a labelled, scored set holds. Label 1 is the positive class (an anomaly). */
export interface LabelCounts {
  positives: number;
  negatives: number;
}

/**
 * Checks labels (0 or 1 each) against the values they pair with (scores or predictions):
 * same length, finite values. Metrics computed on mismatched or NaN inputs would be silently
 * wrong, so these are errors, not warnings.
 */
export function checkLabelled(labels: ArrayLike<number>, values: ArrayLike<number>, what: string): LabelCounts {
  if (labels.length !== values.length)
    throw invalid(`${what}: ${labels.length} labels but ${values.length} scores; give one label per score`);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === 1) positives++;
    else if (y !== 0) throw invalid(`${what}: label ${i} is ${y}; labels must be 0 (normal) or 1 (anomaly)`);
    const v = values[i];
    if (!Number.isFinite(v)) throw new HourglassError('BAD_DATA', `${what}: score ${i} is ${v}; scores must be finite numbers`);
  }
  return { positives, negatives: labels.length - positives };
}

/** Ranking metrics compare positives with negatives: both classes must be present. */
export function requireBothClasses(counts: LabelCounts, what: string): void {
  if (counts.positives === 0 || counts.negatives === 0) {
    const only = counts.positives === 0 ? 'normal (0)' : 'anomalous (1)';
    throw invalid(`${what} is not defined when every label is ${only}: it needs both normal and anomalous samples`);
  }
}

/** Sample indices ordered by decreasing score; ties keep their input order. */
export function orderByScoreDescending(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}
