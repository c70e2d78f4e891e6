import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Rng } from '../../src/core/rng.js';
import { readNpy } from '../../src/data/npy.js';
import { concat, pick, structuredOrBytes } from './mutations.js';
import { checkTensor } from './sanity.js';
import type { FormatFuzzer, FuzzCase, SeedFiles } from './types.js';

const SEEDS = ['table.npy', 'images.npy', 'images-u1.npy'];
const DESCRS = ["'>f4'", "'<f2'", "'|b1'", "'|O'", "'<U8'", "'<c8'", "'f4'", "'<i2'", "'<u8'", "'<f16'", "'<V4'", "3", "None", "'<f4' + 'x'"];
const SHAPES = [
  '()', '(0,)', '(0, 4)', '(2147483648, 4)', '(4294967296, 4294967296)', '(9007199254740992,)', '(-1, 4)', '(-16, -4)',
  '(1,)', '(16.5, 4)', "('16', 4)", '(16, 4, 0)', `(${'1, '.repeat(40)})`, '[16, 4]', '16', '(99999999999999999999999,)',
  '(1e3, 4)', '(True, 4)', '(0x10, 4)', '(65536, 65536)', '(17, 4)', '(15, 4)', '(16,)', '(64,)',
];

interface Parsed { major: number; header: string; data: Uint8Array }

function parse(bytes: Uint8Array): Parsed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const [len, start] = major === 1 ? [view.getUint16(8, true), 10] : [view.getUint32(8, true), 12];
  return { major, header: new TextDecoder('latin1').decode(bytes.subarray(start, start + len)), data: bytes.subarray(start + len) };
}

/** An NPY file with this header text (padded as numpy pads it), in format version `major`. */
function build(header: string, data: Uint8Array, major = 1, declaredLength?: number): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const text = header.trimEnd();
  const padded = text + ' '.repeat((64 - ((prefix + text.length + 1) % 64)) % 64) + '\n';
  const head = new Uint8Array(prefix + padded.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(head.buffer);
  if (major === 1) view.setUint16(8, declaredLength ?? Math.min(padded.length, 0xffff), true);
  else view.setUint32(8, declaredLength ?? padded.length, true);
  for (let i = 0; i < padded.length; i++) head[prefix + i] = padded.charCodeAt(i) & 0xff;
  return concat(head, data);
}

function field(header: string, key: string, value: string): string {
  const re = new RegExp(`'${key}':\\s*(\\([^)]*\\)|'[^']*'|True|False)`);
  return header.replace(re, `'${key}': ${value}`);
}

function structured(p: Parsed): Record<string, (rng: Rng) => Uint8Array> {
  return {
    descr: (rng) => build(field(p.header, 'descr', pick(rng, DESCRS)), p.data),
    'fortran-order': () => build(field(p.header, 'fortran_order', 'True'), p.data),
    shape: (rng) => build(field(p.header, 'shape', pick(rng, SHAPES)), p.data),
    'missing-key': (rng) => build(p.header.replace(new RegExp(`'${pick(rng, ['descr', 'shape', 'fortran_order'])}':\\s*(\\([^)]*\\)|'[^']*'|True|False),?\\s*`), ''), p.data),
    'extra-key': () => build(p.header.replace('{', "{'extra': 1, "), p.data),
    'not-a-dict': (rng) => build(pick(rng, ['None', '[1, 2]', "__import__('os')", '{', "{'descr': '<f4', 'shape': (16, 4), 'fortran_order': False", '{}', "{'descr': '<f4', 'descr': '|u1', 'shape': (16, 4), 'fortran_order': False}"]), p.data),
    'header-length': (rng) => build(p.header, p.data, 1, pick(rng, [0, 1, 0xffff, p.header.length + 5, p.header.length - 3])),
    'version-2-huge-length': (rng) => build(p.header, p.data, 2, pick(rng, [0xffffffff, 0x80000000, 0x7fffffff])),
    version: (rng) => {
      const out = build(p.header, p.data, pick(rng, [2, 3]));
      if (rng.uniform() < 0.5) out[6] = pick(rng, [0, 4, 9, 255]);
      return out;
    },
    'data-short': (rng) => build(p.header, p.data.subarray(0, rng.int(p.data.length))),
    'data-long': (rng) => build(p.header, concat(p.data, new Uint8Array(1 + rng.int(64)))),
    'huge-padding': () => build(p.header + ' '.repeat(60_000), p.data),
    'non-ascii-header': () => build(p.header.replace("'shape'", "'sh\u00e4pe'"), p.data, 3),
  };
}

export const npyFuzzer: FormatFuzzer = {
  format: 'npy',
  makeCase(rng: Rng, seeds: SeedFiles): FuzzCase {
    const seed = pick(rng, SEEDS);
    const bytes = readFileSync(seeds.files[seed]);
    const m = structuredOrBytes(rng, bytes, structured(parse(bytes)));
    return { format: 'npy', seed, ext: '.npy', ...m };
  },
  async read(file) {
    return readNpy(file);
  },
  sanity(value) {
    checkTensor(value, 'npy');
  },
  cli(file, c, seeds, outDir, rng) {
    const s = seeds.files;
    if (c.seed === 'table.npy') {
      if (rng.int(2) === 0) return { args: ['eval', '--model', s['ae.safetensors'], '--data', file, '--json'] };
      const out = path.join(outDir, 'features.npy');
      return { args: ['encode', '--model', s['pca.safetensors'], '--data', file, '--out', out], out };
    }
    if (rng.int(2) === 0) {
      const out = path.join(outDir, 'out.hgc');
      return { args: ['compress', '--model', s['codec.safetensors'], '--data', file, '--out', out], out };
    }
    const out = path.join(outDir, 'denoised.npy');
    return { args: ['denoise', 'apply', '--model', s['denoiser.safetensors'], '--data', file, '--out', out], out };
  },
};
