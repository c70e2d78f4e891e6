import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auroc } from '../src/metrics/auroc.js';
import { averagePrecision } from '../src/metrics/average-precision.js';
import { rocCurve } from '../src/metrics/roc-curve.js';
import { precisionRecallCurve } from '../src/metrics/precision-recall-curve.js';
import { binaryConfusionMatrix, decisionMetrics } from '../src/metrics/confusion-matrix.js';
import { flagAbove, metricsAtThreshold } from '../src/metrics/threshold-metrics.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/metrics');

interface SklearnCase {
  name: string;
  labels: number[];
  scores: number[];
  threshold: number;
  auroc: number;
  averagePrecision: number;
  precision: number;
  recall: number;
  f1: number;
  confusion: { truePositives: number; falsePositives: number; trueNegatives: number; falseNegatives: number };
}

const close = (a: number, b: number, tol = 1e-12, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('AUROC and AP by hand: scikit-learn documentation example', () => {
  // Pairs (anomaly, normal): 0.35 > 0.1, 0.35 < 0.4, 0.8 > both: 3 of 4.
  close(auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  // 0.8 flags an anomaly (P 1, R 0.5); 0.4 a normal one; 0.35 the second anomaly (P 2/3, R 1).
  close(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.5 * 1 + 0.5 * (2 / 3));
});

test('ties count one half in AUROC and form one threshold in AP', () => {
  // Anomalies 0.5 and 0.9, normals 0.5 and 0.1: (0.5 vs 0.5) = 1/2, the three other pairs = 1.
  close(auroc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1]), 3.5 / 4);
  // 0.9: P 1, R 1/2; the tied 0.5 group enters at once: P 2/3, R 1.
  close(averagePrecision([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1]), 0.5 + 0.5 * (2 / 3));
  // The order of tied samples does not matter.
  close(auroc([0, 1, 0, 1], [0.5, 0.5, 0.1, 0.9]), 3.5 / 4);
  close(averagePrecision([0, 1, 0, 1], [0.5, 0.5, 0.1, 0.9]), 0.5 + 0.5 * (2 / 3));
  // All scores equal: chance level, and AP = share of anomalies.
  close(auroc([1, 0, 0, 0], [2, 2, 2, 2]), 0.5);
  close(averagePrecision([1, 0, 0, 0], [2, 2, 2, 2]), 0.25);
  // A perfect and a reversed ranking.
  close(auroc([0, 0, 1], [1, 2, 3]), 1);
  close(auroc([0, 0, 1], [3, 2, 1]), 0);
});

test('confusion matrix and precision / recall / F1 at a threshold (score > threshold is flagged)', () => {
  const m = metricsAtThreshold([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1], 0.5);
  assert.deepEqual(m.confusion, { truePositives: 1, falsePositives: 0, trueNegatives: 2, falseNegatives: 1 });
  close(m.precision, 1);
  close(m.recall, 0.5);
  close(m.f1, 2 / 3);
  close(m.accuracy, 0.75);
  assert.deepEqual([...flagAbove([0.5, 0.50001, 0.2], 0.5)], [0, 1, 0]);
  // Nothing flagged: precision and F1 are 0 (scikit-learn's zero_division=0), not NaN.
  const none = decisionMetrics(binaryConfusionMatrix([1, 0, 1], [0, 0, 0]));
  assert.deepEqual([none.precision, none.recall, none.f1], [0, 0, 0]);
});

test('metrics agree with scikit-learn on the fixture cases', () => {
  const { cases } = JSON.parse(readFileSync(path.join(fixtures, 'sklearn.json'), 'utf8')) as { cases: SklearnCase[] };
  assert.ok(cases.length >= 5);
  for (const c of cases) {
    const scores = Float32Array.from(c.scores);
    close(auroc(c.labels, scores), c.auroc, 1e-12, `${c.name} AUROC`);
    close(averagePrecision(c.labels, scores), c.averagePrecision, 1e-12, `${c.name} AP`);
    const m = metricsAtThreshold(c.labels, scores, c.threshold);
    assert.deepEqual(m.confusion, c.confusion, c.name);
    close(m.precision, c.precision, 1e-12, `${c.name} precision`);
    close(m.recall, c.recall, 1e-12, `${c.name} recall`);
    close(m.f1, c.f1, 1e-12, `${c.name} F1`);
  }
});

test('the ROC polygon has the AUROC as its area; the PR curve ends at full recall', () => {
  const { cases } = JSON.parse(readFileSync(path.join(fixtures, 'sklearn.json'), 'utf8')) as { cases: SklearnCase[] };
  for (const c of cases) {
    const roc = rocCurve(c.labels, c.scores);
    let area = 0;
    for (let i = 1; i < roc.falsePositiveRate.length; i++)
      area += ((roc.falsePositiveRate[i] - roc.falsePositiveRate[i - 1]) * (roc.truePositiveRate[i] + roc.truePositiveRate[i - 1])) / 2;
    close(area, c.auroc, 1e-12, `${c.name} ROC area`);
    assert.equal(roc.thresholds[0], Infinity);
    assert.equal(roc.falsePositiveRate[roc.falsePositiveRate.length - 1], 1);
    const pr = precisionRecallCurve(c.labels, c.scores);
    assert.equal(pr.recall[pr.recall.length - 1], 1);
    let ap = 0;
    for (let i = 1; i < pr.recall.length; i++) ap += (pr.recall[i] - pr.recall[i - 1]) * pr.precision[i];
    close(ap, c.averagePrecision, 1e-12, `${c.name} AP from the curve`);
  }
});

test('bad inputs are errors, not NaN', () => {
  assert.throws(() => auroc([0, 0, 0], [1, 2, 3]), /AUROC is not defined when every label is normal/);
  assert.throws(() => averagePrecision([1, 1], [1, 2]), /every label is anomalous/);
  assert.throws(() => auroc([0, 1], [1, NaN]), /score 1 is NaN/);
  assert.throws(() => auroc([0, 2], [1, 2]), /label 1 is 2; labels must be 0 \(normal\) or 1 \(anomaly\)/);
  assert.throws(() => auroc([0, 1, 1], [1, 2]), /3 labels but 2 scores/);
  assert.throws(() => binaryConfusionMatrix([0, 1], [0, 0.5]), /prediction 1 is 0\.5/);
});
