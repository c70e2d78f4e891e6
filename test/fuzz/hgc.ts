import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Rng } from '../../src/core/rng.js';
import { decodeHgc } from '../../src/apps/codec/hgc-container.js';
import { Codec } from '../../src/apps/codec/codec.js';
import { concat, pick, randomBytes, structuredOrBytes } from './mutations.js';
import { checkTensor } from './sanity.js';
import type { FormatFuzzer, FuzzCase, SeedFiles } from './types.js';

/** A file of 16 samples (with the layout block) and a file of one image (without it). */
const SEEDS = ['multi.hgc', 'single.hgc'];
const VARINTS = [0, 1, 2, 15, 16, 17, 127, 128, 2 ** 31, 2 ** 32, 2 ** 53 - 1];

interface Parsed {
  head: Uint8Array; // magic, version/coder, flags/bits, hash
  layout: { count: number; latent: number; shape: number[] } | null;
  payload: Uint8Array;
}

function readVarint(b: Uint8Array, at: { i: number }): number {
  let v = 0;
  let scale = 1;
  for (;;) {
    const byte = b[at.i++];
    v += (byte & 0x7f) * scale;
    scale *= 128;
    if (!(byte & 0x80)) return v;
  }
}

function varint(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

function parse(bytes: Uint8Array): Parsed {
  const head = bytes.slice(0, 7);
  const end = bytes.length - 4;
  if (!((bytes[3] >> 4) & 1)) return { head, layout: null, payload: bytes.slice(7, end) };
  const at = { i: 7 };
  const count = readVarint(bytes, at);
  const latent = readVarint(bytes, at);
  const rank = readVarint(bytes, at);
  const shape = Array.from({ length: rank }, () => readVarint(bytes, at));
  return { head, layout: { count, latent, shape }, payload: bytes.slice(at.i, end) };
}

/** Reassembles a file and gives it a correct CRC-32, so the damage reaches the checks behind the checksum. */
function build(p: Parsed, layoutBytes?: number[]): Uint8Array {
  const layout = layoutBytes ?? (p.layout ? [...varint(p.layout.count), ...varint(p.layout.latent), ...varint(p.layout.shape.length), ...p.layout.shape.flatMap(varint)] : []);
  const body = concat(p.head, Uint8Array.from(layout), p.payload);
  const out = concat(body, new Uint8Array(4));
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

function structured(p: Parsed): Record<string, (rng: Rng) => Uint8Array> {
  const withHead = (i: number, value: (rng: Rng, old: number) => number) => (rng: Rng) => {
    const head = p.head.slice();
    head[i] = value(rng, head[i]);
    return build({ ...p, head });
  };
  const layout = p.layout ?? { count: 1, latent: 4, shape: [] };
  const withLayout = (f: (l: { count: number; latent: number; shape: number[] }, rng: Rng) => void) => (rng: Rng) => {
    const l = { ...layout, shape: [...layout.shape] };
    f(l, rng);
    const head = p.head.slice();
    head[3] |= 0x10;
    return build({ head, layout: l, payload: p.payload });
  };
  return {
    coder: withHead(2, (rng, old) => (old & 0xf0) | rng.int(16)),
    version: withHead(2, (rng, old) => (pick(rng, [0, 1, 3, 15]) << 4) | (old & 0xf)),
    bits: withHead(3, (rng, old) => (old & 0xf0) | rng.int(16)),
    flags: withHead(3, (rng, old) => (pick(rng, [0, 1, 2, 3, 8, 15]) << 4) | (old & 0xf)),
    'model-hash': (rng) => withHead(4 + rng.int(3), (r) => r.int(256))(rng),
    count: withLayout((l, rng) => (l.count = pick(rng, VARINTS))),
    'latent-size': withLayout((l, rng) => (l.latent = pick(rng, VARINTS))),
    'sample-shape': withLayout((l, rng) => (l.shape = pick(rng, [[], [1, 8, 8], [8, 8], [64], [2 ** 31, 2 ** 31], [0, 8, 8], [1, 1, 1, 1, 1, 1, 1, 1, 1], [2 ** 53 - 1], [65, 1]]))),
    'overlong-varint': (rng) => build({ ...p, head: Uint8Array.from([...p.head.subarray(0, 3), p.head[3] | 0x10, ...p.head.subarray(4)]) }, [...new Array(1 + rng.int(12)).fill(0xff), 0x01, 4, 0]),
    'layout-cut': (rng) => build({ ...p, head: Uint8Array.from([...p.head.subarray(0, 3), p.head[3] | 0x10, ...p.head.subarray(4)]), payload: new Uint8Array(0) }, [0x80 | rng.int(128)]),
    'payload-truncated': (rng) => build({ ...p, payload: p.payload.subarray(0, rng.int(p.payload.length)) }),
    'payload-extended': (rng) => build({ ...p, payload: concat(p.payload, randomBytes(rng, 1 + rng.int(64))) }),
    'payload-random': (rng) => build({ ...p, payload: randomBytes(rng, p.payload.length) }),
    'payload-empty': () => build({ ...p, payload: new Uint8Array(0) }),
    'version-1-magic': (rng) => concat(Uint8Array.of(0x89, 0x48, 0x47, 0x43), randomBytes(rng, rng.int(40))),
  };
}

const codecs = new Map<string, Promise<Codec>>();

export const hgcFuzzer: FormatFuzzer = {
  format: 'hgc',
  makeCase(rng: Rng, seeds: SeedFiles): FuzzCase {
    const seed = pick(rng, SEEDS);
    const bytes = readFileSync(seeds.files[seed]);
    return { format: 'hgc', seed, ext: '.hgc', ...structuredOrBytes(rng, bytes, structured(parse(bytes))) };
  },
  async read(file, _c, seeds) {
    const bytes = readFileSync(file);
    decodeHgc(bytes, file);
    const path = seeds.files['codec.safetensors'];
    if (!codecs.has(path)) codecs.set(path, Codec.load(path));
    return (await codecs.get(path)!).decode(bytes, file);
  },
  sanity(value) {
    checkTensor(value, 'decoded .hgc');
  },
  cli(file, c, seeds, outDir, rng) {
    const out = path.join(outDir, c.seed === 'single.hgc' && rng.int(2) === 0 ? 'decoded.png' : 'decoded.npy');
    return { args: ['decompress', '--model', seeds.files['codec.safetensors'], '--data', file, '--out', out], out };
  },
};
