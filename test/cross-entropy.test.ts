import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { CrossEntropyLoss, checkLabels, oneHot, softmax } from '../src/train/cross-entropy.js';
import { hourglassError } from './support/data-files.js';
import { centralDifference } from './support/gradcheck.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/cross-entropy');

interface LossCase {
  name: string;
  shape: number[];
  logits: number[];
  targets: number[];
  loss: number;
  perSample: number[];
  grad: number[];
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** The textbook definition in float64, -log(exp(z_y) / sum exp(z)): fine for moderate logits. */
function referenceLoss(logits: number[][], labels: number[]): { loss: number; grad: number[][] } {
  let total = 0;
  const grad = logits.map((row, r) => {
    const e = row.map(Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    total += -Math.log(e[labels[r]] / sum);
    return e.map((v, j) => (v / sum - (j === labels[r] ? 1 : 0)) / logits.length);
  });
  return { loss: total / logits.length, grad };
}

test('cross-entropy matches PyTorch (one-hot, soft targets, logits that overflow a naive softmax)', () => {
  const cases = JSON.parse(readFileSync(path.join(fixtures, 'loss.json'), 'utf8')) as LossCase[];
  const loss = new CrossEntropyLoss();
  for (const c of cases) {
    const logits = tensor(c.shape, Float32Array.from(c.logits));
    const targets = tensor(c.shape, Float32Array.from(c.targets));
    const perSample = new Float32Array(c.shape[0]);
    const value = loss.value(logits, targets, perSample);
    assert.ok(Number.isFinite(value), `${c.name}: finite loss`);
    close([value], [c.loss], 1e-5, `${c.name} loss`);
    close(perSample, c.perSample, 1e-5, `${c.name} per-sample loss`);
    const grad = tensor(c.shape);
    loss.gradient(logits, targets, grad);
    close(grad.data, c.grad, 1e-6, `${c.name} gradient`);
  }
});

test('cross-entropy matches a plain TypeScript reference; the gradient is (softmax - onehot) / batch', () => {
  const rng = new Rng(3);
  const rows = 9;
  const classes = 6;
  const logits = Array.from({ length: rows }, () => Array.from({ length: classes }, () => rng.normal() * 3));
  const labels = Array.from({ length: rows }, () => rng.int(classes));
  const ref = referenceLoss(logits, labels);
  const z = tensor([rows, classes], Float32Array.from(logits.flat()));
  const t = oneHot(labels, classes);
  const loss = new CrossEntropyLoss();
  close([loss.value(z, t)], [ref.loss], 1e-5, 'loss');
  const grad = tensor([rows, classes]);
  loss.gradient(z, t, grad);
  close(grad.data, ref.grad.flat(), 1e-6, 'gradient');
  const p = softmax(z);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += p.data[r * classes + j];
    assert.ok(Math.abs(sum - 1) < 1e-6, `softmax row ${r} sums to ${sum}`);
  }
});

test('cross-entropy gradient agrees with central finite differences', () => {
  const rng = new Rng(11);
  const rows = 5;
  const classes = 4;
  const z = tensor([rows, classes]);
  for (let i = 0; i < z.data.length; i++) z.data[i] = rng.normal() * 2;
  // Soft targets whose rows do not sum to one exercise the general gradient softmax * sum(t) - t.
  const t = tensor([rows, classes]);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rng.uniform();
  const loss = new CrossEntropyLoss();
  const grad = tensor([rows, classes]);
  loss.gradient(z, t, grad);
  const eps = 1e-2;
  for (let i = 0; i < z.data.length; i++) {
    const numeric = centralDifference(z.data, i, eps, () => loss.value(z, t));
    assert.ok(Math.abs(numeric - grad.data[i]) < 2e-4, `d/dz[${i}]: analytic ${grad.data[i]} vs numeric ${numeric}`);
  }
});

test('labels out of range and mismatched targets fail with clear messages', () => {
  assert.throws(() => oneHot([0, 3, 10], 10), hourglassError('BAD_DATA', /label 10 of sample 2 is not a class; with 10 classes labels must be integers 0-9/));
  assert.throws(() => checkLabels([0, 1.5], 3, 'y.csv'), hourglassError('BAD_DATA', /y\.csv: label 1\.5 of sample 1/));
  assert.throws(() => checkLabels([0, -1], 3), hourglassError('BAD_DATA', /label -1 of sample 1/));
  const loss = new CrossEntropyLoss();
  assert.throws(() => loss.value(tensor([2, 3]), tensor([2, 4])), hourglassError('SHAPE_MISMATCH', /targets have shape \[2, 4\], the logits \[2, 3\].*oneHot/));
  const t = oneHot([2, 0], 3);
  assert.deepEqual(Array.from(t.data), [0, 0, 1, 1, 0, 0]);
});
