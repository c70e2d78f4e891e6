import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { ErrorMap } from '../src/apps/anomaly/error-map.js';
import { GaussianSmoother, smoothingKernel } from '../src/apps/anomaly/gaussian-smoothing.js';
import { SsimMap } from '../src/metrics/ssim.js';
import { LatentGaussian } from '../src/apps/anomaly/latent-gaussian.js';
import { normalizedScore, percentileOfSorted, quantileOf, scoreStatistics } from '../src/apps/anomaly/score-statistics.js';
import { thresholdFromNormalScores } from '../src/apps/anomaly/threshold-rule.js';
import { maxF1Threshold } from '../src/apps/anomaly/max-f1-threshold.js';
import { metricsAtThreshold } from '../src/metrics/threshold-metrics.js';

const close = (a: number, b: number, tol: number, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('mse and mae maps are the squared and absolute errors; the score is their mean', () => {
  const x = Float32Array.from([1, 2, 3, 0, 0, 0]);
  const r = Float32Array.from([1, 0, 4, 0, 0.5, 0]);
  const mse = new ErrorMap({ kind: 'mse', features: 3, imageShape: null, smoothingSigma: 1, dynamicRange: 1 });
  assert.deepEqual([...mse.compute(x, r, 2)], [0, 4, 1, 0, 0.25, 0]);
  assert.deepEqual([...mse.scores(x, r, 2)], [Math.fround(5 / 3), Math.fround(0.25 / 3)]);
  const mae = new ErrorMap({ kind: 'mae', features: 3, imageShape: null, smoothingSigma: 1, dynamicRange: 1 });
  assert.deepEqual([...mae.scores(x, r, 2)], [1, Math.fround(0.5 / 3)]);
  assert.throws(() => new ErrorMap({ kind: 'ssim', features: 3, imageShape: null, smoothingSigma: 1, dynamicRange: 1 }), /needs image samples/);
});

test('Gaussian smoothing: normalised kernel, constants stay constant at the border, mass is spread', () => {
  const k = smoothingKernel(1.5);
  close(k.reduce((a, b) => a + b, 0), 1, 1e-12);
  assert.equal(k.length, 11);
  const s = new GaussianSmoother(1.5, 6, 7);
  const flat = s.smooth(new Float32Array(2 * 42).fill(0.3), 2);
  for (const v of flat) close(v, 0.3, 1e-6, 'constant plane');
  const spike = new Float32Array(42);
  spike[3 * 7 + 3] = 1;
  const out = s.smooth(spike, 1);
  assert.ok(out[3 * 7 + 3] < 0.2 && out[3 * 7 + 3] === Math.max(...out), 'peak stays in place, lower');
  close(out[3 * 7 + 2], out[3 * 7 + 4], 1e-7, 'symmetric');
});

test('smoothed-mse counts a coherent blob of error more than the same error scattered', () => {
  const h = 12;
  const w = 12;
  const em = new ErrorMap({ kind: 'smoothed-mse', features: h * w, imageShape: [1, h, w], smoothingSigma: 1.5, dynamicRange: 1 });
  const x = new Float32Array(2 * h * w);
  const r = new Float32Array(2 * h * w);
  // Same number of wrong pixels with the same error: a 3x3 blob, and a checkerboard-ish scatter.
  for (let y = 4; y < 7; y++) for (let c = 4; c < 7; c++) x[y * w + c] = 0.5;
  const scattered = [[1, 1], [1, 9], [9, 1], [9, 9], [5, 5], [1, 5], [5, 1], [9, 5], [5, 9]];
  for (const [y, c] of scattered) x[h * w + y * w + c] = 0.5 * (((y + c) / 2) % 2 === 0 ? 1 : -1);
  const [blob, scatter] = em.scores(x, r, 2);
  assert.ok(blob > 3 * scatter, `blob ${blob} vs scattered ${scatter}`);
  const plain = new ErrorMap({ kind: 'mse', features: h * w, imageShape: [1, h, w], smoothingSigma: 1.5, dynamicRange: 1 }).scores(x, r, 2);
  close(plain[0], plain[1], 1e-9, 'plain MSE cannot tell them apart');
});

test('SSIM: 1 for identical images, lower with noise, symmetric, 1 - SSIM as the score', () => {
  const rng = new Rng(3);
  const n = 16 * 16;
  const a = Float32Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i / 7));
  const b = a.map((v) => v + 0.1 * rng.normal());
  const ssim = new SsimMap(16, 16, { dataRange: 1, border: 'same' });
  for (const v of ssim.compute(a, a, 1)) close(v, 1, 1e-6);
  const ab = ssim.compute(a, b, 1);
  const ba = ssim.compute(b, a, 1);
  ab.forEach((v, i) => close(v, ba[i], 1e-6, 'symmetric'));
  const mean = ab.reduce((s, v) => s + v, 0) / n;
  assert.ok(mean < 0.95 && mean > 0, `noisy SSIM ${mean}`);
  const em = new ErrorMap({ kind: 'ssim', features: n, imageShape: [1, 16, 16], smoothingSigma: 1, dynamicRange: 1 });
  close(em.scores(a, b, 1)[0], 1 - mean, 1e-6);
  close(em.scores(a, a, 1)[0], 0, 1e-6);
});

