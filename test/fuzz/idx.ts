import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Rng } from '../../src/core/rng.js';
import { readIdx } from '../../src/data/idx.js';
import { BYTE_MUTATIONS, byteMutation, concat, pick, structuredOrBytes } from './mutations.js';
import { checkShape } from './sanity.js';
import type { FormatFuzzer, FuzzCase, SeedFiles } from './types.js';

const SEEDS = ['images.idx', 'table.idx', 'images.idx.gz'];
const DIMS = [0, 1, 7, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 17];

function setDim(raw: Uint8Array, i: number, value: number): Uint8Array {
  const out = raw.slice();
  if (4 + 4 * i + 4 <= out.length) new DataView(out.buffer).setUint32(4 + 4 * i, value >>> 0, false);
  return out;
}

function withByte(bytes: Uint8Array, i: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[i] = value;
  return out;
}

function structured(raw: Uint8Array): Record<string, (rng: Rng) => Uint8Array> {
  const ndims = raw[3];
  return {
    'type-code': (rng) => withByte(raw, 2, pick(rng, [0x00, 0x07, 0x0a, 0x0f, 0xff, 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e])),
    ndims: (rng) => withByte(raw, 3, pick(rng, [0, 1, 255, ndims + 1, ndims - 1, 32])),
    'magic-nonzero': (rng) => withByte(raw, rng.int(2), 1 + rng.int(255)),
    dim: (rng) => setDim(raw, rng.int(ndims), pick(rng, DIMS)),
    'dims-overflow': () => {
      let out = raw;
      for (let i = 0; i < ndims; i++) out = setDim(out, i, 0x10000);
      return out;
    },
    'data-short': (rng) => raw.subarray(0, 4 + 4 * ndims + rng.int(raw.length - 4 - 4 * ndims)),
    'data-long': (rng) => concat(raw, new Uint8Array(1 + rng.int(64))),
    'header-only': () => raw.subarray(0, 4 + 4 * ndims),
  };
}

let bombMember: Uint8Array | null = null;
/** 256 gzip members of 1 MiB of zeros each: 256 KiB on disk, 256 MiB inflated, behind a header of 16x8x8. */
function gzipBomb(raw: Uint8Array): Uint8Array {
  bombMember ??= gzipSync(new Uint8Array(1 << 20), { level: 9 });
  return concat(gzipSync(raw.subarray(0, 4 + 4 * raw[3])), ...Array.from({ length: 256 }, () => bombMember!));
}

export const idxFuzzer: FormatFuzzer = {
  format: 'idx',
  makeCase(rng: Rng, seeds: SeedFiles): FuzzCase {
    const seed = pick(rng, SEEDS);
    const stored = readFileSync(seeds.files[seed]);
    if (!seed.endsWith('.gz')) return { format: 'idx', seed, ext: '.idx', ...structuredOrBytes(rng, stored, structured(stored)) };
    // Compressed files: damage either the gzip stream itself or the IDX inside it.
    const raw = new Uint8Array(gunzipSync(stored));
    const gz: Record<string, (rng: Rng) => Uint8Array> = {
      'gzip-truncated': (r) => stored.subarray(0, 10 + r.int(stored.length - 10)),
      'gzip-trailing-garbage': (r) => concat(stored, BYTE_MUTATIONS.random(stored, r)),
      'gzip-two-members': () => concat(stored, stored),
      'gzip-bad-crc': () => stored.slice().fill(0, stored.length - 8, stored.length - 4),
      'gzip-bomb': () => gzipBomb(raw),
      'gzip-empty': () => gzipSync(new Uint8Array(0)),
    };
    for (const [name, f] of Object.entries(structured(raw))) gz[`inner-${name}`] = (r) => gzipSync(f(r));
    if (rng.uniform() < 0.3) return { format: 'idx', seed, ext: '.idx.gz', ...byteMutation(rng, stored) };
    const name = pick(rng, Object.keys(gz));
    return { format: 'idx', seed, ext: '.idx.gz', mutation: name, bytes: gz[name](rng) };
  },
  async read(file) {
    return readIdx(file);
  },
  sanity(value) {
    const v = value as Awaited<ReturnType<typeof readIdx>>;
    checkShape(v.dims, v.data.length, 'idx');
  },
  cli(file, c, seeds, outDir, rng) {
    const s = seeds.files;
    if (c.seed === 'table.idx') return { args: ['eval', '--model', s['ae.safetensors'], '--data', file, '--json'] };
    if (c.ext === '.idx.gz' || rng.int(2) === 0) {
      const out = path.join(outDir, 'out.hgc');
      return { args: ['compress', '--model', s['codec.safetensors'], '--data', file, '--out', out], out };
    }
    const out = path.join(outDir, 'denoised.idx');
    return { args: ['denoise', 'apply', '--model', s['denoiser.safetensors'], '--data', file, '--out', out], out };
  },
};
