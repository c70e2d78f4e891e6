import { invalid } from '../errors.js';
import { callNative } from './addon.js';
import { checkDimension, checkFloat32Array, checkFloat64Array, checkRange } from './check.js';

/**
 * Typed wrappers over the native linear algebra used by PCA (native/src/linalg.cc); the
 * matrix product is gemm.ts. Data matrices are float32 row-major [n, d], one sample per row;
 * small matrices are float64 row-major. Every wrapper checks its arguments here (check.ts)
 * before the native side checks them again. Arrays hold exactly the elements their shapes
 * say, except the data X and centeredProject's output: those are read or written as their
 * first n rows, so a reused buffer of more rows can carry a smaller last block.
 */

function checkSizes(fn: string, sizes: Record<string, number>): void {
  for (const [name, value] of Object.entries(sizes)) checkDimension(fn, name, value);
}

/** The data matrix: its first n rows of d values. */
function checkData(fn: string, x: Float32Array, n: number, d: number): void {
  checkFloat32Array(fn, 'X', x, { atLeast: n * d }, `the first ${n} rows of ${d} values`);
}

/**
 * Fills `mean` ([d]) with the column means of X [n, d], summed in double. Returns -1 when
 * every value is finite, else the flat index of the first NaN or infinity.
 */
export function columnMeans(x: Float32Array, n: number, d: number, mean: Float64Array): number {
  const fn = 'columnMeans';
  checkSizes(fn, { n, d });
  checkRange(fn, 'n', n, n >= 1, 'at least 1 (the means of no rows are undefined)');
  checkData(fn, x, n, d);
  checkFloat64Array(fn, 'mean', mean, d, '[d]');
  return callNative<number>(fn, x, n, d, mean);
}

/** out[j] = sum over rows of (X[i, j] - mean[j])^2. */
export function columnSquaredDeviations(x: Float32Array, n: number, d: number, mean: Float64Array, out: Float64Array): void {
  const fn = 'columnSquaredDeviations';
  checkSizes(fn, { n, d });
  checkData(fn, x, n, d);
  checkFloat64Array(fn, 'mean', mean, d, '[d]');
  checkFloat64Array(fn, 'out', out, d, '[d]');
  callNative(fn, x, n, d, mean, out);
}

/** out [d, d] = (X - mean)^T (X - mean), unscaled and symmetric. */
export function centeredCovariance(x: Float32Array, n: number, d: number, mean: Float64Array, out: Float64Array): void {
  const fn = 'centeredCovariance';
  checkSizes(fn, { n, d });
  checkData(fn, x, n, d);
  checkFloat64Array(fn, 'mean', mean, d, '[d]');
  checkFloat64Array(fn, 'out', out, d * d, '[d, d]');
  callNative(fn, x, n, d, mean, out);
}

/** out [n, n] = (X - mean)(X - mean)^T: the Gram matrix of the centred samples. */
export function centeredRowGram(x: Float32Array, n: number, d: number, mean: Float64Array, out: Float64Array): void {
  const fn = 'centeredRowGram';
  checkSizes(fn, { n, d });
  checkData(fn, x, n, d);
  checkFloat64Array(fn, 'mean', mean, d, '[d]');
  checkFloat64Array(fn, 'out', out, n * n, '[n, n]');
  callNative(fn, x, n, d, mean, out);
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
  const fn = 'centeredGramTimes';
  checkSizes(fn, { n, d, l });
  checkData(fn, x, n, d);
  checkFloat64Array(fn, 'mean', mean, d, '[d]');
  checkFloat64Array(fn, 'Z', z, d * l, '[d, l]');
  checkFloat64Array(fn, 'out', out, d * l, '[d, l]');
  callNative(fn, x, n, d, mean, z, l, out);
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
  const fn = 'centeredTransposeTimes';
  checkSizes(fn, { n, d, k });
  checkData(fn, x, n, d);
  checkFloat64Array(fn, 'mean', mean, d, '[d]');
  checkFloat64Array(fn, 'U', u, n * k, '[n, k]');
  checkFloat64Array(fn, 'out', out, d * k, '[d, k]');
  callNative(fn, x, n, d, mean, u, k, out);
}

/** out [n, k] = (X - mean) W^T for W [k, d]: projections onto the rows of W; out may have more rows (the first n are written). */
export function centeredProject(
  x: Float32Array,
  n: number,
  d: number,
  mean: Float32Array,
  w: Float32Array,
  k: number,
  out: Float32Array,
): void {
  const fn = 'centeredProject';
  checkSizes(fn, { n, d, k });
  checkData(fn, x, n, d);
  checkFloat32Array(fn, 'mean', mean, d, '[d]');
  checkFloat32Array(fn, 'W', w, k * d, '[k, d]');
  checkFloat32Array(fn, 'out', out, { atLeast: n * k }, `the first ${n} rows of ${k} values`);
  callNative(fn, x, n, d, mean, w, k, out);
}

export interface Eigenpairs {
  /** Descending. */
  values: Float64Array;
  /** [k, m], one unit eigenvector per row, in the order of `values`. */
  vectors: Float64Array;
}

/** The k largest eigenpairs of the symmetric matrix A [m, m] (upper triangle read; A is kept). */
export function symmetricEigen(a: Float64Array, m: number, k: number): Eigenpairs {
  const fn = 'symmetricEigen';
  checkSizes(fn, { m, k });
  checkRange(fn, 'm (the matrix size)', m, m >= 1, 'at least 1');
  checkRange(fn, 'k', k, k >= 1 && k <= m, `between 1 and ${m}`);
  checkFloat64Array(fn, 'A', a, m * m, '[m, m]');
  const values = new Float64Array(k);
  const vectors = new Float64Array(k * m);
  callNative(fn, a, m, k, values, vectors);
  return { values, vectors };
}

/** Replaces the columns of A [m, c] (m >= c) by an orthonormal basis of their span, in order (QR). */
export function orthonormalizeColumns(a: Float64Array, m: number, c: number): void {
  const fn = 'orthonormalizeColumns';
  checkSizes(fn, { m, c });
  if (c > m) throw invalid(`${fn}: needs at least as many rows as columns, got ${m} x ${c}`);
  checkFloat64Array(fn, 'A', a, m * c, '[m, c]');
  callNative(fn, a, m, c);
}
