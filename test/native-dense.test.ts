import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { HourglassError } from '../src/core/errors.js';
import { addon } from '../src/core/native/addon.js';
import * as dense from '../src/core/native/dense.js';
import {
  activationBackward,
  activationForward,
  adamStep,
  adamStepAll,
  biasAdd,
  biasGrad,
  lossBackward,
  lossForward,
  sgdStep,
  type ActivationKind,
  type LossKind,
} from '../src/core/native/dense.js';
import { gemm } from '../src/core/native/gemm.js';

// Sizes above this use the OpenMP path of the kernels (native/src/parallel.h).
const PARALLEL = 1 << 16;
const fround = Math.fround;

function normals(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

function uniforms(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

/** Asserts |actual - expected| <= rel * scale + abs element-wise, scale defaulting to |expected|. */
function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rel = 0, abs = 0, scale }: { rel?: number; abs?: number; scale?: ArrayLike<number> },
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const tolerance = rel * (scale ? scale[i] : Math.abs(e)) + abs;
    if (!(Math.abs(a - e) <= tolerance))
      assert.fail(`${label}: element ${i} is ${a}, expected ${e} (tolerance ${tolerance})`);
  }
}

function assertExact(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assertClose(actual, expected, {}, label);
}

function assertSameBits(a: Float32Array, b: Float32Array, label: string): void {
  assert.deepEqual(new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length), label);
}

// ---------------------------------------------------------------- gemm (float32: sgemm)

/** The positional form of the native sgemm, through the one TypeScript gemm. */
function sgemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
): void {
  gemm({ a, b, c, m, n, k, transA, transB, alpha, beta, lda, ldb, ldc });
}

function referenceGemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number,
): { value: Float64Array; scale: Float64Array } {
  const value = Float64Array.from(C);
  const scale = new Float64Array(C.length);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let sum = 0;
      let magnitude = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * lda + i] : A[i * lda + k];
        const b = transB ? B[j * ldb + k] : B[k * ldb + j];
        sum += a * b;
        magnitude += Math.abs(a * b);
      }
      const c = C[i * ldc + j];
      value[i * ldc + j] = alpha * sum + (beta === 0 ? 0 : beta * c);
      scale[i * ldc + j] = Math.abs(alpha) * magnitude + Math.abs(beta * c);
    }
  return { value, scale };
}

test('sgemm matches a reference on random shapes, transposes, strides and scalars', () => {
  const rng = new Rng(11);
  const cases: [boolean, boolean, number, number, number, number, number, number, number, number][] = [];
  // transA, transB, M, N, K, alpha, beta, extra lda, extra ldb, extra ldc
  for (const ta of [false, true]) for (const tb of [false, true]) cases.push([ta, tb, 1, 1, 1, 1, 0, 0, 0, 0]);
  for (let c = 0; c < 24; c++)
    cases.push([
      rng.uniform() < 0.5, rng.uniform() < 0.5,
      1 + rng.int(37), 1 + rng.int(37), 1 + rng.int(37),
      [1, 0.5, -2][rng.int(3)], [0, 1, 0.3][rng.int(3)],
      rng.int(4), rng.int(4), rng.int(4),
    ]);
  cases.push([false, true, 64, 200, 96, 1, 0, 0, 0, 0], [true, false, 96, 80, 256, 0.25, 1, 3, 0, 5]);
  for (const [transA, transB, M, N, K, alpha, beta, xa, xb, xc] of cases) {
    const lda = (transA ? M : K) + xa;
    const ldb = (transB ? K : N) + xb;
    const ldc = N + xc;
    const A = normals(rng, ((transA ? K : M) - 1) * lda + (transA ? M : K));
    const B = normals(rng, ((transB ? N : K) - 1) * ldb + (transB ? K : N));
    const C = normals(rng, (M - 1) * ldc + N);
    const { value, scale } = referenceGemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    const before = C.slice();
    sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    const label = `sgemm ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} M=${M} N=${N} K=${K} alpha=${alpha} beta=${beta} ld=${lda},${ldb},${ldc}`;
    for (let i = 0; i < M; i++)
      for (let j = N; j < ldc && i * ldc + j < C.length; j++)
        assert.equal(C[i * ldc + j], before[i * ldc + j], `${label}: padding column ${j} of row ${i} was written`);
    assertClose(C, value, { rel: 1e-5, abs: 1e-6, scale }, label);
  }
});

test('sgemm with K = 0 scales C by beta, with M = 0 does nothing, with beta = 0 ignores NaN in C', () => {
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    const C = new Float32Array([1, 2, 3, 4, 5, 6]);
    sgemm(transA, transB, 2, 3, 0, 1, new Float32Array(0), transA ? 2 : 1, new Float32Array(0), transB ? 1 : 3, 0.5, C, 3);
    assertExact(C, [0.5, 1, 1.5, 2, 2.5, 3], `K = 0, transA=${transA} transB=${transB}`);
    sgemm(transA, transB, 2, 3, 0, 1, new Float32Array(0), transA ? 2 : 1, new Float32Array(0), transB ? 1 : 3, 0, C, 3);
    assertExact(C, [0, 0, 0, 0, 0, 0], `K = 0, beta = 0, transA=${transA} transB=${transB}`);
  }
  const C = new Float32Array([1, 2, 3]);
  sgemm(false, false, 0, 3, 2, 1, new Float32Array(0), 2, new Float32Array(6), 3, 0, C, 3);
  assertExact(C, [1, 2, 3], 'M = 0');
  const D = new Float32Array([NaN, 2, Infinity, 4]);
  sgemm(false, false, 2, 2, 1, 1, new Float32Array([1, 2]), 1, new Float32Array([3, 4]), 2, 0, D, 2);
  assertExact(D, [3, 4, 6, 8], 'beta = 0');
});

