import { checkLabelled, orderByScoreDescending, requireBothClasses } from './binary-labels.js';

/**
 * Average precision (area under the precision-recall curve) as scikit-learn's
 * average_precision_score defines it: sum over the distinct score thresholds, from high to
 * low, of (recall gained) x (precision at that threshold). A step function, no
 * interpolation; tied scores are one threshold, so their order does not matter.
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const counts = checkLabelled(labels, scores, 'average precision');
  requireBothClasses(counts, 'average precision');
  const order = orderByScoreDescending(scores);
  let truePositives = 0;
  let flagged = 0;
  let previousRecall = 0;
  let sum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    const value = scores[order[start]];
    while (end < order.length && scores[order[end]] === value) {
      truePositives += labels[order[end]];
      end++;
    }
    flagged = end;
    const recall = truePositives / counts.positives;
    sum += (recall - previousRecall) * (truePositives / flagged);
    previousRecall = recall;
    start = end;
  }
  return sum;
}
