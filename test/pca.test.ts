import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { HourglassError } from '../src/core/errors.js';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { callNative } from '../src/core/native/addon.js';
import { orthonormalizeColumns, symmetricEigen } from '../src/core/native/linalg.js';
import { decodeModelFile, encodeModelFile } from '../src/io/model-file.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { PCA } from '../src/models/pca.js';
import { fitRandomized, normalizeSigns } from '../src/models/pca-solvers.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/pca');

// ---------------------------------------------------------------------------------------
// Plain TypeScript reference: double-precision mean, covariance and a cyclic Jacobi
// eigensolver, slow but obviously right for a dozen features.

function referenceMean(x: Tensor): Float64Array {
  const [n, d] = [x.shape[0], x.data.length / x.shape[0]];
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x.data[i * d + j];
  return mean.map((v) => v / n);
}

function referenceCovariance(x: Tensor): Float64Array {
  const [n, d] = [x.shape[0], x.data.length / x.shape[0]];
  const mean = referenceMean(x);
  const c = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) c[a * d + b] += (x.data[i * d + a] - mean[a]) * (x.data[i * d + b] - mean[b]);
  return c.map((v) => v / (n - 1));
}

/** Eigenpairs of a small symmetric matrix, descending, vectors as rows. */
function jacobiEigen(matrix: Float64Array, m: number): { values: number[]; vectors: number[][] } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p * m + q] ** 2;
    if (off < 1e-26) break;
    for (let p = 0; p < m; p++)
      for (let q = p + 1; q < m; q++) {
        if (Math.abs(a[p * m + q]) < 1e-300) continue;
        const theta = (a[q * m + q] - a[p * m + p]) / (2 * a[p * m + q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p];
          const akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k];
          const aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p];
          const vkq = v[k * m + q];
          v[k * m + p] = c * vkp - s * vkq;
          v[k * m + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = [...Array(m).keys()].sort((i, j) => a[j * m + j] - a[i * m + i]);
  return { values: order.map((i) => a[i * m + i]), vectors: order.map((i) => [...Array(m).keys()].map((r) => v[r * m + i])) };
}

function randomData(rng: Rng, n: number, d: number, rank: number, noise: number): Tensor {
  const latent = Array.from({ length: n * rank }, () => rng.normal());
  const loadings = Array.from({ length: rank * d }, () => rng.normal());
  const offsets = Array.from({ length: d }, () => 3 * rng.uniform() - 1);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let v = offsets[j] + noise * rng.normal();
      for (let r = 0; r < rank; r++) v += latent[i * rank + r] * loadings[r * d + j] * (rank - r);
      data[i * d + j] = v;
    }
  return tensor([n, d], data);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, offA = 0, offB = 0, length = a.length): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += a[offA + i] * b[offB + i];
  return s;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(scale, 1e-12),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${tolerance} x ${scale})`,
    );
}

function columnVariances(z: Tensor): number[] {
  const [n, k] = z.shape;
  const out: number[] = [];
  for (let c = 0; c < k; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += z.data[i * k + c];
    mean /= n;
    let s = 0;
    for (let i = 0; i < n; i++) s += (z.data[i * k + c] - mean) ** 2;
    out.push(s / (n - 1));
  }
  return out;
}

async function expectError(fn: () => unknown, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(async () => fn(), (e: unknown) => {
    assert.ok(e instanceof HourglassError, `expected HourglassError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

// ---------------------------------------------------------------------------------------

test('full PCA matches the TypeScript reference: eigenvalues, components, projections', async () => {
  const x = randomData(new Rng(1), 80, 9, 9, 0.3);
  const pca = await new PCA({ nComponents: 4, solver: 'full' }).fit(x);
  const ref = jacobiEigen(referenceCovariance(x), 9);
  assertClose(pca.explainedVariance, ref.values.slice(0, 4), 1e-5, 'explained variance');
  const total = ref.values.reduce((a, b) => a + b, 0);
  assertClose(pca.explainedVarianceRatio, ref.values.slice(0, 4).map((v) => v / total), 1e-5, 'ratio');
  assertClose(pca.mean, referenceMean(x), 1e-6, 'mean');
  const refComponents = Float64Array.from(ref.vectors.slice(0, 4).flat());
  normalizeSigns(refComponents, 4, 9);
  assertClose(pca.components.data, refComponents, 1e-4, 'components');
  assert.deepEqual(pca.components.shape, [4, 9]);
});