// ---------------------------------------------------------------- bias

test('biasAdd adds the bias to every row (exactly one float add per element)', () => {
  const rng = new Rng(2);
  for (const [rows, cols] of [[1, 1], [3, 7], [17, 130], [256, 784], [0, 4], [4, 0]]) {
    const y = normals(rng, rows * cols + 3);
    const bias = normals(rng, cols);
    const expected = y.slice();
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[r * cols + c] = fround(y[r * cols + c] + bias[c]);
    biasAdd(y, bias, rows, cols);
    assertExact(y, expected, `biasAdd ${rows}x${cols} (the 3 trailing elements must be untouched)`);
  }
});

test('biasGrad sums columns in double, overwrites dbias and is deterministic', () => {
  const rng = new Rng(3);
  for (const [rows, cols] of [[1, 1], [5, 3], [1000, 130], [300, 1], [2, 700], [0, 5], [600, 257]]) {
    const dy = normals(rng, rows * cols);
    const expected = new Float32Array(cols);
    for (let c = 0; c < cols; c++) {
      let sum = 0; // rows in order, as the kernel does: same double rounding, same float result
      for (let r = 0; r < rows; r++) sum += dy[r * cols + c];
      expected[c] = sum;
    }
    const dbias = new Float32Array(cols).fill(123);
    biasGrad(dy, rows, cols, dbias);
    assertExact(dbias, expected, `biasGrad ${rows}x${cols}`);
    const again = new Float32Array(cols);
    biasGrad(dy, rows, cols, again);
    assertSameBits(again, dbias, `biasGrad ${rows}x${cols} twice`);
  }
});

// ---------------------------------------------------------------- activations

const ACTIVATIONS: ActivationKind[] = ['relu', 'leaky_relu', 'sigmoid', 'tanh'];

function referenceActivation(kind: ActivationKind, x: number, alpha: number): number {
  switch (kind) {
    case 'relu': return x < 0 ? 0 : x;
    case 'leaky_relu': return x < 0 ? fround(x * fround(alpha)) : x;
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'tanh': return Math.tanh(x);
  }
}

function referenceActivationGrad(kind: ActivationKind, y: number, dy: number, alpha: number): number {
  switch (kind) {
    case 'relu': return y > 0 ? dy : 0;
    case 'leaky_relu': return y > 0 ? dy : fround(dy * fround(alpha));
    case 'sigmoid': return dy * (1 - y) * y;
    case 'tanh': return dy * (1 - y * y);
  }
}

const SPECIAL = [0, -0, 1e-6, -1e-6, 1e-30, -3e-3, 0.5, -0.5, 9, -9, 17, -17, 20, -20, 88, -88, 100, -100, 1e30, -1e30];

test('activationForward matches the reference for every kind, size and in place', () => {
  const rng = new Rng(4);
  for (const kind of ACTIVATIONS)
    for (const alpha of kind === 'leaky_relu' ? [0.01, 0.2, 0] : [0.01]) {
      for (const n of alpha === 0 ? [1, 7, 1000] : [1, 7, 1000, PARALLEL + 37]) {
        const x = normals(rng, n, 4);
        if (n >= SPECIAL.length) x.set(SPECIAL);
        const expected = Float64Array.from(x, (v) => referenceActivation(kind, v, alpha));
        const y = new Float32Array(n);
        activationForward(kind, x, y, n, alpha);
        // A few ulp, also for sigmoid's denormal results far in the negative tail (ulp 1.4e-45).
        const label = `${kind}(alpha=${alpha}) n=${n}`;
        const exact = kind === 'relu' || kind === 'leaky_relu';
        assertClose(y, expected, exact ? {} : { rel: 4e-7, abs: 5e-45 }, label);
        if (kind === 'tanh')
          for (let i = 0; i < n; i++) if (x[i] === 0) assert.equal(Object.is(y[i], -0), Object.is(x[i], -0), `${label}: tanh(±0)`);
        const inPlace = x.slice();
        activationForward(kind, inPlace, inPlace, n, alpha);
        assertSameBits(inPlace, y, `${label} in place`);
      }
    }
});

test('activations let NaN through and saturate cleanly', () => {
  for (const kind of ACTIVATIONS) {
    const y = new Float32Array(3);
    activationForward(kind, new Float32Array([NaN, Infinity, -Infinity]), y, 3, 0.1);
    assert.ok(Number.isNaN(y[0]), `${kind}(NaN) is NaN`);
    if (kind === 'sigmoid') assert.deepEqual([y[1], y[2]], [1, 0]);
    if (kind === 'tanh') assert.deepEqual([y[1], y[2]], [1, -1]);
  }
});

