import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { Rng } from '../../src/core/rng.js';
import { decodeImage } from '../../src/apps/denoise/image-file.js';
import { readSamples } from '../../src/cli/codec-files.js';
import { concat, pick, randomBytes, structuredOrBytes } from './mutations.js';
import { SIDE } from './seeds.js';
import { checkTensor } from './sanity.js';
import type { FormatFuzzer, FuzzCase, SeedFiles } from './types.js';

const SEEDS = ['image.png', 'image-rgb.png', 'image.jpg', 'image.webp'];
const SIZES = [0, 1, 9, 0x3fff, 0x4000, 0xffff, 0x7fffffff, 0xffffffff];

interface Chunk { type: string; data: Uint8Array }

function pngChunks(bytes: Uint8Array): Chunk[] {
  const chunks: Chunk[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length; ) {
    const n = view.getUint32(at, false);
    chunks.push({ type: new TextDecoder().decode(bytes.subarray(at + 4, at + 8)), data: bytes.slice(at + 8, at + 8 + n) });
    at += 12 + n;
  }
  return chunks;
}

/** A PNG from chunks, every CRC correct (so the damage reaches the decoder, not only the CRC check). */
function png(chunks: Chunk[], lengthOverride?: { index: number; length: number }): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)];
  chunks.forEach((c, i) => {
    const out = new Uint8Array(12 + c.data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, lengthOverride?.index === i ? lengthOverride.length : c.data.length, false);
    out.set(new TextEncoder().encode(c.type), 4);
    out.set(c.data, 8);
    view.setUint32(8 + c.data.length, crc32(out.subarray(4, 8 + c.data.length)), false);
    parts.push(out);
  });
  return concat(...parts);
}

function pngMutations(bytes: Uint8Array): Record<string, (rng: Rng) => Uint8Array> {
  const chunks = pngChunks(bytes);
  const withIhdr = (f: (view: DataView, rng: Rng) => void) => (rng: Rng) => {
    const c = chunks.map((x) => ({ ...x, data: x.data.slice() }));
    f(new DataView(c[0].data.buffer), rng);
    return png(c);
  };
  const idat = chunks.findIndex((c) => c.type === 'IDAT');
  return {
    'png-ihdr-size': withIhdr((v, rng) => v.setUint32(rng.int(2) * 4, pick(rng, SIZES) >>> 0, false)),
    'png-ihdr-huge': withIhdr((v) => (v.setUint32(0, 30000, false), v.setUint32(4, 30000, false))),
    'png-ihdr-depth': withIhdr((v, rng) => (v.setUint8(8, pick(rng, [0, 1, 3, 7, 16, 255])), v.setUint8(9, pick(rng, [0, 1, 2, 3, 4, 6, 7])))),
    'png-ihdr-methods': withIhdr((v, rng) => v.setUint8(10 + rng.int(3), 1 + rng.int(255))),
    'png-idat-damaged': (rng) => {
      const c = chunks.map((x) => ({ ...x, data: x.data.slice() }));
      const d = c[idat].data;
      for (let i = 0; i < 1 + rng.int(4); i++) d[rng.int(d.length)] ^= 1 << rng.int(8);
      return png(c);
    },
    'png-chunk-dropped': (rng) => png(chunks.filter((_, i) => i !== rng.int(chunks.length))),
    'png-chunk-length': (rng) => png(chunks, { index: rng.int(chunks.length), length: pick(rng, [0x7fffffff, 0xffffffff, 0, 1e6]) }),
    'png-extra-chunks': (rng) => png([chunks[0], ...Array.from({ length: 1 + rng.int(50) }, () => ({ type: 'tEXt', data: randomBytes(rng, rng.int(300)) })), ...chunks.slice(1)]),
    'png-idat-split': () => png([...chunks.slice(0, idat), ...[...chunks[idat].data].map((b) => ({ type: 'IDAT', data: Uint8Array.of(b) })), ...chunks.slice(idat + 1)]),
  };
}