test('components are orthonormal and explained variance is the variance of the projections', async () => {
  const x = randomData(new Rng(2), 200, 30, 12, 0.5);
  for (const solver of ['full', 'randomized'] as const) {
    const pca = await new PCA({ nComponents: 6, solver, seed: 3 }).fit(x);
    const w = pca.components.data;
    for (let a = 0; a < 6; a++)
      for (let b = 0; b < 6; b++) assert.ok(Math.abs(dot(w, w, a * 30, b * 30, 30) - (a === b ? 1 : 0)) < 1e-5, `${solver}: <w${a}, w${b}>`);
    const z = pca.transform(x);
    assertClose(columnVariances(z), pca.explainedVariance, 1e-4, `${solver}: projection variances`);
    // Projections onto different components are uncorrelated.
    const n = 200;
    let cross = 0;
    for (let i = 0; i < n; i++) cross += z.data[i * 6] * z.data[i * 6 + 1];
    assert.ok(Math.abs(cross / (n - 1)) < 1e-3 * pca.explainedVariance[0], `${solver}: cov(z0, z1) = ${cross / (n - 1)}`);
    for (let i = 1; i < 6; i++) assert.ok(pca.explainedVariance[i] <= pca.explainedVariance[i - 1], 'sorted');
  }
});

test('rank-k data is reconstructed exactly, and transform / inverseTransform round-trip', async () => {
  const x = randomData(new Rng(4), 100, 20, 3, 0);
  for (const solver of ['full', 'randomized'] as const) {
    const pca = await new PCA({ nComponents: 3, solver, seed: 1 }).fit(x);
    const errors = pca.reconstructionError(x);
    let variance = 0;
    for (const v of referenceCovariance(x).filter((_, i) => i % 21 === 0)) variance += v / 20;
    for (const e of errors) assert.ok(e < 1e-9 * variance, `${solver}: reconstruction error ${e} (data variance ${variance})`);
    const rebuilt = pca.inverseTransform(pca.transform(x));
    assertClose(rebuilt.data, x.data, 1e-5, `${solver}: rebuilt`);
    // Projections of a reconstruction are the projections themselves.
    const z = tensor([2, 3], new Float32Array([1.5, -2, 0.25, 0, 3, -1]));
    assertClose(pca.transform(pca.inverseTransform(z)).data, z.data, 1e-5, `${solver}: z round trip`);
  }
});

test('samples keep their shape: images are flattened and reconstructed as images', async () => {
  const flat = randomData(new Rng(5), 40, 12, 4, 0.1);
  const images = tensor([40, 1, 3, 4], flat.data);
  const pca = await new PCA({ nComponents: 4, solver: 'full' }).fit(images);
  assert.deepEqual(pca.inverseTransform(pca.transform(images)).shape, [40, 1, 3, 4]);
  const fromFlat = await new PCA({ nComponents: 4, solver: 'full' }).fit(flat);
  assert.deepEqual(pca.transform(images).data, fromFlat.transform(flat).data);
});

test('whitening gives unit-variance projections and inverts back', async () => {
  const x = randomData(new Rng(6), 150, 10, 10, 0.2);
  const pca = await new PCA({ nComponents: 5, whiten: true, solver: 'full' }).fit(x);
  const z = await pca.fitTransform(x);
  assertClose(columnVariances(z), [1, 1, 1, 1, 1], 1e-4, 'whitened variances');
  const plain = await new PCA({ nComponents: 5, solver: 'full' }).fit(x);
  assertClose(pca.inverseTransform(z).data, plain.inverseTransform(plain.transform(x)).data, 1e-4, 'whitened inverse');
});

test('constant columns: zero variance, whitening stays finite', async () => {
  const base = randomData(new Rng(7), 50, 6, 2, 0);
  for (let i = 0; i < 50; i++) base.data[i * 6 + 1] = 4;
  const pca = await new PCA({ nComponents: 4, whiten: true, solver: 'full' }).fit(base);
  const ev = pca.explainedVariance;
  assert.ok(ev[2] <= 1e-6 * ev[0] && ev[3] <= 1e-6 * ev[0], `rank-2 data: ${ev}`);
  const z = pca.transform(base);
  for (const v of z.data) assert.ok(Number.isFinite(v) && Math.abs(v) < 10, `whitened value ${v}`);
  // The constant column is reproduced exactly.
  const rebuilt = pca.inverseTransform(z);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(rebuilt.data[i * 6 + 1] - 4) < 1e-5);
  for (let c = 0; c < 2; c++) assert.ok(Math.abs(pca.components.data[c * 6 + 1]) < 1e-6, `component ${c} uses the constant column`);
});