test('activationBackward uses the forward output, for every kind, size and in place', () => {
  const rng = new Rng(5);
  for (const kind of ACTIVATIONS)
    for (const alpha of kind === 'leaky_relu' ? [0.01, 0.3] : [0]) {
      for (const n of [1, 9, 4099, PARALLEL + 5]) {
        const x = normals(rng, n, 3);
        const y = new Float32Array(n);
        activationForward(kind, x, y, n, alpha);
        if (kind.endsWith('relu')) y[0] = 0; // derivative at the kink is taken as the left one, as torch
        const dy = normals(rng, n);
        const expected = Float64Array.from(y, (v, i) => referenceActivationGrad(kind, v, dy[i], alpha));
        const dx = new Float32Array(n).fill(NaN);
        activationBackward(kind, y, dy, dx, n, alpha);
        const label = `${kind}' (alpha=${alpha}) n=${n}`;
        // 1 - y^2 cancels near |y| = 1: allow the rounding of y^2 (~1e-7) times |dy| on top of a few ulp.
        const scale = Float64Array.from(expected, (e, i) => Math.abs(e) + 0.2 * Math.abs(dy[i]));
        assertClose(dx, expected, kind.endsWith('relu') ? {} : { rel: 1e-6, abs: 1e-12, scale }, label);
        activationBackward(kind, y, dy, dy, n, alpha);
        assertSameBits(dy, dx, `${label} in place`);
      }
    }
});

test('activation derivatives agree with finite differences of the forward pass', () => {
  const rng = new Rng(6);
  const n = 64;
  for (const kind of ACTIVATIONS) {
    const x = normals(rng, n, 2);
    for (let i = 0; i < n; i++) if (Math.abs(x[i]) < 0.05) x[i] = 0.5; // keep away from the relu kink
    const y = new Float32Array(n);
    activationForward(kind, x, y, n, 0.1);
    const dx = new Float32Array(n);
    activationBackward(kind, y, new Float32Array(n).fill(1), dx, n, 0.1);
    const h = 1e-2;
    const plus = new Float32Array(n);
    const minus = new Float32Array(n);
    activationForward(kind, x.map((v) => v + h), plus, n, 0.1);
    activationForward(kind, x.map((v) => v - h), minus, n, 0.1);
    const numeric = Array.from(plus, (p, i) => (p - minus[i]) / (2 * h));
    assertClose(dx, numeric, { rel: 1e-2, abs: 1e-3 }, `${kind} finite differences`);
  }
});

// ---------------------------------------------------------------- optimizers

interface AdamOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number }

/** torch.optim.Adam's update written out in double from its documentation. */
function referenceAdam(param: Float64Array, grad: Float32Array, m: Float64Array, v: Float64Array, o: AdamOptions, step: number): void {
  const bc1 = 1 - o.beta1 ** step;
  const bc2 = 1 - o.beta2 ** step;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] + o.weightDecay * param[i];
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    param[i] -= (o.lr / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps);
  }
}

test('adamStep follows torch.optim.Adam over several steps', () => {
  const rng = new Rng(7);
  const settings: AdamOptions[] = [
    { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    { lr: 3e-3, beta1: 0.5, beta2: 0.9, eps: 1e-3, weightDecay: 0.05 },
  ];
  for (const o of settings)
    for (const n of [1, 33, PARALLEL + 11]) {
      const param = normals(rng, n);
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      const refParam = Float64Array.from(param);
      const refM = new Float64Array(n);
      const refV = new Float64Array(n);
      for (let step = 1; step <= 6; step++) {
        const grad = normals(rng, n, step === 3 ? 1e-3 : 1); // a step of small gradients exercises eps
        adamStep(param, grad, m, v, n, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, step);
        referenceAdam(refParam, grad, refM, refV, o, step);
        const label = `adam lr=${o.lr} wd=${o.weightDecay} n=${n} step ${step}`;
        // float32 state: a few ulp of the parameter plus a small fraction of one update
        assertClose(param, refParam, { rel: 1e-6, abs: 1e-4 * o.lr }, `${label} param`);
        assertClose(m, refM, { rel: 1e-5, abs: 1e-6 }, `${label} m`);
        assertClose(v, refV, { rel: 1e-5, abs: 1e-9 }, `${label} v`);
      }
    }
});

interface SgdOptions { lr: number; momentum: number; weightDecay: number; nesterov: boolean }

function referenceSgd(param: Float64Array, grad: Float32Array, buf: Float64Array, o: SgdOptions, firstStep: boolean): void {
  for (let i = 0; i < param.length; i++) {
    let g = grad[i] + o.weightDecay * param[i];
    if (o.momentum !== 0) {
      buf[i] = firstStep ? g : o.momentum * buf[i] + g;
      g = o.nesterov ? g + o.momentum * buf[i] : buf[i];
    }
    param[i] -= o.lr * g;
  }
}

test('sgdStep follows torch.optim.SGD with and without momentum, nesterov and weight decay', () => {
  const rng = new Rng(8);
  const settings: SgdOptions[] = [
    { lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false },
    { lr: 0.05, momentum: 0, weightDecay: 0.01, nesterov: false },
    { lr: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false },
    { lr: 0.02, momentum: 0.8, weightDecay: 1e-3, nesterov: true },
  ];
  for (const o of settings)
    for (const n of [1, 19, PARALLEL + 3]) {
      const param = normals(rng, n);
      // Garbage in the buffer: the first step must ignore it, as torch starts from a copy of g.
      const velocity = o.momentum === 0 ? new Float32Array(0) : new Float32Array(n).fill(7);
      const refParam = Float64Array.from(param);
      const refBuf = new Float64Array(n);
      for (let step = 1; step <= 5; step++) {
        const grad = normals(rng, n);
        sgdStep(param, grad, velocity, n, o.lr, o.momentum, o.weightDecay, o.nesterov, step === 1);
        referenceSgd(refParam, grad, refBuf, o, step === 1);
        const label = `sgd ${JSON.stringify(o)} n=${n} step ${step}`;
        assertClose(param, refParam, { rel: 1e-6, abs: 1e-5 * o.lr }, `${label} param`);
        if (o.momentum !== 0) assertClose(velocity, refBuf, { rel: 1e-5, abs: 1e-6 }, `${label} velocity`);
      }
    }
});

// ---------------------------------------------------------------- losses

const LOSSES: LossKind[] = ['mse', 'bce', 'mae'];

function referenceTerm(kind: LossKind, p: number, t: number): number {
  switch (kind) {
    case 'mse': return (p - t) ** 2;
    case 'mae': return Math.abs(p - t);
    case 'bce': return -(t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log(1 - p), -100));
  }
}

