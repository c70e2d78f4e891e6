import { invalid } from '../errors.js';
import { callNative } from './addon.js';
import { checkBoolean, checkDimension, checkFloat32Array, checkFloat64Array, checkNumber, describe, type Length } from './check.js';

/**
 * The matrix product of hourglass, in float32 (oneDNN's sgemm) or float64 (the BLAS dgemm
 * LAPACK uses), chosen by the arrays' type (native/src/gemm.cc, linalg.cc).
 */
export interface GemmOptions<T extends Float32Array | Float64Array> {
  /** op(A) is A [m, k], or with transA the transpose of A [k, m]. */
  a: T;
  /** op(B) is B [k, n], or with transB the transpose of B [n, k]. */
  b: T;
  /** [m, n]: overwritten with beta = 0 (NaN in C does not propagate), else scaled by beta and added to. */
  c: T;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** 1 unless given. */
  alpha?: number;
  /** 0 unless given. */
  beta?: number;
  /** Row strides of A, B and C as stored; tight (their column counts) unless given. */
  lda?: number;
  ldb?: number;
  ldc?: number;
}

/** Elements a row-major matrix of `rows` x `cols` with row stride `ld` spans. */
function matrixSpan(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/**
 * Row-major C = alpha * op(A) op(B) + beta * C. The matrices are read from the start of their
 * arrays (a prefix when the arrays are longer, e.g. a reused buffer of more rows) with the
 * given row strides. An empty product (k = 0) leaves C = beta * C (native side, once for both
 * element types).
 */
export function gemm<T extends Float32Array | Float64Array>(options: GemmOptions<T>): void {
  const fn = 'gemm';
  if (typeof options !== 'object' || options === null) throw invalid(`${fn}: expects an options object { a, b, c, m, n, k, ... }, got ${describe(options)}`);
  const { a, b, c, m, n, k, transA = false, transB = false, alpha = 1, beta = 0 } = options;
  checkDimension(fn, 'm', m);
  checkDimension(fn, 'n', n);
  checkDimension(fn, 'k', k);
  checkBoolean(fn, 'transA', transA);
  checkBoolean(fn, 'transB', transB);
  checkNumber(fn, 'alpha', alpha);
  checkNumber(fn, 'beta', beta);
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const { lda = Math.max(aCols, 1), ldb = Math.max(bCols, 1), ldc = Math.max(n, 1) } = options;
  checkDimension(fn, 'lda', lda);
  checkDimension(fn, 'ldb', ldb);
  checkDimension(fn, 'ldc', ldc);
  if (lda < Math.max(aCols, 1)) throw invalid(`${fn}: lda must be at least ${Math.max(aCols, 1)} (A is ${aRows}x${aCols}), got ${lda}`);
  if (ldb < Math.max(bCols, 1)) throw invalid(`${fn}: ldb must be at least ${Math.max(bCols, 1)} (B is ${bRows}x${bCols}), got ${ldb}`);
  if (ldc < Math.max(n, 1)) throw invalid(`${fn}: ldc must be at least ${Math.max(n, 1)} (C is ${m}x${n}), got ${ldc}`);
  const check: (fn: string, name: string, value: unknown, length: Length, shape: string) => void =
    a instanceof Float64Array ? checkFloat64Array : checkFloat32Array;
  check(fn, 'a', a, { atLeast: matrixSpan(aRows, aCols, lda) }, `A is ${aRows}x${aCols} with row stride ${lda}`);
  check(fn, 'b', b, { atLeast: matrixSpan(bRows, bCols, ldb) }, `B is ${bRows}x${bCols} with row stride ${ldb}`);
  check(fn, 'c', c, { atLeast: matrixSpan(m, n, ldc) }, `C is ${m}x${n} with row stride ${ldc}`);
  callNative(a instanceof Float64Array ? 'dgemm' : 'sgemm', transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
