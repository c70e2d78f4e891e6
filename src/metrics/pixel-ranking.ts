import { invalid } from '../core/errors.js';
import { connectedComponents } from './connected-components.js';
import { descendingOrder } from './descending-order.js';

/** Anomaly maps and their ground truth, n images of h x w pixels each (one channel). */
export interface PixelMapsInput {
  /** n * h * w anomaly-map values, higher = more anomalous. */
  maps: Float32Array;
  /** n * h * w ground-truth values: above 0.5 = anomalous pixel. */
  masks: Float32Array | Uint8Array;
  /** n * h * w: pixels above 0.5 count, the rest are left out of every pixel metric; null = all count. */
  foreground?: Float32Array | Uint8Array | null;
  n: number;
  h: number;
  w: number;
  /** Only these images (e.g. one defect type and the normal images); default all. */
  images?: readonly number[];
}

/**
 * The counted pixels of a set of anomaly maps, ranked once by decreasing score: what pixel
 * AUROC, AUPRO and best Dice all sweep. Anomalous pixels carry the ground-truth region
 * (8-connected component of one image's mask) they belong to, for the per-region overlap of AUPRO.
 */
export interface PixelRanking {
  /** Scores in decreasing order. */
  scores: Float32Array;
  /** Region of each ranked pixel: -1 = normal pixel, else an index into regionSizes. */
  regions: Int32Array;
  /** Counted pixels of each ground-truth region. */
  regionSizes: Uint32Array;
  positives: number;
  negatives: number;
}

export function rankPixels({ maps, masks, foreground = null, n, h, w, images }: PixelMapsInput): PixelRanking {
  const plane = h * w;
  if (!Number.isInteger(n) || n < 1) throw invalid(`pixel metrics need at least one map, got ${n}`);
  if (maps.length !== n * plane) throw invalid(`${n} maps of ${h}x${w} need ${n * plane} values, got ${maps.length}`);
  if (masks.length !== n * plane) throw invalid(`${n} masks of ${h}x${w} need ${n * plane} values, got ${masks.length}; give one mask per map at the map's size`);
  if (foreground && foreground.length !== n * plane) throw invalid(`${n} foreground masks of ${h}x${w} need ${n * plane} values, got ${foreground.length}`);
  const chosen = images ?? Array.from({ length: n }, (_, i) => i);
  for (const i of chosen) if (!Number.isInteger(i) || i < 0 || i >= n) throw invalid(`image index ${i} is outside 0..${n - 1}`);

  let counted = 0;
  for (const i of chosen)
    if (!foreground) counted += plane;
    else for (let p = i * plane; p < (i + 1) * plane; p++) if (foreground[p] > 0.5) counted++;
  const values = new Float32Array(counted);
  const region = new Int32Array(counted);
  const sizes: number[] = [];
  let at = 0;
  for (const i of chosen) {
    const offset = i * plane;
    const components = connectedComponents(masks.subarray(offset, offset + plane), h, w);
    const imageStart = at;
    const first = sizes.length;
    // A region is measured on its counted pixels: a lesion partly outside the brain mask keeps the part inside.
    const counts = new Uint32Array(components.count);
    for (let p = 0; p < plane; p++) {
      if (foreground && !(foreground[offset + p] > 0.5)) continue;
      const label = components.labels[p];
      values[at] = maps[offset + p];
      region[at] = label === 0 ? -1 : first + label - 1;
      if (label !== 0) counts[label - 1]++;
      at++;
    }
    // Regions wholly outside the foreground vanish: renumber the rest.
    const renumber = new Int32Array(components.count).fill(-1);
    for (let k = 0; k < components.count; k++)
      if (counts[k] > 0) {
        renumber[k] = sizes.length;
        sizes.push(counts[k]);
      }
    for (let q = imageStart; q < at; q++) if (region[q] >= 0) region[q] = renumber[region[q] - first];
  }
  const order = descendingOrder(values, 'anomaly map value');
  const scores = new Float32Array(counted);
  const regions = new Int32Array(counted);
  let positives = 0;
  for (let r = 0; r < counted; r++) {
    const p = order[r];
    scores[r] = values[p];
    regions[r] = region[p];
    if (region[p] >= 0) positives++;
  }
  return { scores, regions, regionSizes: Uint32Array.from(sizes), positives, negatives: counted - positives };
}

/** Pixel metrics compare anomalous with normal pixels: both must be present. */
export function requireBothPixelClasses(ranking: PixelRanking, what: string): void {
  if (ranking.positives === 0) throw invalid(`${what} needs anomalous pixels: every ground-truth mask is empty (inside the foreground)`);
  if (ranking.negatives === 0) throw invalid(`${what} needs normal pixels: every counted pixel is marked anomalous`);
}

/**
 * Calls `visit` once per distinct score, from the highest down, with the counts of pixels at
 * or above it: the sweep every pixel metric is made of (ties form one threshold, as in
 * scikit-learn's curves). `onPositive` sees each anomalous pixel as it enters.
 */
export function sweepThresholds(
  ranking: PixelRanking,
  visit: (threshold: number, truePositives: number, falsePositives: number) => void,
  onPositive?: (region: number) => void,
): void {
  const { scores, regions } = ranking;
  let tp = 0;
  let fp = 0;
  for (let start = 0; start < scores.length; ) {
    const value = scores[start];
    let end = start;
    while (end < scores.length && scores[end] === value) {
      const r = regions[end];
      if (r >= 0) {
        tp++;
        if (onPositive) onPositive(r);
      } else fp++;
      end++;
    }
    visit(value, tp, fp);
    start = end;
  }
}