test('full and randomized solvers agree, with either way of applying the Gram matrix', async () => {
  const x = randomData(new Rng(8), 600, 64, 20, 0.3);
  const full = await new PCA({ nComponents: 8, solver: 'full' }).fit(x);
  const randomized = await new PCA({ nComponents: 8, solver: 'randomized', seed: 11 }).fit(x);
  assert.equal(randomized.fittedSolver, 'randomized');
  assertClose(randomized.explainedVariance, full.explainedVariance, 1e-5, 'explained variance');
  for (let c = 0; c < 8; c++) {
    const cos = dot(full.components.data, randomized.components.data, c * 64, c * 64, 64);
    assert.ok(cos > 0.9999, `component ${c}: cosine ${cos}`);
  }
  const mean = Float64Array.from(full.mean);
  const data = { x: x.data, n: 600, d: 64, mean };
  const byData = fitRandomized(data, { k: 8, oversamples: 10, powerIterations: 5, seed: 2, operator: 'data' });
  const byCovariance = fitRandomized(data, { k: 8, oversamples: 10, powerIterations: 5, seed: 2, operator: 'covariance' });
  assertClose(byData.eigenvalues, byCovariance.eigenvalues, 1e-6, 'operators: eigenvalues');
  assertClose(byData.components, byCovariance.components, 1e-4, 'operators: components');
  assert.ok(Math.abs(byData.totalSumOfSquares / byCovariance.totalSumOfSquares - 1) < 1e-6, 'total sum of squares');
  // Same seed, same result.
  const again = await new PCA({ nComponents: 8, solver: 'randomized', seed: 11 }).fit(x);
  assert.deepEqual(again.components.data, randomized.components.data);
});

interface Fixture {
  n_components: number;
  x: { shape: number[]; data: number[] };
  held_out: { shape: number[]; data: number[] };
  mean: number[];
  components: { shape: number[]; data: number[] };
  explained_variance: number[];
  explained_variance_ratio: number[];
  transform: { shape: number[]; data: number[] };
  transform_whitened: { shape: number[]; data: number[] };
  inverse_transform: number[];
  fraction?: number;
  fraction_n_components?: number;
}

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
}

for (const name of ['tall', 'wide', 'constant_column']) {
  test(`matches scikit-learn: ${name}`, async () => {
    const f = fixture(name);
    const x = tensor(f.x.shape, Float32Array.from(f.x.data));
    const heldOut = tensor(f.held_out.shape, Float32Array.from(f.held_out.data));
    for (const solver of ['full', 'randomized'] as const) {
      const pca = await new PCA({ nComponents: f.n_components, solver, powerIterations: 10 }).fit(x);
      assertClose(pca.mean, f.mean, 1e-6, `${solver}: mean`);
      assertClose(pca.explainedVariance, f.explained_variance, 1e-5, `${solver}: explained variance`);
      assertClose(pca.explainedVarianceRatio, f.explained_variance_ratio, 1e-5, `${solver}: ratio`);
      assertClose(pca.components.data, f.components.data, 1e-4, `${solver}: components`);
      assertClose(pca.transform(heldOut).data, f.transform.data, 1e-4, `${solver}: transform`);
      assertClose(pca.inverseTransform(pca.transform(heldOut)).data, f.inverse_transform, 1e-5, `${solver}: inverse transform`);
      const whitened = await new PCA({ nComponents: f.n_components, solver, whiten: true, powerIterations: 10 }).fit(x);
      assertClose(whitened.transform(heldOut).data, f.transform_whitened.data, 1e-4, `${solver}: whitened transform`);
    }
    if (f.fraction !== undefined) {
      const byFraction = await new PCA({ nComponents: f.fraction }).fit(x);
      assert.equal(byFraction.nComponents, f.fraction_n_components);
      assert.equal(byFraction.fittedSolver, 'full');
    }
  });
}

