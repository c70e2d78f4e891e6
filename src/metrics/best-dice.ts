import { requireBothPixelClasses, sweepThresholds, type PixelRanking } from './pixel-ranking.js';

export interface BestDice {
  /** The largest Dice coefficient (= pixel F1) of the masks `map >= threshold` over every threshold. */
  dice: number;
  /** The threshold that reaches it (pixels scoring at or above it are segmented). */
  threshold: number;
  precision: number;
  recall: number;
}

/**
 * The best Dice over thresholds: one threshold for every map of the set, chosen after the
 * fact, the optimistic segmentation score brain-lesion papers report (Baur et al., 2021,
 * "Autoencoders for unsupervised anomaly segmentation in brain MR images", the "[Dice]" at
 * the best operating point) and Anomalib's pixel F1Max. Pixels are pooled over all maps, so
 * Dice = 2 TP / (2 TP + FP + FN) counts the whole set.
 */
export function bestDice(ranking: PixelRanking): BestDice {
  requireBothPixelClasses(ranking, 'best Dice');
  const p = ranking.positives;
  let best: BestDice = { dice: 0, threshold: Infinity, precision: 0, recall: 0 };
  sweepThresholds(ranking, (threshold, tp, fp) => {
    const dice = (2 * tp) / (tp + fp + p);
    if (dice > best.dice) best = { dice, threshold, precision: tp / (tp + fp), recall: tp / p };
  });
  return best;
}
