import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Rng } from '../src/core/rng.js';
import { auroc } from '../src/metrics/auroc.js';
import { averagePrecision } from '../src/metrics/average-precision.js';
import { connectedComponents } from '../src/metrics/connected-components.js';
import { descendingOrder } from '../src/metrics/descending-order.js';
import { rankPixels } from '../src/metrics/pixel-ranking.js';
import { pixelAuroc } from '../src/metrics/pixel-auroc.js';
import { aupro } from '../src/metrics/aupro.js';
import { bestDice } from '../src/metrics/best-dice.js';

const PYTHON = '/usr/bin/python3';
const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** Random maps with blob masks: n images of h x w, scores raised inside the blobs, ties on purpose (values rounded). */
function fixture(seed: number, n: number, h: number, w: number) {
  const rng = new Rng(seed);
  const masks = new Uint8Array(n * h * w);
  const maps = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const blobs = i % 3 === 0 ? 0 : 1 + (i % 2);
    for (let b = 0; b < blobs; b++) {
      const cy = Math.floor(rng.uniform() * h);
      const cx = Math.floor(rng.uniform() * w);
      const r = 1 + Math.floor(rng.uniform() * 3);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) masks[i * h * w + y * w + x] = 1;
    }
    for (let p = 0; p < h * w; p++) {
      const k = i * h * w + p;
      maps[k] = Math.round((rng.uniform() + (masks[k] ? 0.6 * rng.uniform() : 0)) * 20) / 20;
    }
  }
  return { maps, masks };
}

test('descendingOrder sorts like a comparison sort, ties in input order, negative values and zeros included', () => {
  const rng = new Rng(3);
  const scores = Float32Array.from({ length: 5000 }, () => Math.round((rng.uniform() - 0.5) * 400) / 7);
  scores[10] = -0;
  scores[11] = 0;
  const order = descendingOrder(scores);
  const expected = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  for (let r = 1; r < order.length; r++) assert.ok(scores[order[r - 1]] >= scores[order[r]], `position ${r}`);
  // Equal values keep their input order (stable), except -0/+0 which are one tie group for the metrics.
  const withoutZeros = (o: ArrayLike<number>) => Array.from(o).filter((i) => scores[i] !== 0);
  assert.deepEqual(withoutZeros(order), withoutZeros(expected));
  assert.throws(() => descendingOrder(Float32Array.of(1, NaN)), /finite/);
});

test('connected components count diagonal neighbours as one region (8-connectivity)', () => {
  // 0 1 0 0
  // 0 0 1 0
  // 1 0 0 0
  // 1 0 0 1
  const mask = [0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1];
  const r = connectedComponents(mask, 4, 4);
  assert.equal(r.count, 3);
  assert.deepEqual(Array.from(r.sizes), [2, 2, 1]);
  assert.equal(r.labels[1], r.labels[6]);
  assert.equal(r.labels[8], r.labels[12]);
  assert.notEqual(r.labels[15], r.labels[6]);
});

