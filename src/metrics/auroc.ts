import { checkLabelled, orderByScoreDescending, requireBothClasses } from './binary-labels.js';

/**
 * Area under the ROC curve, exactly: the Mann-Whitney statistic U / (positives * negatives),
 * the probability that a random anomaly scores above a random normal sample, ties counting
 * one half. Tied scores share their mid-rank, which is what the trapezoidal area under
 * scikit-learn's roc_curve computes too.
 */
export function auroc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const counts = checkLabelled(labels, scores, 'AUROC');
  requireBothClasses(counts, 'AUROC');
  const order = orderByScoreDescending(scores);
  const n = order.length;
  // Ranks ascend with the score: the sample at position p of the descending order has rank n - p.
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Positions start..end-1 hold ranks n-start down to n-end+1; their mean is the mid-rank.
    const midRank = n - (start + end - 1) / 2;
    let positivesInGroup = 0;
    for (let p = start; p < end; p++) positivesInGroup += labels[order[p]];
    positiveRankSum += positivesInGroup * midRank;
    start = end;
  }
  const { positives, negatives } = counts;
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}
