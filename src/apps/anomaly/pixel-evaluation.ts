import { invalid } from '../../core/errors.js';
import { auroc } from '../../metrics/auroc.js';
import { averagePrecision } from '../../metrics/average-precision.js';
import { aupro, DEFAULT_AUPRO_FPR_LIMIT } from '../../metrics/aupro.js';
import { bestDice } from '../../metrics/best-dice.js';
import { pixelAuroc } from '../../metrics/pixel-auroc.js';
import { rankPixels } from '../../metrics/pixel-ranking.js';
import type { ImageSet } from '../../data/image-set.js';

/** Image- and pixel-level scores of one set of images (all of them, or one defect type with the normal images). */
export interface SegmentationScores {
  /** Images counted, and how many of them are anomalous. */
  images: number;
  anomalous: number;
  /** Image level: the images' anomaly scores against their labels; null when one class is missing. */
  imageAuroc: number | null;
  imageAp: number | null;
  /** Pixel level, over the counted (foreground) pixels; null without masks or without anomalous pixels. */
  pixelAuroc: number | null;
  aupro: number | null;
  bestDice: number | null;
  /** The map value at which the best Dice is reached (pixels >= it are segmented). */
  diceThreshold: number | null;
}

export interface PixelEvaluation {
  overall: SegmentationScores;
  /** One row per anomalous group (defect type): its images plus every normal image, as Anomalib and the MVTec AD tables count a category. */
  groups: ({ group: string } & SegmentationScores)[];
  aupro: { fprLimit: number };
}

export interface PixelEvaluationInput {
  /** The images' ground truth: labels, groups, masks and foreground (ImageSet's meanings). */
  set: Pick<ImageSet, 'labels' | 'groups' | 'masks' | 'foreground'>;
  /** n * h * w anomaly-map values at the images' resolution (one plane per image). */
  maps: Float32Array;
  /** One anomaly score per image. */
  imageScores: ArrayLike<number>;
  n: number;
  h: number;
  w: number;
  fprLimit?: number;
}

/**
 * The pixel metrics of anomaly maps against an image set's masks, overall and per defect
 * group. Image labels come from the set, or, without labels, from the masks (an image with
 * any anomalous pixel is anomalous). Images whose group is normal (label 0) are shared by
 * every group's row, so a group's image AUROC separates its defects from the normal images.
 */
export function evaluatePixels({ set, maps, imageScores, n, h, w, fprLimit = DEFAULT_AUPRO_FPR_LIMIT }: PixelEvaluationInput): PixelEvaluation {
  if (imageScores.length !== n) throw invalid(`${n} images need ${n} image scores, got ${imageScores.length}`);
  const plane = h * w;
  if (maps.length !== n * plane) throw invalid(`${n} maps of ${h}x${w} need ${n * plane} values, got ${maps.length}`);
  const masks = set.masks ? planes(set.masks.data, set.masks.shape, n, h, w, 'masks') : null;
  const foreground = set.foreground ? planes(set.foreground.data, set.foreground.shape, n, h, w, 'foreground') : null;
  const labels = set.labels ? Uint8Array.from(set.labels) : masks ? labelsFromMasks(masks, n, plane) : null;
  if (labels && labels.length !== n) throw invalid(`${n} images need ${n} labels, got ${labels.length}`);
  if (set.groups && set.groups.length !== n) throw invalid(`${n} images need ${n} groups, got ${set.groups.length}`);

  const scoresOf = (images: number[]): SegmentationScores => {
    const y = labels ? images.map((i) => labels[i]) : null;
    const s = images.map((i) => imageScores[i]);
    const anomalous = y ? y.reduce((a, b) => a + b, 0) : 0;
    const both = y !== null && anomalous > 0 && anomalous < images.length;
    const out: SegmentationScores = {
      images: images.length,
      anomalous,
      imageAuroc: both ? auroc(y!, s) : null,
      imageAp: both ? averagePrecision(y!, s) : null,
      pixelAuroc: null,
      aupro: null,
      bestDice: null,
      diceThreshold: null,
    };
    if (masks) {
      const ranking = rankPixels({ maps, masks, foreground, n, h, w, images });
      if (ranking.positives > 0 && ranking.negatives > 0) {
        out.pixelAuroc = pixelAuroc(ranking);
        out.aupro = aupro(ranking, fprLimit);
        const dice = bestDice(ranking);
        out.bestDice = dice.dice;
        out.diceThreshold = dice.threshold;
      }
    }
    return out;
  };

  const all = Array.from({ length: n }, (_, i) => i);
  const groups: PixelEvaluation['groups'] = [];
  if (set.groups) {
    const normal = labels ? all.filter((i) => labels[i] === 0) : [];
    const names = [...new Set(set.groups)].sort();
    for (const group of names) {
      const members = all.filter((i) => set.groups![i] === group);
      if (labels && members.every((i) => labels[i] === 0)) continue; // the normal group is in every row
      const images = [...new Set([...members, ...normal])].sort((a, b) => a - b);
      groups.push({ group, ...scoresOf(images) });
    }
  }
  return { overall: scoresOf(all), groups, aupro: { fprLimit } };
}

function planes(data: Float32Array, shape: readonly number[], n: number, h: number, w: number, what: string): Float32Array {
  if (shape.length !== 4 || shape[0] !== n || shape[1] !== 1 || shape[2] !== h || shape[3] !== w)
    throw invalid(`${what} have shape [${shape.join(', ')}]; the anomaly maps need [${n}, 1, ${h}, ${w}] (one plane per image at its resolution)`);
  return data;
}

function labelsFromMasks(masks: Float32Array, n: number, plane: number): Uint8Array {
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    for (let p = i * plane; p < (i + 1) * plane; p++)
      if (masks[p] > 0.5) {
        labels[i] = 1;
        break;
      }
  return labels;
}

/** A fixed-width text table of an evaluation: the overall row, then one per defect group. */
export function formatPixelEvaluation(e: PixelEvaluation): string {
  const f = (v: number | null): string => (v === null ? '-' : v.toFixed(4));
  const headers = ['group', 'images', 'anomalous', 'image AUROC', 'image AP', 'pixel AUROC', `AUPRO@${e.aupro.fprLimit}`, 'best Dice'];
  const row = (name: string, s: SegmentationScores): string[] => [name, String(s.images), String(s.anomalous), f(s.imageAuroc), f(s.imageAp), f(s.pixelAuroc), f(s.aupro), f(s.bestDice)];
  const body = [row('all', e.overall), ...e.groups.map((g) => row(g.group, g))];
  const widths = headers.map((_, c) => Math.max(headers[c].length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