test('latent Gaussian: the squared Mahalanobis distance of a 2-D Gaussian', () => {
  // Codes with covariance [[4, 0], [0, 1]] around (1, -1), exactly: four points.
  const codes = Float32Array.from([3, -1, -1, -1, 1, 0, 1, -2]);
  // Sample covariance (n - 1 = 3): var x = 8/3, var y = 2/3.
  const g = LatentGaussian.fit(codes, 4, 2);
  const d = g.distances(Float32Array.from([1, -1, 3, -1, 1, 1]), 3);
  close(d[0], 0, 1e-6);
  close(d[1], 4 / (8 / 3), 1e-5);
  close(d[2], 4 / (2 / 3), 1e-5);
  // A collapsed unit (constant code) does not blow the distance up.
  const flat = LatentGaussian.fit(Float32Array.from([1, 0, 2, 0, 3, 0]), 3, 2);
  assert.ok(Number.isFinite(flat.distances(Float32Array.from([2, 0.001]), 1)[0]));
});

test('normal-score statistics: numpy percentiles, normalised score in [0, 1]', () => {
  const scores = Float32Array.from({ length: 10 }, (_, i) => i + 1);
  const stats = scoreStatistics(scores);
  close(stats.mean, 5.5, 1e-12);
  close(stats.std, Math.sqrt(8.25), 1e-12);
  // numpy.percentile([1..10], 90) = 1 + 0.9 * 9
  close(quantileOf(stats, 0.9), 9.1, 1e-9);
  close(percentileOfSorted([1, 2, 4], 0.75), 3, 1e-12);
  assert.equal(normalizedScore(stats, 0), 0);
  assert.equal(normalizedScore(stats, 1), 0);
  close(normalizedScore(stats, 5.5), 0.5, 1e-9);
  assert.equal(normalizedScore(stats, 10), 1);
  assert.equal(normalizedScore(stats, 1e9), 1);
});

test('threshold rules: contamination percentile, explicit value, z-score', () => {
  const stats = scoreStatistics(Float32Array.from({ length: 101 }, (_, i) => i));
  close(thresholdFromNormalScores({ kind: 'contamination', contamination: 0.05 }, stats), 95, 1e-9);
  assert.equal(thresholdFromNormalScores({ kind: 'value', value: 42 }, stats), 42);
  close(thresholdFromNormalScores({ kind: 'zscore', z: 2 }, stats), 50 + 2 * stats.std, 1e-9);
  assert.throws(() => thresholdFromNormalScores({ kind: 'max-f1' }, stats), /labelled validation data/);
});

test('max-F1 picks the best cut between distinct scores and refuses degenerate validation sets', () => {
  const labels = [0, 0, 0, 1, 0, 1, 1, 1];
  const scores = [0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.7, 0.9];
  const choice = maxF1Threshold(labels, scores);
  // Flagging > 0.3 catches all four anomalies with one false alarm: F1 = 8/9, the best cut.
  close(choice.f1, 8 / 9, 1e-12);
  close(choice.threshold, 0.325, 1e-12);
  close(metricsAtThreshold(labels, scores, choice.threshold).f1, choice.f1, 1e-12, 'consistent with the decision rule');
  assert.throws(() => maxF1Threshold([0, 0, 0], [1, 2, 3]), /no anomalies \(all 3 labels are 0\).*contamination, z-score or explicit-value rule/);
  assert.throws(() => maxF1Threshold([1, 1], [1, 2]), /only anomalies/);
});
