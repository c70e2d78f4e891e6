import { invalid, shapeMismatch } from '../errors.js';

/**
 * The one vocabulary the typed wrappers of src/core/native use to check their arguments
 * before calling the addon (in the spirit of sharp's lib/is.js). Every message starts with
 * the wrapper's name and names the argument: `gemm: lda must be at least 4 (A is 2x4), got 3`.
 * Wrong types and values are INVALID_ARGUMENT; arrays of the wrong length SHAPE_MISMATCH.
 *
 * The rule for array lengths: an array must hold exactly the elements its shape says. A
 * function that genuinely works on a prefix (the first n elements, the first n rows of a
 * reused buffer, a strided matrix) checks with `{ atLeast }` and says so in its comment.
 */

/** An array length: `n` exactly, or `{ atLeast: n }` for functions that work on a prefix. */
export type Length = number | { atLeast: number };

/** What a value is, for messages: 'null', 'Float64Array', 'string', ... */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** `[2, 3, 4]`: a shape for messages. */
export function dims(...d: number[]): string {
  return `[${d.join(', ')}]`;
}

/** For wrappers called positionally: a missing or extra argument is a mix-up, not a default. */
export function checkArgumentCount(fn: string, args: IArguments, expected: number): void {
  if (args.length !== expected) throw invalid(`${fn}: expects ${expected} arguments, got ${args.length}`);
}

/** A safe integer of at least `min` (0 unless told). */
export function checkInteger(fn: string, name: string, value: unknown, min = 0): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw invalid(`${fn}: ${name} must be ${what}, got ${String(value)}`);
  }
}

/** A size, count or stride: a non-negative integer. */
export function checkDimension(fn: string, name: string, value: unknown): asserts value is number {
  checkInteger(fn, name, value, 0);
}

/** A size that cannot be empty: a positive integer. */
export function checkPositive(fn: string, name: string, value: unknown): asserts value is number {
  checkInteger(fn, name, value, 1);
}

/** A [height, width] pair of integers of at least `min`. */
export function checkPair(fn: string, name: string, pair: unknown, min: 0 | 1): asserts pair is readonly [number, number] {
  if (!Array.isArray(pair) || pair.length !== 2) throw invalid(`${fn}: ${name} must be a [height, width] pair, got ${JSON.stringify(pair)}`);
  checkInteger(fn, `${name}[0]`, pair[0], min);
  checkInteger(fn, `${name}[1]`, pair[1], min);
}

export function checkNumber(fn: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${fn}: ${name} must be a finite number, got ${String(value)}`);
}

export function checkBoolean(fn: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalid(`${fn}: ${name} must be a boolean, got ${String(value)}`);
}

/** A condition on a value already known to be a number: `${name} must be ${expected}, got ${value}`. */
export function checkRange(fn: string, name: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw invalid(`${fn}: ${name} must be ${expected}, got ${value}`);
}

/** One of a fixed set of names; `what` says what kind of name ('activation', 'loss'). */
export function checkOneOf<T extends string>(fn: string, what: string, value: unknown, known: readonly T[]): asserts value is T {
  if (typeof value !== 'string' || !(known as readonly string[]).includes(value))
    throw invalid(`${fn}: unknown ${what} '${String(value)}' (use one of: ${known.join(', ')})`);
}

type TypedArrayClass = Float32ArrayConstructor | Float64ArrayConstructor | Uint8ArrayConstructor;

function checkTyped(fn: string, name: string, value: unknown, type: TypedArrayClass, length: Length, shape: string): void {
  if (!(value instanceof type)) throw invalid(`${fn}: ${name} must be a ${type.name}, got ${describe(value)}`);
  const why = shape ? ` (${shape})` : '';
  if (typeof length === 'number') {
    if (value.length !== length) throw shapeMismatch(`${fn}: ${name} has ${value.length} elements, expected ${length}${why}`);
  } else if (value.length < length.atLeast) {
    throw shapeMismatch(`${fn}: ${name} has ${value.length} elements, needs at least ${length.atLeast}${why}`);
  }
}

/** A Float32Array of the given length; `shape` explains where the length comes from. */
export function checkFloat32Array(fn: string, name: string, value: unknown, length: Length, shape = ''): asserts value is Float32Array {
  checkTyped(fn, name, value, Float32Array, length, shape);
}

export function checkFloat64Array(fn: string, name: string, value: unknown, length: Length, shape = ''): asserts value is Float64Array {
  checkTyped(fn, name, value, Float64Array, length, shape);
}

export function checkUint8Array(fn: string, name: string, value: unknown, length: Length, shape = ''): asserts value is Uint8Array {
  checkTyped(fn, name, value, Uint8Array, length, shape);
}

/** checkFloat32Array, or null. */
export function checkOptionalFloat32Array(fn: string, name: string, value: unknown, length: Length, shape = ''): asserts value is Float32Array | null {
  if (value !== null) checkTyped(fn, name, value, Float32Array, length, shape);
}