function referenceLoss(kind: LossKind, pred: Float32Array, target: Float32Array, rows: number, cols: number) {
  const perSample = new Float64Array(rows);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += referenceTerm(kind, pred[r * cols + c], target[r * cols + c]);
    perSample[r] = sum / cols;
    total += sum;
  }
  return { mean: total / (rows * cols), perSample };
}

function lossInputs(rng: Rng, kind: LossKind, n: number): { pred: Float32Array; target: Float32Array } {
  if (kind === 'bce') return { pred: uniforms(rng, n, 0, 1), target: uniforms(rng, n, 0, 1) };
  return { pred: normals(rng, n), target: normals(rng, n) };
}

test('lossForward matches the reference mean and per-sample means', () => {
  const rng = new Rng(9);
  for (const kind of LOSSES)
    for (const [rows, cols] of [[1, 1], [3, 5], [7, 513], [2, 1030], [300, 300]]) {
      const { pred, target } = lossInputs(rng, kind, rows * cols);
      const expected = referenceLoss(kind, pred, target, rows, cols);
      const perSample = new Float32Array(rows + 2).fill(-1);
      const mean = lossForward(kind, pred, target, rows, cols, perSample);
      const label = `${kind} ${rows}x${cols}`;
      assertClose([mean], [expected.mean], { rel: 1e-6 }, `${label} mean`);
      assertClose(perSample.subarray(0, rows), expected.perSample, { rel: 1e-6 }, `${label} per sample`);
      assert.deepEqual(Array.from(perSample.subarray(rows)), [-1, -1], `${label}: perSample beyond rows untouched`);
      assert.equal(lossForward(kind, pred, target, rows, cols, null), mean, `${label} without perSample`);
    }
});

test('lossForward is bit-for-bit deterministic on a large batch', () => {
  const rng = new Rng(10);
  for (const kind of LOSSES) {
    const { pred, target } = lossInputs(rng, kind, 256 * 784);
    const a = new Float32Array(256);
    const b = new Float32Array(256);
    const first = lossForward(kind, pred, target, 256, 784, a);
    for (let i = 0; i < 3; i++) assert.equal(lossForward(kind, pred, target, 256, 784, b), first, `${kind} run ${i}`);
    assertSameBits(a, b, `${kind} per sample`);
  }
});

test('bce clamps each log at -100, rejects predictions outside [0, 1] and lets NaN through', () => {
  // p = 1e-40 is a denormal whose log (-92.1) is above the clamp; log(1e-45) = -103 is clamped.
  const pred = new Float32Array([0, 0, 1, 1, 0, 1e-40, 1e-45]);
  const target = new Float32Array([0, 1, 1, 0, 0.5, 1, 1]);
  const perSample = new Float32Array(7);
  const mean = lossForward('bce', pred, target, 7, 1, perSample);
  const tiny = -Math.log(fround(1e-40));
  assertClose(perSample, [0, 100, 0, 100, 50, tiny, 100], { rel: 1e-6 }, 'bce clamped terms');
  assertClose([mean], [(350 + tiny) / 7], { rel: 1e-6 }, 'bce clamped mean');
  for (const bad of [1.5, -0.25])
    assert.throws(() => lossForward('bce', new Float32Array([0.5, bad]), new Float32Array(2), 1, 2, null), /\[0, 1\]/);
  assert.ok(Number.isNaN(lossForward('bce', new Float32Array([0.5, NaN]), new Float32Array(2), 1, 2, null)));
  assert.ok(Number.isNaN(lossForward('mse', new Float32Array([NaN]), new Float32Array(1), 1, 1, null)));
  assert.ok(Number.isNaN(lossForward('mse', new Float32Array(0), new Float32Array(0), 0, 3, null)), 'mean of nothing');
});

function referenceLossGrad(kind: LossKind, p: number, t: number, n: number): number {
  switch (kind) {
    case 'mse': return (2 * (p - t)) / n;
    case 'mae': return Math.sign(p - t) / n;
    case 'bce': return (p - t) / (Math.max(p * (1 - p), fround(1e-12)) * n);
  }
}

