import { invalid } from '../core/errors.js';
import { requireBothPixelClasses, sweepThresholds, type PixelRanking } from './pixel-ranking.js';

/** The false-positive rate AUPRO integrates up to, as in the MVTec AD paper and Anomalib. */
export const DEFAULT_AUPRO_FPR_LIMIT = 0.3;

/**
 * Area under the per-region-overlap curve (Bergmann et al., MVTec AD, 2021; Anomalib's AUPRO).
 * At a threshold t, PRO(t) is the mean over every ground-truth region (an 8-connected component
 * of one image's mask) of the fraction of that region's pixels scoring >= t, so a small
 * lesion weighs as much as a large one; the false-positive rate is over every normal pixel of
 * every map. The PRO-versus-FPR curve is integrated from FPR 0 to `fprLimit` (trapezoids
 * between distinct thresholds, the last one cut at the limit by linear interpolation) and
 * divided by `fprLimit`, so a perfect detector scores 1 and one that ranks at random
 * about fprLimit / 2.
 *
 * Anomalib computes one ROC curve per region and averages them on a common FPR grid; every
 * region's curve shares the same FPR breakpoints (the normal pixels are common), so the mean
 * of their linear interpolations is this one sweep, exactly.
 */
export function aupro(ranking: PixelRanking, fprLimit = DEFAULT_AUPRO_FPR_LIMIT): number {
  if (!(fprLimit > 0 && fprLimit <= 1)) throw invalid(`the AUPRO false-positive-rate limit must be in (0, 1], got ${fprLimit}`);
  requireBothPixelClasses(ranking, 'AUPRO');
  const { regionSizes, negatives } = ranking;
  const regionCount = regionSizes.length;
  const weight = new Float64Array(regionCount);
  for (let r = 0; r < regionCount; r++) weight[r] = 1 / (regionSizes[r] * regionCount);
  let overlap = 0;
  let area = 0;
  let previousFpr = 0;
  let previousPro = 0;
  let done = false;
  sweepThresholds(
    ranking,
    (_, __, fp) => {
      if (done) return;
      const fpr = fp / negatives;
      const pro = overlap;
      if (fpr >= fprLimit) {
        // The segment crosses the limit: integrate only up to it.
        const t = fpr > previousFpr ? (fprLimit - previousFpr) / (fpr - previousFpr) : 1;
        const proAtLimit = previousPro + t * (pro - previousPro);
        area += (fprLimit - previousFpr) * (previousPro + proAtLimit) * 0.5;
        done = true;
        return;
      }
      area += (fpr - previousFpr) * (previousPro + pro) * 0.5;
      previousFpr = fpr;
      previousPro = pro;
    },
    (region) => (overlap += weight[region]),
  );
  return area / fprLimit;
}
