import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinMaxScaler, StandardScaler, scalerFromJSON, type Scaler, type ScalerJSON } from '../src/data/scaler.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { hourglassError } from './support/data-files.js';

/** Four samples, three features; the third feature is constant. */
const X = tensor([4, 3], Float32Array.from([1, -2, 5, 3, 0, 5, 5, 4, 5, 7, 6, 5]));

function assertClose(actual: ArrayLike<number>, expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
}

test('MinMaxScaler learns min and scale as scikit-learn does, constant features included', () => {
  const s = new MinMaxScaler({ featureRange: [-1, 1] }).fit(X);
  // Feature 0: range 6, scale 2/6, min -1 - 1 * 2/6. Feature 1: range 8. Feature 2: range 0 -> 1, scale 2.
  assertClose(s.scale!, [1 / 3, 0.25, 2], 1e-15);
  assertClose(s.min!, [-4 / 3, -0.5, -11], 1e-15);
  assertClose(s.dataMin!, [1, -2, 5], 0);
  assertClose(s.dataMax!, [7, 6, 5], 0);
  assert.equal(s.features, 3);
  assert.equal(s.fitted, true);
  const y = s.transform(X);
  assert.deepEqual(y.shape, [4, 3]);
  // The same numbers scikit-learn 1.2 prints for MinMaxScaler((-1, 1)).fit_transform(X).
  assertClose(y.data, [-1, -1, -1, -1 / 3, -0.5, -1, 1 / 3, 0.5, -1, 1, 1, -1]);
  assertClose(s.inverseTransform(y).data, [1, -2, 5, 3, 0, 5, 5, 4, 5, 7, 6, 5], 1e-6);
  assert.deepEqual(Array.from(new MinMaxScaler().fitTransform(X).data.subarray(0, 3)), [0, 0, 0]);
});

test('StandardScaler: population std, constant feature keeps scale 1', () => {
  const s = new StandardScaler().fit(X);
  // Means 4, 2, 5; variances 5, 10, 0.
  assertClose(s.mean!, [4, 2, 5], 0);
  assertClose(s.std!, [Math.sqrt(5), Math.sqrt(10), 1], 1e-15);
  const y = s.transform(X);
  const a = 1 / Math.sqrt(5);
  const b = 1 / Math.sqrt(10);
  assertClose(y.data, [-3 * a, -4 * b, 0, -a, -2 * b, 0, a, 2 * b, 0, 3 * a, 4 * b, 0]);
  // scikit-learn 1.2: StandardScaler().fit_transform(X)[0] == [-1.3416408, -1.264911, 0].
  assertClose(y.data.subarray(0, 3), [-1.3416408, -1.264911, 0]);
  assertClose(s.inverseTransform(y).data, Array.from(X.data), 1e-6);
});

test('StandardScaler without mean or without std', () => {
  const noMean = new StandardScaler({ withMean: false }).fit(X);
  assertClose(noMean.transform(X).data.subarray(0, 3), [1 / Math.sqrt(5), -2 / Math.sqrt(10), 5]);
  const noStd = new StandardScaler({ withStd: false }).fit(X);
  assertClose(noStd.transform(X).data.subarray(0, 3), [-3, -4, 0]);
  assertClose(noStd.inverseTransform(noStd.transform(X)).data, Array.from(X.data));
});

test('nearly constant features count as constant (scikit-learn tolerances)', () => {
  const x = tensor([3, 2], Float32Array.from([1000.0001, 1, 1000.0001, 2, 1000.0001, 3]));
  const s = new StandardScaler().fit(x);
  assert.equal(s.std![0], 1);
  const m = new MinMaxScaler().fit(x);
  assert.equal(m.scale![0], 1);
});

test('images: one feature per pixel, any batch-first shape', () => {
  const images = tensor([2, 1, 2, 2], Float32Array.from([0, 0.5, 1, 0.2, 1, 0.5, 0, 0.6]));
  const s = new MinMaxScaler().fit(images);
  assert.equal(s.features, 4);
  const y = s.transform(images);
  assert.deepEqual(y.shape, [2, 1, 2, 2]);
  assertClose(y.data, [0, 0, 1, 0, 1, 0, 0, 1]);
  // The same pixels as a [n, 4] table are the same features.
  const flat = s.transform(tensor([1, 4], Float32Array.from([0.5, 0.5, 0.5, 0.4])));
  assertClose(flat.data, [0.5, 0, 0.5, 0.5]);
  assert.throws(() => s.transform(tensor([2, 3], new Float32Array(6))), hourglassError('SHAPE_MISMATCH', /fitted on 4 features per sample, this input has 3/));
});

