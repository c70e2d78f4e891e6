/** Plausibility checks for values a reader returned: a success must be a usable value, not garbage. */

export function checkShape(shape: unknown, length: number, what: string): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${what}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  const n = shape.reduce((a: number, b: number) => a * b, 1);
  if (n !== length) throw new Error(`${what}: shape [${shape.join(', ')}] has ${n} elements, data ${length}`);
}

export function checkTensor(value: unknown, what = 'tensor'): void {
  const t = value as { shape?: unknown; data?: unknown };
  if (!t || !(t.data instanceof Float32Array)) throw new Error(`${what}: no Float32Array data`);
  checkShape(t.shape, t.data.length, what);
}

export function checkFinite(data: ArrayLike<number>, what: string): void {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new Error(`${what}: value ${i} is ${data[i]}`);
}