function jpegMutations(bytes: Uint8Array): Record<string, (rng: Rng) => Uint8Array> {
  let sof = -1;
  for (let i = 2; i + 9 < bytes.length; i++) if (bytes[i] === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2)) { sof = i; break; }
  const withSof = (f: (v: DataView, rng: Rng) => void) => (rng: Rng) => {
    const out = bytes.slice();
    if (sof >= 0) f(new DataView(out.buffer, sof + 4), rng);
    return out;
  };
  return {
    'jpeg-sof-size': withSof((v, rng) => v.setUint16(1 + 2 * rng.int(2), pick(rng, [0, 1, 9, 0xffff]), false)),
    'jpeg-sof-components': withSof((v, rng) => v.setUint8(5, pick(rng, [0, 2, 4, 255]))),
    'jpeg-sof-precision': withSof((v, rng) => v.setUint8(0, pick(rng, [0, 12, 16, 255]))),
    'jpeg-no-eoi': () => bytes.subarray(0, bytes.length - 2),
    'jpeg-scan-cut': (rng) => bytes.subarray(0, Math.max(sof + 20, bytes.length - 1 - rng.int(Math.max(1, bytes.length - sof - 20)))),
  };
}

function webpMutations(bytes: Uint8Array): Record<string, (rng: Rng) => Uint8Array> {
  const set16 = (at: number, value: number) => () => {
    const out = bytes.slice();
    if (at + 2 <= out.length) new DataView(out.buffer).setUint16(at, value, true);
    return out;
  };
  return {
    'webp-riff-size': (rng) => {
      const out = bytes.slice();
      new DataView(out.buffer).setUint32(4, pick(rng, [0, 4, 0x7fffffff, 0xffffffff, out.length * 2]), true);
      return out;
    },
    'webp-vp8-width': (rng) => set16(26, pick(rng, [0, 1, 0x3fff, 0xffff]))(),
    'webp-vp8-height': (rng) => set16(28, pick(rng, [0, 1, 0x3fff, 0xffff]))(),
  };
}

/** Valid images the models do not expect: other sizes, alpha, 16 bits, CMYK. */
async function unusual(rng: Rng, ext: string): Promise<{ mutation: string; bytes: Uint8Array }> {
  const kind = pick(rng, ['other-size', 'one-pixel', 'alpha', 'sixteen-bit', 'cmyk']);
  const [w, h] = kind === 'other-size' ? [9 + rng.int(60), 1 + rng.int(40)] : kind === 'one-pixel' ? [1, 1] : [SIDE, SIDE];
  const channels = kind === 'alpha' ? 4 : 3;
  let img = sharp(Buffer.from(randomBytes(rng, w * h * channels)), { raw: { width: w, height: h, channels } });
  if (kind === 'sixteen-bit') img = img.toColourspace('rgb16');
  if (kind === 'cmyk' && ext === '.jpg') img = img.toColourspace('cmyk');
  const out = ext === '.jpg' ? img.jpeg() : ext === '.webp' ? img.webp() : img.png();
  return { mutation: `valid-${kind}`, bytes: new Uint8Array(await out.toBuffer()) };
}

export const imageFuzzer: FormatFuzzer = {
  format: 'image',
  async makeCase(rng: Rng, seeds: SeedFiles): Promise<FuzzCase> {
    const seed = pick(rng, SEEDS);
    const ext = path.extname(seed);
    const bytes = readFileSync(seeds.files[seed]);
    if (rng.uniform() < 0.15) return { format: 'image', seed, ext, ...(await unusual(rng, ext)) };
    const structured = ext === '.png' ? pngMutations(bytes) : ext === '.jpg' ? jpegMutations(bytes) : webpMutations(bytes);
    return { format: 'image', seed, ext, ...structuredOrBytes(rng, bytes, structured) };
  },
  /** Both image readers: the denoiser's (any size) and compress's (the codec's 8x8 grey input). */
  async read(file) {
    const image = await decodeImage(readFileSync(file), file);
    const samples = await readSamples(file, [1, SIDE, SIDE]);
    return { image, samples };
  },
  sanity(value) {
    const v = value as { image: unknown; samples: unknown };
    checkTensor(v.image, 'image');
    checkTensor(v.samples, 'image samples');
  },
  cli(file, c, seeds, outDir, rng) {
    const s = seeds.files;
    if (c.ext !== '.webp' && rng.int(2) === 0) {
      const out = path.join(outDir, `denoised${c.ext}`);
      return { args: ['denoise', 'apply', '--model', s['denoiser.safetensors'], '--data', file, '--out', out], out };
    }
    const out = path.join(outDir, 'out.hgc');
    return { args: ['compress', '--model', s['codec.safetensors'], '--data', file, '--out', out], out };
  },
};
