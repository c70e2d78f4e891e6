import { Rng } from '../../src/core/rng.js';

/** Generic byte-level damage, shared by every format: what storage, copies and downloads do to files. */

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** Sizes, counts and dimensions that break arithmetic: zero, negatives, int32/uint32/float64 edges. */
export const INTERESTING_NUMBERS: readonly number[] = [
  0, 1, -1, 2, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, -(2 ** 31), 1.5, -0.5,
];

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0x22, 0x2c];

export type ByteMutation = (bytes: Uint8Array, rng: Rng) => Uint8Array;

export const BYTE_MUTATIONS: Record<string, ByteMutation> = {
  flip: (b, rng) => {
    const out = b.slice();
    const n = 1 + rng.int(8);
    for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  'flip-header': (b, rng) => {
    // Headers decide allocations: damage concentrated in the first 64 bytes.
    const out = b.slice();
    const n = 1 + rng.int(4);
    for (let i = 0; i < n && out.length; i++) out[rng.int(Math.min(64, out.length))] ^= 1 << rng.int(8);
    return out;
  },
  'set-byte': (b, rng) => {
    const out = b.slice();
    if (out.length) out[rng.int(out.length)] = pick(rng, INTERESTING_BYTES);
    return out;
  },
  truncate: (b, rng) => b.slice(0, rng.int(b.length)),
  'truncate-header': (b, rng) => b.slice(0, rng.int(Math.min(b.length, 80))),
  'append-junk': (b, rng) => concat(b, randomBytes(rng, 1 + rng.int(64))),
  'delete-range': (b, rng) => {
    const start = rng.int(b.length);
    const end = Math.min(b.length, start + 1 + rng.int(16));
    return concat(b.subarray(0, start), b.subarray(end));
  },
  'duplicate-range': (b, rng) => {
    const start = rng.int(b.length);
    const end = Math.min(b.length, start + 1 + rng.int(32));
    return concat(b.subarray(0, end), b.subarray(start));
  },
  'zero-range': (b, rng) => {
    const out = b.slice();
    const start = rng.int(out.length);
    out.fill(0, start, Math.min(out.length, start + 1 + rng.int(32)));
    return out;
  },
  empty: () => new Uint8Array(0),
  random: (_b, rng) => randomBytes(rng, rng.int(256)),
};

export const BYTE_MUTATION_NAMES = Object.keys(BYTE_MUTATIONS);

/** Applies a generic byte mutation; its name is `bytes:<name>`. */
export function byteMutation(rng: Rng, bytes: Uint8Array): { mutation: string; bytes: Uint8Array } {
  const name = pick(rng, BYTE_MUTATION_NAMES);
  return { mutation: `bytes:${name}`, bytes: BYTE_MUTATIONS[name](bytes, rng) };
}

export function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Chooses between the format's structured mutations and generic byte damage (about one
 * case in three), so both reach the parsers' deeper checks and their first bytes.
 */
export function structuredOrBytes(
  rng: Rng,
  bytes: Uint8Array,
  structured: Record<string, (rng: Rng) => Uint8Array>,
): { mutation: string; bytes: Uint8Array } {
  if (rng.uniform() < 0.35) return byteMutation(rng, bytes);
  const name = pick(rng, Object.keys(structured));
  return { mutation: name, bytes: structured[name](rng) };
}

/**
 * Replaces one leaf of a JSON value (chosen uniformly among all leaves) with a hostile
 * value of another kind: a huge or negative number, a string, null, an array or an object.
 * Returns the path it changed, for the reproduction line.
 */
export function mutateJsonLeaf(value: unknown, rng: Rng): { value: unknown; path: string } {
  const leaves: { parent: Record<string, unknown> | unknown[]; key: string | number; path: string }[] = [];
  const walk = (v: unknown, p: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => (x !== null && typeof x === 'object' ? walk(x, `${p}[${i}]`) : leaves.push({ parent: v, key: i, path: `${p}[${i}]` })));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) x !== null && typeof x === 'object' ? walk(x, `${p}.${k}`) : leaves.push({ parent: v as Record<string, unknown>, key: k, path: `${p}.${k}` });
  };
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  walk(copy, '$');
  if (leaves.length === 0) return { value: pick(rng, HOSTILE_VALUES), path: '$' };
  const leaf = pick(rng, leaves);
  (leaf.parent as Record<string | number, unknown>)[leaf.key] = pick(rng, HOSTILE_VALUES);
  return { value: copy, path: leaf.path };
}

export const HOSTILE_VALUES: readonly unknown[] = [
  ...INTERESTING_NUMBERS,
  null,
  '',
  'relu',
  '__proto__',
  '=cmd|/c calc!A1',
  [],
  [2 ** 31, 2 ** 31],
  {},
  { type: 'dense', units: 2 ** 31 },
  true,
  'x'.repeat(300),
];