test('Fashion-MNIST, k = 8 on 5,000 / 1,000 images: scikit-learn reconstruction error to 1e-4', async () => {
  const f = JSON.parse(readFileSync(path.join(FIXTURES, 'fashion_mnist_k8.json'), 'utf8')) as {
    train_limit: number;
    test_limit: number;
    explained_variance: number[];
    explained_variance_ratio: number[];
    test_mse: number;
  };
  const train = await loadFashionMnist({ split: 'train', limit: f.train_limit });
  const testSet = await loadFashionMnist({ split: 'test', limit: f.test_limit });
  for (const solver of ['full', 'randomized'] as const) {
    const pca = await new PCA({ nComponents: 8, solver, seed: 0 }).fit(train.images);
    const errors = pca.reconstructionError(testSet.images);
    let mse = 0;
    for (const e of errors) mse += e / errors.length;
    assert.ok(Math.abs(mse / f.test_mse - 1) < 1e-4, `${solver}: test MSE ${mse} vs scikit-learn ${f.test_mse}`);
    assertClose(pca.explainedVariance, f.explained_variance, 1e-5, `${solver}: explained variance`);
    assertClose(pca.explainedVarianceRatio, f.explained_variance_ratio, 1e-5, `${solver}: ratio`);
    // 5,000 rows are split between threads: the projections' variances must still add up.
    assertClose(columnVariances(pca.transform(train.images)), pca.explainedVariance, 1e-4, `${solver}: projection variances`);
  }
  // The streaming operator (one pass over the data per product) finds the same components.
  const mean = Float64Array.from((await new PCA({ nComponents: 1, solver: 'full' }).fit(train.images)).mean);
  const data = { x: train.images.data, n: f.train_limit, d: 784, mean };
  const streamed = fitRandomized(data, { k: 8, oversamples: 10, powerIterations: 7, seed: 0, operator: 'data' });
  assertClose(Array.from(streamed.eigenvalues, (v) => v / (f.train_limit - 1)), f.explained_variance, 1e-5, 'streamed: explained variance');
});

test('more features than samples: row Gram path and streamed randomized agree on larger data', async () => {
  // 800 rows of 3,000 features: enough rows for the streaming kernels to split them between threads.
  const x = randomData(new Rng(12), 800, 3000, 8, 0.05);
  const full = await new PCA({ nComponents: 5, solver: 'full' }).fit(x);
  const randomized = await new PCA({ nComponents: 5, solver: 'randomized', seed: 4 }).fit(x);
  assertClose(randomized.explainedVariance, full.explainedVariance, 1e-5, 'explained variance');
  for (let c = 0; c < 5; c++) {
    const cos = dot(full.components.data, randomized.components.data, c * 3000, c * 3000, 3000);
    assert.ok(cos > 0.9999, `component ${c}: cosine ${cos}`);
    assert.ok(Math.abs(dot(full.components.data, full.components.data, c * 3000, c * 3000, 3000) - 1) < 1e-5, `|w${c}| = 1`);
  }
});

test('model file round trip keeps every number', async () => {
  const x = randomData(new Rng(9), 60, 3 * 4, 5, 0.1);
  const images = tensor([60, 3, 4], x.data);
  const pca = await new PCA({ nComponents: 3, whiten: true, solver: 'full' }).fit(images);
  const contents = pca.toModelFile();
  assert.equal(contents.kind, 'pca');
  assert.deepEqual(contents.architecture, { features: 12, components: 3, whiten: true });
  assert.deepEqual([...contents.tensors.keys()].sort(), ['components', 'explained_variance', 'mean']);
  assert.deepEqual(contents.tensors.get('mean')!.shape, [12]);
  const loaded = PCA.fromModelFile(decodeModelFile(encodeModelFile(contents), 'memory'), 'memory');
  // Explained variance is stored as float32, so whitened projections agree to float32 precision.
  assertClose(loaded.transform(images).data, pca.transform(images).data, 1e-6, 'loaded transform');
  assert.deepEqual(loaded.components.data, pca.components.data);
  assert.deepEqual(loaded.mean, pca.mean);
  assert.deepEqual(loaded.inverseTransform(pca.transform(images)).shape, [60, 3, 4]);
  assertClose(loaded.explainedVarianceRatio, pca.explainedVarianceRatio, 1e-6, 'ratio');
  assert.equal(loaded.nComponents, 3);
  await expectError(() => PCA.fromModelFile({ ...contents, kind: 'autoencoder' }), 'MODEL_MISMATCH', /not a PCA/);
  const wrong = new Map(contents.tensors);
  wrong.set('mean', tensor([11]));
  await expectError(() => PCA.fromModelFile({ ...contents, tensors: wrong }), 'MODEL_MISMATCH', /'mean' has shape \[11\]/);
  const missing = new Map(contents.tensors);
  missing.delete('components');
  await expectError(() => PCA.fromModelFile({ ...contents, tensors: missing }), 'BAD_FILE', /'components' is missing/);
});