test('lossBackward matches the reference gradient of the mean, in place too', () => {
  const rng = new Rng(12);
  for (const kind of LOSSES)
    for (const n of [1, 6, 1001, PARALLEL + 9]) {
      const { pred, target } = lossInputs(rng, kind, n);
      pred[0] = target[0]; // mae: sign(0) = 0
      if (kind === 'bce' && n > 2) [pred[1], pred[2]] = [0, 1]; // the 1e-12 floor of torch
      const expected = Float64Array.from(pred, (p, i) => referenceLossGrad(kind, p, target[i], n));
      const grad = new Float32Array(n).fill(NaN);
      lossBackward(kind, pred, target, n, grad);
      const label = `${kind}' n=${n}`;
      assertClose(grad, expected, { rel: 1e-6, abs: 1e-30 }, label);
      if (kind === 'mae') assert.equal(grad[0], 0, 'mae gradient at p == t');
      lossBackward(kind, pred, target, n, pred);
      assertSameBits(pred, grad, `${label} in place`);
    }
});

test('loss gradients agree with finite differences of lossForward', () => {
  const rng = new Rng(13);
  const rows = 3;
  const cols = 4;
  const n = rows * cols;
  for (const kind of LOSSES) {
    const pred = kind === 'bce' ? uniforms(rng, n, 0.2, 0.8) : normals(rng, n);
    const target = kind === 'bce' ? uniforms(rng, n, 0, 1) : normals(rng, n);
    if (kind === 'mae') for (let i = 0; i < n; i++) if (Math.abs(pred[i] - target[i]) < 0.05) pred[i] += 0.1;
    const grad = new Float32Array(n);
    lossBackward(kind, pred, target, n, grad);
    const numeric: number[] = [];
    for (let i = 0; i < n; i++) {
      const original = pred[i];
      pred[i] = original + 1e-2;
      const up = pred[i];
      const lossUp = lossForward(kind, pred, target, rows, cols, null);
      pred[i] = original - 1e-2;
      const down = pred[i];
      const lossDown = lossForward(kind, pred, target, rows, cols, null);
      pred[i] = original;
      numeric.push((lossUp - lossDown) / (up - down));
    }
    assertClose(grad, numeric, { rel: 1e-2, abs: 1e-5 }, `${kind} finite differences`);
  }
});

// ---------------------------------------------------------------- crash safety

type Slot = 'array' | 'optionalArray' | 'dim' | 'positive' | 'number' | 'flag' | 'kind';
/** nativeOnly: the addon's positional entry point has no positional TypeScript wrapper (sgemm is reached through gemm). */
interface Signature { name: string; slots: Slot[]; valid: () => unknown[]; nativeOnly?: boolean }

const wrapper = (name: string) => (dense as unknown as Record<string, (...args: unknown[]) => unknown>)[name];

const f32 = (n: number): Float32Array => new Float32Array(n).fill(0.5);

/** A valid call of every wrapper with arrays of exactly the needed length. */
const SIGNATURES: Signature[] = [
  {
    name: 'sgemm',
    slots: ['flag', 'flag', 'dim', 'dim', 'dim', 'number', 'array', 'dim', 'array', 'dim', 'number', 'array', 'dim'],
    valid: () => [false, true, 2, 3, 4, 1, f32(8), 4, f32(12), 4, 0, f32(6), 3],
    nativeOnly: true,
  },
  { name: 'biasAdd', slots: ['array', 'array', 'dim', 'dim'], valid: () => [f32(6), f32(3), 2, 3] },
  { name: 'biasGrad', slots: ['array', 'dim', 'dim', 'array'], valid: () => [f32(6), 2, 3, f32(3)] },
  { name: 'activationForward', slots: ['kind', 'array', 'array', 'dim', 'number'], valid: () => ['sigmoid', f32(5), f32(5), 5, 0.1] },
  {
    name: 'activationBackward',
    slots: ['kind', 'array', 'array', 'array', 'dim', 'number'],
    valid: () => ['leaky_relu', f32(5), f32(5), f32(5), 5, 0.1],
  },
  {
    name: 'adamStep',
    slots: ['array', 'array', 'array', 'array', 'dim', 'number', 'number', 'number', 'number', 'number', 'positive'],
    valid: () => [f32(4), f32(4), f32(4), f32(4), 4, 1e-3, 0.9, 0.999, 1e-8, 0, 1],
  },
  {
    name: 'sgdStep',
    slots: ['array', 'array', 'array', 'dim', 'number', 'number', 'number', 'flag', 'flag'],
    valid: () => [f32(4), f32(4), f32(4), 4, 0.1, 0.9, 0, true, false],
  },
  {
    name: 'lossForward',
    slots: ['kind', 'array', 'array', 'dim', 'dim', 'optionalArray'],
    valid: () => ['mse', f32(6), f32(6), 2, 3, f32(2)],
  },
  { name: 'lossBackward', slots: ['kind', 'array', 'array', 'dim', 'array'], valid: () => ['bce', f32(5), f32(5), 5, f32(5)] },
];

