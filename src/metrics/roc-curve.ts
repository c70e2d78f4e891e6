import { checkLabelled, orderByScoreDescending, requireBothClasses } from './binary-labels.js';

export interface RocCurve {
  /** False positive rate at each threshold, from 0 up to 1. */
  falsePositiveRate: Float64Array;
  truePositiveRate: Float64Array;
  /** Samples with score >= threshold are flagged; the first is +Infinity (nothing flagged). */
  thresholds: Float64Array;
}

/** One point per distinct score, plus the origin: the exact ROC polygon whose area is auroc(). */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  const counts = checkLabelled(labels, scores, 'ROC curve');
  requireBothClasses(counts, 'ROC curve');
  const order = orderByScoreDescending(scores);
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let start = 0; start < order.length; ) {
    const value = scores[order[start]];
    let end = start;
    while (end < order.length && scores[order[end]] === value) {
      if (labels[order[end]] === 1) tp++;
      else fp++;
      end++;
    }
    fpr.push(fp / counts.negatives);
    tpr.push(tp / counts.positives);
    thresholds.push(value);
    start = end;
  }
  return { falsePositiveRate: Float64Array.from(fpr), truePositiveRate: Float64Array.from(tpr), thresholds: Float64Array.from(thresholds) };
}