test('AUPRO by hand: two regions, three thresholds', () => {
  // One 3 x 3 image. Region A = pixels 0,1 (top-left pair), region B = pixel 8 (bottom-right).
  // Scores: A = [0.9, 0.5], B = 0.7, normal pixels 2..7 = [0.8, 0.6, 0.4, 0.3, 0.2, 0.1].
  const maps = Float32Array.of(0.9, 0.5, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1, 0.7);
  const masks = Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0, 1);
  const ranking = rankPixels({ maps, masks, n: 1, h: 3, w: 3 });
  assert.equal(ranking.regionSizes.length, 2);
  // Sweep (FPR over 6 normal pixels, PRO = mean of A's and B's overlaps):
  // 0.9: A 1/2, B 0 -> PRO 1/4, FPR 0.   0.8: FPR 1/6, PRO 1/4.   0.7: B 1 -> PRO 3/4, FPR 1/6.
  // 0.6: FPR 2/6, PRO 3/4.   The limit 0.3 falls inside the segment from 1/6 to 2/6 at PRO 3/4.
  // Area up to 0.3: [0, 1/6] at PRO 1/4 -> 1/24; [1/6, 0.3] at 3/4 -> (0.3 - 1/6) * 3/4 = 0.1.
  const area = 1 / 24 + (0.3 - 1 / 6) * 0.75;
  close(aupro(ranking, 0.3), area / 0.3, 1e-12, 'AUPRO at 0.3');
  // Up to FPR 1: 1/24 + (1/6)*(3/4) [to 2/6] + then 0.5 gives A fully: PRO 1 from FPR 2/6 on, diagonal 2/6..2/6 (no FP), then 1 * 4/6.
  close(aupro(ranking, 1), 1 / 24 + (1 / 6) * 0.75 + (4 / 6) * 1, 1e-12, 'AUPRO at 1');
  const dice = bestDice(ranking);
  // Threshold 0.7: TP 2 (0.9, 0.7), FP 1 (0.8): Dice 4 / (4 + 1 + 1) = 2/3; 0.5: TP 3, FP 2: 6/8 = 3/4.
  close(dice.dice, 0.75, 1e-12, 'best Dice');
  assert.equal(dice.threshold, Math.fround(0.5));
});

test('a small lesion weighs as much as a large one in AUPRO, not in pixel AUROC', () => {
  // Region A (8 pixels) all found first, region B (1 pixel) found last.
  const h = 4, w = 4;
  const masks = new Uint8Array(16);
  const maps = new Float32Array(16);
  for (let p = 0; p < 8; p++) { masks[p] = 1; maps[p] = 1; }
  masks[15] = 1; // region B: bottom-right corner, not touching A (A is rows 0-1)
  maps[15] = 0;
  for (let p = 8; p < 15; p++) maps[p] = 0.5;
  const ranking = rankPixels({ maps, masks, n: 1, h, w });
  assert.equal(ranking.regionSizes.length, 2);
  close(aupro(ranking, 0.3), 0.5, 1e-12, 'AUPRO: half the regions found below FPR 0.3');
  close(pixelAuroc(ranking), 8 / 9, 1e-12, 'pixel AUROC: 8 of 9 anomalous pixels rank above every normal one');
});

test('foreground: pixels outside it are left out, and so is a region wholly outside', () => {
  const maps = Float32Array.of(0.9, 0.1, 0.8, 0.2);
  const masks = Uint8Array.of(1, 0, 0, 1);
  const foreground = Uint8Array.of(1, 1, 0, 0);
  const ranking = rankPixels({ maps, masks, foreground, n: 1, h: 2, w: 2 });
  assert.equal(ranking.positives, 1);
  assert.equal(ranking.negatives, 1);
  assert.equal(ranking.regionSizes.length, 1);
  assert.equal(pixelAuroc(ranking), 1);
  assert.throws(() => pixelAuroc(rankPixels({ maps, masks: new Uint8Array(4), n: 1, h: 2, w: 2 })), /anomalous pixels/);
});