/** Values that must be rejected in a slot; `value` is the valid one. */
function badValues(slot: Slot, value: unknown): unknown[] {
  const common = [undefined, {}];
  switch (slot) {
    case 'array': return [...common, null, new Float64Array((value as Float32Array).length), Array.from(value as Float32Array), (value as Float32Array).subarray(1), 'x'];
    case 'optionalArray': return [...common, new Float64Array(4), (value as Float32Array).subarray(1)];
    case 'dim': return [...common, NaN, -1, 1.5, Infinity, '2', (value as number) * 2 + 8];
    case 'positive': return [...common, NaN, -1, 0, 1.5, Infinity, '2'];
    case 'number': return [...common, NaN, Infinity, -Infinity, '0.5', null];
    case 'flag': return [...common, 1, 'true', null];
    case 'kind': return [...common, 'softmax', 'RELU', 42, null];
  }
}

function mutations(sig: Signature): { description: string; args: unknown[] }[] {
  const out: { description: string; args: unknown[] }[] = [];
  const count = sig.valid().length;
  out.push({ description: 'one argument too few', args: sig.valid().slice(0, -1) });
  out.push({ description: 'no arguments', args: [] });
  out.push({ description: 'one argument too many', args: [...sig.valid(), 0] });
  for (let i = 0; i < count; i++) {
    const bad = badValues(sig.slots[i], sig.valid()[i]);
    for (let j = 0; j < bad.length; j++) {
      const args = sig.valid();
      args[i] = bad[j];
      out.push({ description: `argument ${i} (${sig.slots[i]}) = ${describeValue(bad[j])}`, args });
    }
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v instanceof Float32Array) return `Float32Array(${v.length})`;
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return 'Array';
  return typeof v === 'string' ? `'${v}'` : String(v);
}

test('every wrapper accepts its valid call (the baseline of the crash-safety cases)', () => {
  for (const sig of SIGNATURES) {
    if (!sig.nativeOnly) wrapper(sig.name)(...sig.valid());
    addon[sig.name](...sig.valid());
  }
  // Cases that look odd but are valid: an empty velocity for plain SGD, a 0 x n problem.
  sgdStep(f32(3), f32(3), new Float32Array(0), 3, 0.1, 0, 0, false, true);
  biasAdd(new Float32Array(0), new Float32Array(4), 0, 4);
});

test('wrong calls throw a clear error, in TypeScript and again natively, and never crash', () => {
  let cases = 0;
  for (const sig of SIGNATURES)
    for (const { description, args } of mutations(sig)) {
      const label = `${sig.name}: ${description}`;
      if (!sig.nativeOnly)
        assert.throws(
          () => wrapper(sig.name)(...args),
          (e: unknown) =>
            e instanceof HourglassError && (e.code === 'INVALID_ARGUMENT' || e.code === 'SHAPE_MISMATCH') && e.message.startsWith(sig.name),
          `${label} (TypeScript wrapper)`,
        );
      assert.throws(() => addon[sig.name](...args), /^Error: hourglass native: /, `${label} (native)`);
      cases++;
    }
  assert.ok(cases > 300, `only ${cases} cases`);
  // Semantic checks beyond types, on both sides.
  const wrongStrides: Parameters<typeof sgemm>[] = [
    [false, false, 2, 3, 4, 1, f32(8), 3, f32(12), 3, 0, f32(6), 3], // lda < K
    [true, false, 2, 3, 4, 1, f32(8), 2, f32(12), 3, 0, f32(6), 2], // ldc < N
  ];
  for (const args of wrongStrides) {
    assert.throws(() => sgemm(...args), HourglassError, `gemm ${describeValue(args)}`);
    assert.throws(() => addon.sgemm(...args), /hourglass native/, 'sgemm (native)');
  }
  const invalidCalls: [keyof typeof dense, unknown[]][] = [
    ['activationForward', ['leaky_relu', f32(2), f32(2), 2, -0.1]],
    ['adamStep', [f32(1), f32(1), f32(1), f32(1), 1, 1e-3, 1, 0.999, 1e-8, 0, 1]],
    ['adamStep', [f32(1), f32(1), f32(1), f32(1), 1, -1e-3, 0.9, 0.999, 1e-8, 0, 1]],
    ['sgdStep', [f32(1), f32(1), f32(1), 1, 0.1, 0, 0, true, true]],
    ['sgdStep', [f32(1), f32(1), f32(1), 1, 0.1, -0.5, 0, false, true]],
  ];
  for (const [name, args] of invalidCalls) {
    assert.throws(() => (dense[name] as (...a: unknown[]) => unknown)(...args), HourglassError, `${name} ${describeValue(args)}`);
    assert.throws(() => addon[name](...args), /hourglass native/, `${name} (native)`);
  }
});

test('gemm rejects every wrong option with an error naming it, for float32 and float64 arrays', () => {
  for (const make of [f32, (n: number) => new Float64Array(n).fill(0.5)]) {
    const valid = (): Record<string, unknown> => ({ a: make(8), b: make(12), c: make(6), m: 2, n: 3, k: 4, transB: true });
    gemm(valid() as never);
    gemm({ ...valid(), lda: 5, a: make(9) } as never); // a stride wider than the row
    const wrong: [string, unknown][] = [
      ['a', null], ['a', Array.from(make(8))], ['a', make(7)], ['b', make(11)], ['c', make(5)],
      ['a', make === f32 ? new Float64Array(8) : f32(8)],
      ['m', -1], ['m', 1.5], ['n', NaN], ['k', '4'], ['k', 12],
      ['transA', 1], ['transB', 'true'], ['alpha', NaN], ['beta', Infinity],
      ['lda', 3], ['ldb', -1], ['ldc', 2],
    ];
    for (const [key, value] of wrong)
      assert.throws(
        () => gemm({ ...valid(), [key]: value } as never),
        (e: unknown) => e instanceof HourglassError && (e.code === 'INVALID_ARGUMENT' || e.code === 'SHAPE_MISMATCH') && e.message.startsWith('gemm: '),
        `${key} = ${describeValue(value)}`,
      );
  }
  assert.throws(() => (gemm as (o: unknown) => void)(null), /gemm: expects an options object/);
});

