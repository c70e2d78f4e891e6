import { invalid } from '../errors.js';
import { callNative } from './addon.js';

/**
 * Typed wrappers over the native linear algebra used by PCA (native/src/linalg.cc).
 * Data matrices are float32 row-major [n, d], one sample per row; small matrices are
 * float64 row-major. Every wrapper checks sizes here, with a message naming the
 * argument, before the native side checks them again.
 */

function checkSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be a non-negative integer, got ${value}`);
}

function checkLength(name: string, array: Float32Array | Float64Array, needed: number): void {
  if (array.length < needed) throw invalid(`${name} has ${array.length} elements, needs at least ${needed}`);
}

/**
 * Fills `mean` ([d]) with the column means of X [n, d], summed in double. Returns -1 when
 * every value is finite, else the flat index of the first NaN or infinity.
 */
export function columnMeans(x: Float32Array, n: number, d: number, mean: Float64Array): number {
  checkSize('n', n);
  checkSize('d', d);
  if (n < 1) throw invalid('columnMeans needs at least one row');
  checkLength('X', x, n * d);
  checkLength('mean', mean, d);
  return callNative<number>('columnMeans', x, n, d, mean);
}

/** out[j] = sum over rows of (X[i, j] - mean[j])^2. */
export function columnSquaredDeviations(x: Float32Array, n: number, d: number, mean: Float64Array, out: Float64Array): void {
  checkSize('n', n);
  checkSize('d', d);
  checkLength('X', x, n * d);
  checkLength('mean', mean, d);
  checkLength('out', out, d);
  callNative('columnSquaredDeviations', x, n, d, mean, out);
}

/** out [d, d] = (X - mean)^T (X - mean), unscaled and symmetric. */
export function centeredCovariance(x: Float32Array, n: number, d: number, mean: Float64Array, out: Float64Array): void {
  checkSize('n', n);
  checkSize('d', d);
  checkLength('X', x, n * d);
  checkLength('mean', mean, d);
  checkLength('out', out, d * d);
  callNative('centeredCovariance', x, n, d, mean, out);
}

/** out [n, n] = (X - mean)(X - mean)^T: the Gram matrix of the centred samples. */
export function centeredRowGram(x: Float32Array, n: number, d: number, mean: Float64Array, out: Float64Array): void {
  checkSize('n', n);
  checkSize('d', d);
  checkLength('X', x, n * d);
  checkLength('mean', mean, d);
  checkLength('out', out, n * n);
  callNative('centeredRowGram', x, n, d, mean, out);
}

/** out [d, l] = (X - mean)^T (X - mean) Z for Z [d, l], in one pass over X. */
export function centeredGramTimes(
  x: Float32Array,
  n: number,
  d: number,
  mean: Float64Array,
  z: Float64Array,
  l: number,
  out: Float64Array,
): void {
  checkSize('n', n);
  checkSize('d', d);
  checkSize('l', l);
  checkLength('X', x, n * d);
  checkLength('mean', mean, d);
  checkLength('Z', z, d * l);
  checkLength('out', out, d * l);
  callNative('centeredGramTimes', x, n, d, mean, z, l, out);
}

/** out [d, k] = (X - mean)^T U for U [n, k]. */
export function centeredTransposeTimes(
  x: Float32Array,
  n: number,
  d: number,
  mean: Float64Array,
  u: Float64Array,
  k: number,
  out: Float64Array,
): void {
  checkSize('n', n);
  checkSize('d', d);
  checkSize('k', k);
  checkLength('X', x, n * d);
  checkLength('mean', mean, d);
  checkLength('U', u, n * k);
  checkLength('out', out, d * k);
  callNative('centeredTransposeTimes', x, n, d, mean, u, k, out);
}

/** out [n, k] = (X - mean) W^T for W [k, d]: projections onto the rows of W. */
export function centeredProject(
  x: Float32Array,
  n: number,
  d: number,
  mean: Float32Array,
  w: Float32Array,
  k: number,
  out: Float32Array,
): void {
  checkSize('n', n);
  checkSize('d', d);
  checkSize('k', k);
  checkLength('X', x, n * d);
  checkLength('mean', mean, d);
  checkLength('W', w, k * d);
  checkLength('out', out, n * k);
  callNative('centeredProject', x, n, d, mean, w, k, out);
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/**
 * C [M, N] = alpha * op(A) op(B) + beta * C in float64, row-major with tight leading
 * dimensions (A is [M, K], or [K, M] when transposed; likewise B).
 */
export function dgemm(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  m: number,
  n: number,
  k: number,
  { transA = false, transB = false, alpha = 1, beta = 0 }: GemmOptions = {},
): void {
  checkSize('M', m);
  checkSize('N', n);
  checkSize('K', k);
  checkLength('A', a, m * k);
  checkLength('B', b, k * n);
  checkLength('C', c, m * n);
  const lda = Math.max(transA ? m : k, 1);
  const ldb = Math.max(transB ? k : n, 1);
  callNative('dgemm', transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, Math.max(n, 1));
}

export interface Eigenpairs {
  /** Descending. */
  values: Float64Array;
  /** [k, m], one unit eigenvector per row, in the order of `values`. */
  vectors: Float64Array;
}

/** The k largest eigenpairs of the symmetric matrix A [m, m] (upper triangle read; A is kept). */
export function symmetricEigen(a: Float64Array, m: number, k: number): Eigenpairs {
  checkSize('m', m);
  checkSize('k', k);
  if (m < 1) throw invalid('symmetricEigen needs a matrix of size at least 1');
  if (k < 1 || k > m) throw invalid(`symmetricEigen: k must be between 1 and ${m}, got ${k}`);
  checkLength('A', a, m * m);
  const values = new Float64Array(k);
  const vectors = new Float64Array(k * m);
  callNative('symmetricEigen', a, m, k, values, vectors);
  return { values, vectors };
}

/** Replaces the columns of A [m, c] (m >= c) by an orthonormal basis of their span, in order (QR). */
export function orthonormalizeColumns(a: Float64Array, m: number, c: number): void {
  checkSize('m', m);
  checkSize('c', c);
  if (c > m) throw invalid(`orthonormalizeColumns needs at least as many rows as columns, got ${m} x ${c}`);
  checkLength('A', a, m * c);
  callNative('orthonormalizeColumns', a, m, c);
}

/**
 * C [M, N] = alpha * op(A) op(B) + beta * C in float32 through oneDNN's sgemm, row-major
 * with tight leading dimensions.
 */
export function sgemm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
  { transA = false, transB = false, alpha = 1, beta = 0 }: GemmOptions = {},
): void {
  checkSize('M', m);
  checkSize('N', n);
  checkSize('K', k);
  checkLength('A', a, m * k);
  checkLength('B', b, k * n);
  checkLength('C', c, m * n);
  const lda = Math.max(transA ? m : k, 1);
  const ldb = Math.max(transB ? k : n, 1);
  callNative('sgemm', transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, Math.max(n, 1));
}
