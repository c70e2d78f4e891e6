import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { balancedSample } from '../src/data/balanced-sample.js';
import { hourglassError } from './support/data-files.js';

/** 1000 labels in 10 classes of unequal sizes (class 9 has only 12 members). */
function skewedLabels(): Uint8Array {
  const rng = new Rng(5);
  const labels = new Uint8Array(1000);
  for (let i = 0; i < labels.length; i++) labels[i] = i < 12 ? 9 : rng.int(9);
  return rng.shuffle(labels);
}

function counts(labels: ArrayLike<number>, indices: Uint32Array, classes: number): number[] {
  const c = new Array<number>(classes).fill(0);
  for (const i of indices) c[labels[i]]++;
  return c;
}

test('a class-balanced sample has count / classes of each class, the remainder spread one each', () => {
  const labels = skewedLabels();
  const idx = balancedSample(labels, 100, { classes: 10, seed: 1 });
  assert.equal(idx.length, 100);
  assert.deepEqual(counts(labels, idx, 10), new Array(10).fill(10));
  assert.equal(new Set(idx).size, 100, 'no sample twice');
  assert.ok(idx.every((v, i) => i === 0 || idx[i - 1] < v), 'ascending');
  const odd = counts(labels, balancedSample(labels, 47, { classes: 10, seed: 2 }), 10);
  assert.equal(odd.reduce((a, b) => a + b, 0), 47);
  assert.ok(odd.every((c) => c === 4 || c === 5), `counts ${odd}`);
});

test('a class with too few samples gives its share to the others', () => {
  const labels = skewedLabels();
  const c = counts(labels, balancedSample(labels, 200, { classes: 10, seed: 3 }), 10);
  assert.equal(c[9], 12);
  assert.equal(c.reduce((a, b) => a + b, 0), 200);
  assert.ok(c.slice(0, 9).every((v) => v === 20 || v === 21), `counts ${c}`);
});

test('the sample depends only on the seed', () => {
  const labels = skewedLabels();
  assert.deepEqual(balancedSample(labels, 50, { classes: 10, seed: 7 }), balancedSample(labels, 50, { classes: 10, seed: 7 }));
  assert.notDeepEqual(balancedSample(labels, 50, { classes: 10, seed: 7 }), balancedSample(labels, 50, { classes: 10, seed: 8 }));
});

test('fewer samples than classes, more than the data holds, or a bad label: clear errors', () => {
  const labels = skewedLabels();
  assert.throws(() => balancedSample(labels, 5, { classes: 10 }), hourglassError('INVALID_ARGUMENT', /5 labelled samples for 10 classes.*at least one per class/));
  assert.throws(() => balancedSample(labels, 1001, { classes: 10 }), hourglassError('INVALID_ARGUMENT', /asked for 1001 labelled samples but the data has only 1000/));
  assert.throws(() => balancedSample([0, 1, 7], 2, { classes: 2 }), hourglassError('INVALID_ARGUMENT', /label 7 of sample 2 is not a class 0-1/));
});
