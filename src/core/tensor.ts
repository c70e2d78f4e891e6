import { HourglassError, shapeMismatch, invalid } from './errors.js';

/** Dimensions, batch first; images are NCHW. */
export type Shape = readonly number[];

/** A dense float32 array with a shape. `data` is owned by JavaScript and handed to the native engine without copies. */
export interface Tensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw invalid(`invalid dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

export function tensor(shape: Shape, data?: Float32Array): Tensor {
  const n = sizeOf(shape);
  if (data === undefined) return { shape: [...shape], data: new Float32Array(n) };
  if (data.length !== n) throw shapeMismatch(`shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
  return { shape: [...shape], data };
}

export function zeros(shape: Shape): Tensor {
  return tensor(shape);
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Rows [start, end) of a batch-first tensor, as a view sharing memory. */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const rowSize = sizeOf(t.shape.slice(1));
  return { shape: [end - start, ...t.shape.slice(1)], data: t.data.subarray(start * rowSize, end * rowSize) };
}

/** Gathers rows by index into `out` (or a new tensor): used to build shuffled mini-batches. */
export function gatherRows(t: Tensor, indices: ArrayLike<number>, out?: Tensor): Tensor {
  const rowSize = sizeOf(t.shape.slice(1));
  const target = out ?? tensor([indices.length, ...t.shape.slice(1)]);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i] * rowSize;
    target.data.set(t.data.subarray(src, src + rowSize), i * rowSize);
  }
  return target;
}

/** Same data viewed with another shape of equal size. */
export function reshape(t: Tensor, shape: Shape): Tensor {
  if (sizeOf(shape) !== t.data.length)
    throw shapeMismatch(`cannot reshape ${shapeToString(t.shape)} to ${shapeToString(shape)}`);
  return { shape: [...shape], data: t.data };
}

/**
 * Refuses a computed result that holds NaN or ±Infinity (a model whose weights or scaler
 * overflow float32 on this input, or input values beyond float32): such numbers are never
 * reported as a result or written to a file. `what` names the result, e.g. 'reconstruction
 * errors'; `firstRow` numbers the values of a chunk in its file.
 */
export function checkFiniteResult(values: ArrayLike<number>, what: string, firstRow = 0): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new HourglassError(
        'BAD_DATA',
        `the ${what} of sample ${firstRow + i} is ${values[i]}: the model overflows float32 on this input (huge or non-finite weights, a scaler dividing by ~0, or huge input values); nothing was written — check the input values and retrain or re-save the model`,
      );
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a plain Array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v === 'object' ? `an object (${(v as object).constructor?.name ?? 'Object'})` : typeof v;
}

/**
 * The check every public entry that takes a Tensor makes before using it: an object with an
 * array `shape` of non-negative integers and a Float32Array `data` holding exactly
 * product(shape) values. A plain Array, null, or data shorter than the shape says (which
 * would silently train on zeros, or read past the samples) is an HourglassError naming `what`.
 */
export function checkTensor(x: unknown, what: string): asserts x is Tensor {
  if (x === null || typeof x !== 'object' || Array.isArray(x) || ArrayBuffer.isView(x))
    throw invalid(`${what} must be a Tensor { shape, data: Float32Array }, got ${describeValue(x)}`);
  const { shape, data } = x as { shape?: unknown; data?: unknown };
  if (!Array.isArray(shape)) throw invalid(`${what}.shape must be an array of dimensions, got ${describeValue(shape)}`);
  if (!(data instanceof Float32Array))
    throw invalid(`${what}.data must be a Float32Array, got ${describeValue(data)}${Array.isArray(data) ? ' (convert it with Float32Array.from)' : ''}`);
  const n = sizeOf(shape as number[]);
  if (data.length !== n) throw shapeMismatch(`${what}: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
}
