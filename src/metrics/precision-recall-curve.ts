import { checkLabelled, orderByScoreDescending, requireBothClasses } from './binary-labels.js';

export interface PrecisionRecallCurve {
  /** From 0 (nothing flagged) up to 1. */
  recall: Float64Array;
  /** Precision at each threshold; 1 by convention where nothing is flagged. */
  precision: Float64Array;
  /** Samples with score >= threshold are flagged; the first is +Infinity. */
  thresholds: Float64Array;
}

/** One point per distinct score, from the highest threshold down: the steps averagePrecision() sums. */
export function precisionRecallCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): PrecisionRecallCurve {
  const counts = checkLabelled(labels, scores, 'precision-recall curve');
  requireBothClasses(counts, 'precision-recall curve');
  const order = orderByScoreDescending(scores);
  const recall = [0];
  const precision = [1];
  const thresholds = [Infinity];
  let tp = 0;
  for (let start = 0; start < order.length; ) {
    const value = scores[order[start]];
    let end = start;
    while (end < order.length && scores[order[end]] === value) tp += labels[order[end++]];
    recall.push(tp / counts.positives);
    precision.push(tp / end);
    thresholds.push(value);
    start = end;
  }
  return { recall: Float64Array.from(recall), precision: Float64Array.from(precision), thresholds: Float64Array.from(thresholds) };
}
