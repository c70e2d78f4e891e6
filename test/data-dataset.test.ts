import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitValidation, subset } from '../src/data/dataset.js';
import { Rng } from '../src/core/rng.js';
import { tensor } from '../src/core/tensor.js';
import { hourglassError } from './support/data-files.js';

/** Row i holds [i, 100 + i], so every output row says where it came from. */
function rows(n: number) {
  return tensor([n, 2], Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 ? 100 : 0) + Math.floor(k / 2)));
}

test('splitValidation holds out round(n * fraction) rows, disjoint and complete', () => {
  const x = rows(10);
  const split = splitValidation(x, 0.3, new Rng(7));
  assert.deepEqual(split.validation.shape, [3, 2]);
  assert.deepEqual(split.train.shape, [7, 2]);
  const all = [...split.trainIndices, ...split.validationIndices].sort((a, b) => a - b);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const [part, indices] of [[split.train, split.trainIndices], [split.validation, split.validationIndices]] as const) {
    assert.deepEqual([...indices], [...indices].sort((a, b) => a - b));
    indices.forEach((row, i) => {
      assert.equal(part.data[2 * i], row);
      assert.equal(part.data[2 * i + 1], 100 + row);
    });
  }
});

test('splitValidation depends only on the seed', () => {
  const x = rows(1000);
  const a = splitValidation(x, 0.2, new Rng(1));
  const b = splitValidation(x, 0.2, new Rng(1));
  const c = splitValidation(x, 0.2, new Rng(2));
  assert.deepEqual(a.validationIndices, b.validationIndices);
  assert.notDeepEqual(a.validationIndices, c.validationIndices);
  assert.equal(a.validationIndices.length, 200);
  // Not simply the first or last rows.
  assert.ok(a.validationIndices[0] < 100 && a.validationIndices[199] > 900);
});

test('splitValidation edge cases', () => {
  const none = splitValidation(rows(5), 0, new Rng(0));
  assert.deepEqual(none.validation.shape, [0, 2]);
  assert.deepEqual(none.train.shape, [5, 2]);
  const tiny = splitValidation(rows(2), 0.1, new Rng(0));
  assert.equal(tiny.validation.shape[0], 1);
  assert.equal(tiny.train.shape[0], 1);
  const most = splitValidation(rows(3), 0.99, new Rng(0));
  assert.equal(most.train.shape[0], 1);
  const images = splitValidation(tensor([4, 1, 2, 2], new Float32Array(16)), 0.5, new Rng(0));
  assert.deepEqual(images.validation.shape, [2, 1, 2, 2]);
  for (const bad of [1, -0.1, NaN])
    assert.throws(() => splitValidation(rows(4), bad, new Rng(0)), hourglassError('INVALID_ARGUMENT', /fraction must be in \[0, 1\)/));
});

test('subset gathers rows in the given order and checks indices', () => {
  const s = subset(rows(5), [4, 0, 4]);
  assert.deepEqual(s.shape, [3, 2]);
  assert.deepEqual(Array.from(s.data), [4, 104, 0, 100, 4, 104]);
  assert.deepEqual(subset(rows(5), []).shape, [0, 2]);
  assert.throws(() => subset(rows(5), [1, 5]), hourglassError('INVALID_ARGUMENT', /index 5 \(position 1\) is out of range for 5 samples/));
  assert.throws(() => subset(rows(5), [1.5]), hourglassError('INVALID_ARGUMENT', /index 1\.5/));
});
