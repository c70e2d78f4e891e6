import { invalid } from '../../core/errors.js';
import { bestDice } from '../../metrics/best-dice.js';
import { rankPixels } from '../../metrics/pixel-ranking.js';

/**
 * How map values become segmentation masks (pixels at or above the threshold are anomalous):
 * - { value }: an explicit threshold;
 * - { bestF1 }: the threshold of the best pixel F1 (= Dice) on labelled validation maps with masks;
 * - { normalQuantile }: that quantile of the map values of normal validation images (e.g. 0.999:
 *   one normal pixel in a thousand is flagged), when no anomalous examples are at hand.
 */
export type PixelThresholdRule = { value: number } | { bestF1: true } | { normalQuantile: number };

export interface PixelMaps {
  maps: Float32Array;
  n: number;
  h: number;
  w: number;
  masks?: Float32Array | null;
  foreground?: Float32Array | null;
  labels?: ArrayLike<number> | null;
}

/** Parses --pixel-threshold: a number, 'best-f1', or 'quantile:Q' (Q in (0, 1)). */
export function parsePixelThreshold(text: string): PixelThresholdRule {
  if (text === 'best-f1') return { bestF1: true };
  const q = /^quantile:(.+)$/.exec(text);
  if (q) {
    const v = Number(q[1]);
    if (!(v > 0 && v < 1)) throw invalid(`--pixel-threshold quantile:Q needs Q in (0, 1), e.g. quantile:0.999; got '${text}'`);
    return { normalQuantile: v };
  }
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw invalid(`--pixel-threshold must be a number, 'best-f1' or 'quantile:Q', got '${text}'`);
  return { value: v };
}

/** The threshold a rule gives on validation maps (an explicit value needs none). */
export function pixelThreshold(rule: PixelThresholdRule, validation: PixelMaps | null): number {
  if ('value' in rule) return rule.value;
  if (!validation) throw invalid(`a pixel threshold by ${'bestF1' in rule ? 'best F1' : 'quantile'} is chosen on validation data: give --validation`);
  if ('bestF1' in rule) {
    if (!validation.masks) throw invalid('--pixel-threshold best-f1 needs validation data with ground-truth masks (--validation-masks for a volume)');
    return bestDice(rankPixels({ maps: validation.maps, masks: validation.masks, foreground: validation.foreground ?? null, n: validation.n, h: validation.h, w: validation.w })).threshold;
  }
  // The normal pixels: every counted pixel of normal images (label 0, or an empty mask), or of every image when nothing says which are normal.
  const plane = validation.h * validation.w;
  const values: number[] = [];
  for (let i = 0; i < validation.n; i++) {
    const labelled = validation.labels ? validation.labels[i] : null;
    if (labelled === 1) continue;
    for (let p = i * plane; p < (i + 1) * plane; p++) {
      if (validation.foreground && !(validation.foreground[p] > 0.5)) continue;
      if (validation.masks && validation.masks[p] > 0.5) continue;
      values.push(validation.maps[p]);
    }
  }
  if (values.length === 0) throw invalid('--pixel-threshold quantile:Q needs normal pixels in the validation data; it has none');
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(rule.normalQuantile * sorted.length) - 1)];
}