test('adamStepAll updates every entry exactly as adamStep does, split across threads anywhere', () => {
  const rng = new Rng(21);
  // Sizes around the parallel threshold and the 16-float granule, and a learning rate of 0.
  const sizes = [PARALLEL + 37, 5, 16, PARALLEL / 2 + 3, 1, 200];
  const lrs = [1e-2, 3e-3, 0, 1e-3, 5e-2, 1e-4];
  const entries = sizes.map((n, i) => ({ param: normals(rng, n), grad: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n), lr: lrs[i] }));
  const copies = entries.map((e) => ({ param: e.param.slice(), m: e.m.slice(), v: e.v.slice() }));
  for (let step = 1; step <= 4; step++) {
    for (const e of entries) e.grad.set(normals(rng, e.grad.length));
    adamStepAll(entries, 0.9, 0.999, 1e-8, 0.01, step);
    entries.forEach((e, i) => adamStep(copies[i].param, e.grad, copies[i].m, copies[i].v, e.grad.length, e.lr, 0.9, 0.999, 1e-8, 0.01, step));
    entries.forEach((e, i) => {
      assert.deepEqual(e.param, copies[i].param, `entry ${i} param, step ${step}`);
      assert.deepEqual(e.m, copies[i].m, `entry ${i} m, step ${step}`);
      assert.deepEqual(e.v, copies[i].v, `entry ${i} v, step ${step}`);
    });
  }
  adamStepAll([], 0.9, 0.999, 1e-8, 0, 1); // nothing to do
});

test('adamStepAll refuses wrong calls in the wrapper and in the addon, without touching memory', () => {
  const ok = () => ({ param: f32(4), grad: f32(4), m: f32(4), v: f32(4), lr: 1e-3 });
  const wrapperCases: [unknown[], RegExp][] = [
    [[null, 0.9, 0.999, 1e-8, 0, 1], /entries must be an array/],
    [[[null], 0.9, 0.999, 1e-8, 0, 1], /entries\[0\] must be \{ param, grad, m, v, lr \}/],
    [[[{ ...ok(), v: f32(3) }], 0.9, 0.999, 1e-8, 0, 1], /entries\[0\]\.v has 3 elements, expected 4/],
    [[[{ ...ok(), m: f32(5) }], 0.9, 0.999, 1e-8, 0, 1], /entries\[0\]\.m has 5 elements, expected 4 \(entries\[0\]\.param has 4 elements\)/],
    [[[{ ...ok(), grad: new Float64Array(4) }], 0.9, 0.999, 1e-8, 0, 1], /entries\[0\]\.grad/],
    [[[ok(), { ...ok(), lr: -1 }], 0.9, 0.999, 1e-8, 0, 1], /entries\[1\]\.lr/],
    [[[ok()], 1, 0.999, 1e-8, 0, 1], /beta1/],
    [[[ok()], 0.9, 0.999, 1e-8, 0, 0], /step/],
    [[[ok()], 0.9, 0.999, 1e-8, 0], /argument/],
  ];
  for (const [args, message] of wrapperCases)
    assert.throws(() => (adamStepAll as (...a: unknown[]) => void)(...args), (e: unknown) => e instanceof HourglassError && message.test(e.message), String(message));
  const nativeCases: [unknown[], RegExp][] = [
    [[{}, 0.9, 0.999, 1e-8, 0, 1], /entries must be an array/],
    [[[[f32(4), f32(4), f32(4), f32(4)]], 0.9, 0.999, 1e-8, 0, 1], /entries\[0\] must be \[param, grad, m, v, lr\]/],
    [[[[f32(4), f32(4), f32(4), f32(5), 1e-3]], 0.9, 0.999, 1e-8, 0, 1], /entries\[0\] v has 5 elements, param has 4/],
    [[[[f32(4), [1, 2, 3, 4], f32(4), f32(4), 1e-3]], 0.9, 0.999, 1e-8, 0, 1], /entries\[0\] grad must be a Float32Array/],
    [[[[f32(4), f32(4), f32(4), f32(4), NaN]], 0.9, 0.999, 1e-8, 0, 1], /entries\[0\] lr must be a finite number >= 0/],
    [[[], 0.9, 0.999, 1e-8, 0, 0], /step counts from 1/],
    [[[], 0.9, 0.999, 1e-8, 0], /expects 6 arguments|argument/],
  ];
  for (const [args, message] of nativeCases)
    assert.throws(() => addon.adamStepAll(...args), (e: unknown) => e instanceof Error && /hourglass native/.test(e.message) && message.test(e.message), String(message));
  // Every entry is checked before any is updated: a bad second entry leaves the first alone.
  const first = [f32(4), f32(4), f32(4), f32(4), 1e-3];
  assert.throws(() => addon.adamStepAll([first, [f32(4), f32(4), f32(4), f32(4), -1]], 0.9, 0.999, 1e-8, 0, 1), /entries\[1\] lr/);
  assert.deepEqual(first[0], f32(4), 'first param untouched');
  assert.deepEqual(first[2], f32(4), 'first m untouched');
});