test('bad options and bad data give clear errors', async () => {
  for (const nComponents of [0, -1, 1.5, Number.NaN, Infinity])
    await expectError(() => new PCA({ nComponents }), 'INVALID_ARGUMENT', /nComponents must be an integer >= 1 .* or a fraction in \(0, 1\)/);
  await expectError(() => new PCA({ nComponents: 0.5, solver: 'randomized' }), 'INVALID_ARGUMENT', /fraction of the variance/);
  await expectError(() => new PCA({ nComponents: 2, solver: 'svd' as 'full' }), 'INVALID_ARGUMENT', /solver must be/);
  const x = randomData(new Rng(10), 10, 4, 2, 0.1);
  await expectError(() => new PCA({ nComponents: 5 }).fit(x), 'INVALID_ARGUMENT', /nComponents = 5 exceeds min\(samples, features\) = min\(10, 4\) = 4/);
  await expectError(() => new PCA({ nComponents: 1 }).fit(tensor([1, 4])), 'INVALID_ARGUMENT', /at least 2 samples/);
  await expectError(() => new PCA({ nComponents: 1 }).fit(tensor([4])), 'SHAPE_MISMATCH', /\[n, features\.\.\.\]/);
  const withNaN = tensor([10, 4], Float32Array.from(x.data));
  withNaN.data[2 * 4 + 3] = Number.NaN;
  withNaN.data[7 * 4 + 0] = Infinity;
  await expectError(() => new PCA({ nComponents: 2 }).fit(withNaN), 'BAD_DATA', /NaN at row 2, column 3/);
  const huge = tensor([10, 4], x.data.map((v) => v * 1e30));
  for (const solver of ['full', 'randomized'] as const)
    await expectError(() => new PCA({ nComponents: 2, solver }).fit(huge), 'BAD_DATA', /overflows float32 .* rescale the data/);
  const pca = new PCA({ nComponents: 2 });
  await expectError(() => pca.transform(x), 'INVALID_ARGUMENT', /not fitted yet/);
  await pca.fit(x);
  await expectError(() => pca.transform(tensor([3, 5])), 'SHAPE_MISMATCH', /fitted on 4 features per sample .* got 5/);
  await expectError(() => pca.inverseTransform(tensor([3, 3])), 'SHAPE_MISMATCH', /projections \[n, 2\]/);
  await expectError(() => pca.reconstructionError(tensor([3, 2, 3])), 'SHAPE_MISMATCH', /got 6/);
});

test('native entry points reject wrong calls instead of crashing', async () => {
  const a = new Float64Array(4);
  await expectError(() => callNative('symmetricEigen', a, 2, 1), 'NATIVE', /expects 5 arguments, got 3/);
  await expectError(() => callNative('symmetricEigen', new Float32Array(4), 2, 1, new Float64Array(1), new Float64Array(2)), 'NATIVE', /A must be a Float64Array/);
  await expectError(() => callNative('symmetricEigen', a, 3, 1, new Float64Array(1), new Float64Array(3)), 'NATIVE', /A has 4 elements, needs at least 9/);
  await expectError(() => callNative('symmetricEigen', a, 2, 3, new Float64Array(3), new Float64Array(6)), 'NATIVE', /k must be between 1 and m = 2/);
  await expectError(() => callNative('symmetricEigen', Float64Array.of(1, Number.NaN, 0, 1), 2, 1, new Float64Array(1), new Float64Array(2)), 'NATIVE', /not finite/);
  await expectError(() => callNative('centeredCovariance', new Float32Array(5), 2, 3, new Float64Array(3), new Float64Array(9)), 'NATIVE', /X has 5 elements, needs at least 6/);
  await expectError(() => callNative('centeredProject', new Float32Array(6), 2, 3, new Float32Array(3), new Float32Array(6), 2, new Float32Array(3)), 'NATIVE', /out has 3 elements/);
  await expectError(() => callNative('orthonormalizeColumns', new Float64Array(6), 2, 3), 'NATIVE', /at least as many rows as columns/);
  await expectError(() => callNative('dgemm', false, false, 2, 2, 2, 1, a, 1, a, 2, 0, a, 2), 'NATIVE', /lda must be at least 2/);
  await expectError(() => callNative('columnMeans', new Float32Array(4), -1, 4, new Float64Array(4)), 'NATIVE', /n must be a non-negative integer/);
  // And the typed wrappers work on a known case.
  const eig = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2, 2);
  assertClose(eig.values, [3, 1], 1e-12, 'eigenvalues');
  assert.ok(Math.abs(Math.abs(eig.vectors[0]) - Math.SQRT1_2) < 1e-12);
  const q = Float64Array.of(3, 1, 4, 1, 0, 5);
  orthonormalizeColumns(q, 3, 2);
  assert.ok(Math.abs(dot([q[0], q[2], q[4]], [q[1], q[3], q[5]])) < 1e-12);
  assert.ok(Math.abs(dot([q[0], q[2], q[4]], [q[0], q[2], q[4]]) - 1) < 1e-12);
});