test('NaN and infinity are rejected with their row and column', () => {
  const bad = tensor([3, 2], Float32Array.from([1, 2, 3, NaN, 5, 6]));
  assert.throws(() => new MinMaxScaler().fit(bad), hourglassError('BAD_DATA', /MinMaxScaler\.fit: row 1, column 1 is NaN/));
  assert.throws(() => new StandardScaler().fit(bad), hourglassError('BAD_DATA', /StandardScaler\.fit: row 1, column 1 is NaN/));
  const s = new StandardScaler().fit(tensor([2, 2], Float32Array.from([1, 2, 3, 4])));
  const inf = tensor([2, 2], Float32Array.from([1, 2, Infinity, 4]));
  assert.throws(() => s.transform(inf), hourglassError('BAD_DATA', /transform: row 1, column 0 is Infinity/));
  assert.throws(() => s.inverseTransform(inf), hourglassError('BAD_DATA', /inverseTransform: row 1, column 0 is Infinity/));
});

test('unfitted scalers, empty input and bad options are refused', () => {
  assert.throws(() => new MinMaxScaler().transform(X), hourglassError('INVALID_ARGUMENT', /not fitted; call fit\(\) first/));
  assert.throws(() => new StandardScaler().inverseTransform(X), hourglassError('INVALID_ARGUMENT', /not fitted/));
  assert.throws(() => new StandardScaler().toJSON(), hourglassError('INVALID_ARGUMENT', /not fitted/));
  assert.equal(new StandardScaler().fitted, false);
  assert.throws(() => new MinMaxScaler().fit(tensor([0, 3])), hourglassError('INVALID_ARGUMENT', /0 samples/));
  assert.throws(() => new MinMaxScaler({ featureRange: [1, 1] }), hourglassError('INVALID_ARGUMENT', /min < max/));
});

test('transform into a given output, in place included', () => {
  const s = new StandardScaler().fit(X);
  const expected = Array.from(s.transform(X).data);
  const copy = tensor(X.shape, X.data.slice());
  const same = s.transform(copy, copy);
  assert.equal(same, copy);
  assert.deepEqual(Array.from(copy.data), expected);
  assert.throws(() => s.transform(X, tensor([2, 3])), hourglassError('INVALID_ARGUMENT', /out holds 6 values/));
});

test('toJSON / scalerFromJSON round trip through JSON text', () => {
  const scalers: Scaler[] = [new MinMaxScaler({ featureRange: [-1, 1] }).fit(X), new StandardScaler({ withMean: false }).fit(X)];
  const probe = tensor([2, 3], Float32Array.from([0.3, 9, -4, 2, 2, 5]));
  for (const s of scalers) {
    const json = JSON.parse(JSON.stringify(s));
    assert.ok(Object.values(json).every((v) => typeof v !== 'object' || Array.isArray(v)), 'plain arrays only');
    const back = scalerFromJSON(json as ScalerJSON);
    assert.equal(back.kind, s.kind);
    assert.deepEqual(Array.from(back.transform(probe).data), Array.from(s.transform(probe).data));
    assert.deepEqual(back.toJSON(), s.toJSON());
  }
  assert.equal(scalerFromJSON(null), null);
});

test('scalerFromJSON rejects malformed descriptions', () => {
  const good = new StandardScaler().fit(X).toJSON();
  const cases: [unknown, RegExp][] = [
    ['text', /expected an object or null/],
    [{ kind: 'robust' }, /unknown kind "robust"/],
    [{ ...good, std: [1, 2] }, /'std' has 2 values, expected 3/],
    [{ ...good, mean: [1, 'x', 3] }, /'mean' must be an array of finite numbers/],
    [{ ...good, std: [1, 0, 1] }, /'std' must be positive/],
    [{ ...good, withMean: 'yes' }, /must be booleans/],
    [{ ...new MinMaxScaler().fit(X).toJSON(), scale: [1, 0, 1] }, /'scale' contains 0/],
    [{ ...new MinMaxScaler().fit(X).toJSON(), featureRange: [1] }, /featureRange/],
  ];
  for (const [json, pattern] of cases) assert.throws(() => scalerFromJSON(json), hourglassError('BAD_FILE', pattern));
});

test('60000 x 784 fit + transform is fast', () => {
  const n = 60000;
  const f = 784;
  const data = new Float32Array(n * f);
  for (let i = 0; i < data.length; i++) data[i] = (i % 251) / 250;
  const x = tensor([n, 1, 28, 28], data);
  for (const s of [new MinMaxScaler(), new StandardScaler()]) {
    const start = performance.now();
    const y = s.fit(x).transform(x);
    const ms = performance.now() - start;
    assert.deepEqual(y.shape, [n, 1, 28, 28]);
    // Generous on a shared machine; typically a few hundred milliseconds.
    assert.ok(ms < 3000, `${s.kind} fit + transform took ${ms.toFixed(0)} ms`);
  }
});