// ---------------------------------------------------------------- a measurement, printed

test('timing of one training step of a 784-256-64-32 autoencoder at batch 256 (printed, not asserted)', (t) => {
  const rng = new Rng(14);
  const batch = 256;
  const widths = [784, 256, 64, 32, 64, 256, 784];
  const layers = widths.slice(1).map((out, i) => {
    const inp = widths[i];
    return {
      inp, out,
      w: normals(rng, out * inp, Math.sqrt(2 / inp)), b: f32(out), dw: new Float32Array(out * inp), db: new Float32Array(out),
      mw: new Float32Array(out * inp), vw: new Float32Array(out * inp), mb: new Float32Array(out), vb: new Float32Array(out),
      y: new Float32Array(batch * out), dx: new Float32Array(batch * inp),
    };
  });
  const x = uniforms(rng, batch * 784, 0, 1);
  const grad = new Float32Array(batch * 784);
  const time = { sgemm: 0, other: 0 };
  const timed = (key: keyof typeof time, f: () => void): void => {
    const start = process.hrtime.bigint();
    f();
    time[key] += Number(process.hrtime.bigint() - start) / 1e6;
  };
  // Medians over steps: the machine may be shared, and one preempted step says nothing.
  // A time budget keeps the test short when it is (thread teams wait for descheduled threads).
  const perStep: { sgemm: number; other: number }[] = [];
  const steps = 15;
  const deadline = performance.now() + 1000;
  for (let step = 1; step <= steps && (step <= 3 || performance.now() < deadline); step++) {
    time.sgemm = time.other = 0;
    let input = x;
    for (const [i, l] of layers.entries()) {
      timed('sgemm', () => sgemm(false, true, batch, l.out, l.inp, 1, input, l.inp, l.w, l.inp, 0, l.y, l.out));
      timed('other', () => {
        biasAdd(l.y, l.b, batch, l.out);
        const kind = i === layers.length - 1 ? 'sigmoid' : i === 2 ? 'tanh' : 'relu';
        activationForward(kind, l.y, l.y, batch * l.out, 0);
      });
      input = l.y;
    }
    const out = layers[layers.length - 1].y;
    timed('other', () => {
      lossForward('bce', out, x, batch, 784, null);
      lossBackward('bce', out, x, batch * 784, grad);
    });
    let dy = grad;
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i];
      const layerInput = i === 0 ? x : layers[i - 1].y;
      timed('other', () => {
        const kind = i === layers.length - 1 ? 'sigmoid' : i === 2 ? 'tanh' : 'relu';
        activationBackward(kind, l.y, dy, dy, batch * l.out, 0);
        biasGrad(dy, batch, l.out, l.db);
      });
      timed('sgemm', () => {
        sgemm(true, false, l.out, l.inp, batch, 1, dy, l.out, layerInput, l.inp, 0, l.dw, l.inp);
        if (i > 0) sgemm(false, false, batch, l.inp, l.out, 1, dy, l.out, l.w, l.inp, 0, l.dx, l.inp);
      });
      dy = l.dx;
    }
    timed('other', () => {
      for (const l of layers) {
        adamStep(l.w, l.dw, l.mw, l.vw, l.w.length, 1e-3, 0.9, 0.999, 1e-8, 0, step);
        adamStep(l.b, l.db, l.mb, l.vb, l.b.length, 1e-3, 0.9, 0.999, 1e-8, 0, step);
      }
    });
    if (step > 2) perStep.push({ ...time }); // the first steps warm up caches and thread pools
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[values.length >> 1];
  const sgemmMs = median(perStep.map((s) => s.sgemm));
  const otherMs = median(perStep.map((s) => s.other));
  const total = sgemmMs + otherMs;
  t.diagnostic(
    `training step (median of ${perStep.length}): sgemm ${sgemmMs.toFixed(2)} ms (${((100 * sgemmMs) / total).toFixed(0)}%), ` +
      `bias + activations + loss + adam ${otherMs.toFixed(2)} ms (${((100 * otherMs) / total).toFixed(0)}%)`,
  );
  const micro = (label: string, f: () => void): void => {
    f();
    const times: number[] = [];
    const stop = performance.now() + 100;
    for (let i = 0; i < 40 && (i < 3 || performance.now() < stop); i++) {
      const start = process.hrtime.bigint();
      f();
      times.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
    t.diagnostic(`${label}: ${median(times).toFixed(1)} us (median)`);
  };
  const y = new Float32Array(batch * 784);
  micro('biasAdd 256x784', () => biasAdd(y, layers[5].b, batch, 784));
  micro('biasGrad 256x784', () => biasGrad(x, batch, 784, layers[5].db));
  micro('sigmoid 256x784', () => activationForward('sigmoid', x, y, batch * 784, 0));
  micro('bce loss 256x784', () => lossForward('bce', layers[5].y, x, batch, 784, null));
  micro('adam 784x256', () => adamStep(layers[0].w, layers[0].dw, layers[0].mw, layers[0].vw, layers[0].w.length, 1e-3, 0.9, 0.999, 1e-8, 0, 20));
  assert.ok(Number.isFinite(total));
});