test('pixel AUROC, best Dice and image AUROC/AP agree with scikit-learn', (t) => {
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' }).status !== 0) {
    t.skip(`${PYTHON} with scikit-learn is not installed (apt-get install python3-sklearn): the comparison is skipped`);
    return;
  }
  const n = 12, h = 9, w = 11;
  const { maps, masks } = fixture(11, n, h, w);
  const foreground = Uint8Array.from({ length: n * h * w }, (_, k) => (k % (h * w) % w === 0 ? 0 : 1)); // first column out
  const imageScores = Array.from({ length: n }, (_, i) => Math.max(...maps.subarray(i * h * w, (i + 1) * h * w)));
  const imageLabels = Array.from({ length: n }, (_, i) => (masks.subarray(i * h * w, (i + 1) * h * w).some((v) => v === 1) ? 1 : 0));
  const script = `
import json, sys
import numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score, precision_recall_curve
d = json.load(sys.stdin)
m = np.array(d['maps'], dtype=np.float32); y = np.array(d['masks']); f = np.array(d['foreground']) > 0
p, r, _ = precision_recall_curve(y[f], m[f])
f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-300), 0)
print(json.dumps({
  'pixel_auroc': roc_auc_score(y[f], m[f]),
  'all_pixel_auroc': roc_auc_score(y, m),
  'best_f1': float(f1.max()),
  'image_auroc': roc_auc_score(d['image_labels'], d['image_scores']),
  'image_ap': average_precision_score(d['image_labels'], d['image_scores']),
}))`;
  const r = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify({ maps: Array.from(maps), masks: Array.from(masks), foreground: Array.from(foreground), image_scores: imageScores, image_labels: imageLabels }),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const sk = JSON.parse(r.stdout);
  const inside = rankPixels({ maps, masks, foreground, n, h, w });
  close(pixelAuroc(inside), sk.pixel_auroc, 1e-9, 'pixel AUROC inside the foreground');
  close(pixelAuroc(rankPixels({ maps, masks, n, h, w })), sk.all_pixel_auroc, 1e-9, 'pixel AUROC over all pixels');
  close(bestDice(inside).dice, sk.best_f1, 1e-9, 'best Dice = max F1 of the precision-recall curve');
  close(auroc(imageLabels, imageScores), sk.image_auroc, 1e-12, 'image AUROC');
  close(averagePrecision(imageLabels, imageScores), sk.image_ap, 1e-12, 'image AP');
});

test('AUPRO equals a brute-force per-threshold computation (per-region ROC curves averaged)', () => {
  const n = 6, h = 7, w = 8;
  const { maps, masks } = fixture(5, n, h, w);
  const ranking = rankPixels({ maps, masks, n, h, w });
  // Brute force: for every distinct threshold, FPR over normal pixels and the mean per-region overlap.
  const regions: number[][] = [];
  const normal: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = connectedComponents(masks.subarray(i * h * w, (i + 1) * h * w), h, w);
    const members: number[][] = Array.from({ length: c.count }, () => []);
    for (let p = 0; p < h * w; p++) (c.labels[p] ? members[c.labels[p] - 1] : normal).push(maps[i * h * w + p]);
    regions.push(...members);
  }
  const thresholds = [...new Set(Array.from(maps))].sort((a, b) => b - a);
  const points = [[0, 0]];
  for (const t of thresholds) {
    const fpr = normal.filter((v) => v >= t).length / normal.length;
    const pro = regions.reduce((s, reg) => s + reg.filter((v) => v >= t).length / reg.length, 0) / regions.length;
    points.push([fpr, pro]);
  }
  let area = 0;
  for (let k = 1; k < points.length; k++) {
    const [x0, y0] = points[k - 1];
    let [x1, y1] = points[k];
    if (x0 >= 0.3) break;
    if (x1 > 0.3) {
      y1 = y0 + ((0.3 - x0) / (x1 - x0)) * (y1 - y0);
      x1 = 0.3;
    }
    area += (x1 - x0) * (y0 + y1) / 2;
  }
  close(aupro(ranking), area / 0.3, 1e-9, 'AUPRO');
});

test('pixel metrics of 100 maps of 256 x 256 take seconds, not minutes', () => {
  const n = 100, h = 256, w = 256;
  const rng = new Rng(1);
  const maps = Float32Array.from({ length: n * h * w }, () => rng.uniform());
  const masks = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i += 2) for (let y = 100; y < 130; y++) for (let x = 40; x < 90; x++) { masks[i * h * w + y * w + x] = 1; maps[i * h * w + y * w + x] += 0.3; }
  const started = performance.now();
  const ranking = rankPixels({ maps, masks, n, h, w });
  const a = pixelAuroc(ranking);
  const p = aupro(ranking);
  const d = bestDice(ranking);
  const seconds = (performance.now() - started) / 1000;
  assert.ok(a > 0.7 && p > 0.1 && d.dice > 0.05, `${a} ${p} ${d.dice}`);
  assert.ok(seconds < 20, `took ${seconds.toFixed(1)} s`);
});
