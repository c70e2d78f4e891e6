import { requireBothPixelClasses, sweepThresholds, type PixelRanking } from './pixel-ranking.js';

/**
 * Pixel AUROC: the area under the ROC curve of every counted pixel of every map taken as one
 * sample (anomalous = inside a ground-truth mask), as Anomalib's pixel AUROC and
 * sklearn.metrics.roc_auc_score on the flattened maps compute it. Exact: the trapezoids
 * between consecutive distinct scores, so tied pixels count one half.
 */
export function pixelAuroc(ranking: PixelRanking): number {
  requireBothPixelClasses(ranking, 'pixel AUROC');
  let area = 0;
  let previousTp = 0;
  let previousFp = 0;
  sweepThresholds(ranking, (_, tp, fp) => {
    area += (fp - previousFp) * (tp + previousTp) * 0.5;
    previousTp = tp;
    previousFp = fp;
  });
  return area / (ranking.positives * ranking.negatives);
}
