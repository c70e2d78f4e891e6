import { invalid } from '../../core/errors.js';

/**
 * How a sample's reconstruction is turned into one number, higher = more anomalous.
 * - 'mse': mean squared error over the sample's values (the default, as PyOD's AutoEncoder).
 * - 'mae': mean absolute error; less dominated by a few badly reconstructed values.
 * - 'smoothed-mse': images only; the error image is smoothed with a Gaussian before it is
 *   squared, so a blob of coherent error (a missing sleeve) counts more than the same amount
 *   of scattered pixel noise along edges, which every reconstruction has.
 * - 'ssim': images only; 1 - mean structural similarity (Wang et al. 2004) between the
 *   input and its reconstruction: compares local means, contrasts and correlations.
 */
export type ScoreKind = 'mse' | 'mae' | 'smoothed-mse' | 'ssim';

export const SCORE_KINDS: readonly ScoreKind[] = ['mse', 'mae', 'smoothed-mse', 'ssim'];

/** Score kinds that look at the neighbourhood of a pixel, so they need samples shaped [c, h, w]. */
export function needsImages(kind: ScoreKind): boolean {
  return kind === 'smoothed-mse' || kind === 'ssim';
}

export function checkScoreKind(kind: unknown): ScoreKind {
  if (!(SCORE_KINDS as readonly unknown[]).includes(kind))
    throw invalid(`unknown score '${String(kind)}' (use one of: ${SCORE_KINDS.join(', ')})`);
  return kind as ScoreKind;
}
