import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Rng } from '../../src/core/rng.js';
import { sizeOf } from '../../src/core/tensor.js';
import { loadModel } from '../../src/apps/load-model.js';
import { AnomalyDetector } from '../../src/apps/anomaly/anomaly-detector.js';
import { Codec } from '../../src/apps/codec/codec.js';
import { Denoiser } from '../../src/apps/denoise/denoiser.js';
import { concat, HOSTILE_VALUES, INTERESTING_NUMBERS, mutateJsonLeaf, pick, structuredOrBytes } from './mutations.js';
import { checkTensor } from './sanity.js';
import type { FormatFuzzer, FuzzCase, SeedFiles } from './types.js';

/** Model files of every kind the tool reads: autoencoder, PCA, detector (model nested), codec and denoiser. */
const SEEDS = ['ae.safetensors', 'pca.safetensors', 'detector.safetensors', 'codec.safetensors', 'denoiser.safetensors'];

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
interface Parsed { header: Header; data: Uint8Array }

function parse(bytes: Uint8Array): Parsed {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Header, data: bytes.subarray(8 + n) };
}

function build(header: unknown, data: Uint8Array, declared?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const length = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + length).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, declared ?? BigInt(length), true);
  head.set(json, 8);
  return concat(head, data);
}

const tensorNames = (h: Header) => Object.keys(h).filter((k) => k !== '__metadata__');
const clone = (h: Header) => JSON.parse(JSON.stringify(h)) as Header;
type TensorEntry = { dtype: string; shape: unknown[]; data_offsets: unknown[] };

function structured(p: Parsed): Record<string, (rng: Rng) => Uint8Array> {
  const withTensor = (f: (t: TensorEntry, rng: Rng, h: Header) => void) => (rng: Rng) => {
    const h = clone(p.header);
    f(h[pick(rng, tensorNames(h))] as unknown as TensorEntry, rng, h);
    return build(h, p.data);
  };
  const withMetadata = (f: (m: Record<string, string>, rng: Rng) => void) => (rng: Rng) => {
    const h = clone(p.header);
    f(h.__metadata__ as Record<string, string>, rng);
    return build(h, p.data);
  };
  return {
    'header-length': (rng) => build(p.header, p.data, pick(rng, [0n, 1n, 7n, 2n ** 63n - 1n, 2n ** 64n - 1n, 2n ** 53n, 2n ** 32n, 100_000_001n, BigInt(p.data.length + 1e6)])),
    'header-not-json': (rng) => build(pick(rng, ['{', '[]', 'null', '"x"', '{"a":', '{"__metadata__": 5}', '{"w": 1}']), p.data),
    'tensor-dtype': withTensor((t, rng) => (t.dtype = pick(rng, ['F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'x', '']))),
    'tensor-shape': withTensor((t, rng) => {
      const i = rng.int(t.shape.length + 1);
      if (i === t.shape.length) t.shape = pick(rng, [[], [0], [2 ** 31, 2 ** 31], [2 ** 53], [-1], [1.5], ['2'], null]) as unknown[];
      else t.shape[i] = pick(rng, INTERESTING_NUMBERS);
    }),
    'tensor-offsets': withTensor((t, rng) => {
      const [b, e] = t.data_offsets as number[];
      t.data_offsets = pick(rng, [[e, b], [b, e + 4], [b - 4, e - 4], [0, 2 ** 53], [b, 2 ** 64], [-4, e], [b], [b, e, 0], ['0', e]]);
    }),
    'tensor-drop': withTensor((_t, rng, h) => delete h[pick(rng, tensorNames(h))]),
    'tensor-add': withTensor((t, _rng, h) => (h['extra.weight'] = JSON.parse(JSON.stringify(t)) as Header[string])),
    'tensor-rename': withTensor((_t, rng, h) => {
      const name = pick(rng, tensorNames(h));
      h[name.replace(/\d+/, '9')] = h[name];
      delete h[name];
    }),
    'metadata-leaf': withMetadata((m, rng) => {
      const key = pick(rng, Object.keys(m).filter((k) => !['format', 'format_version'].includes(k)));
      try {
        m[key] = JSON.stringify(mutateJsonLeaf(JSON.parse(m[key]), rng).value);
      } catch {
        m[key] = String(pick(rng, HOSTILE_VALUES));
      }
    }),
    'metadata-not-json': withMetadata((m, rng) => (m[pick(rng, Object.keys(m))] = pick(rng, ['{', '', 'NaN', '[1,', '"unterminated']))),
    'metadata-drop-key': withMetadata((m, rng) => delete m[pick(rng, Object.keys(m))]),
    'metadata-kind': withMetadata((m, rng) => (m.kind = pick(rng, ['autoencoder', 'pca', 'detector', 'classifier', 'codec', '', 'x']))),
    'metadata-version': withMetadata((m, rng) => (m.format_version = pick(rng, ['0', '2', '1.5', '-1', 'x', '1e309']))),
    'metadata-not-strings': withMetadata((m) => ((m as Record<string, unknown>).architecture = { layers: [] })),
    'weights-nonfinite': (rng) => {
      const data = p.data.slice();
      const view = new DataView(data.buffer);
      const at = 4 * rng.int(Math.floor(data.length / 4));
      view.setFloat32(at, pick(rng, [NaN, Infinity, -Infinity, 3.4e38]), true);
      return build(p.header, data);
    },
    'data-truncated': (rng) => build(p.header, p.data.subarray(0, rng.int(p.data.length))),
  };
}

export const safetensorsFuzzer: FormatFuzzer = {
  format: 'safetensors',
  makeCase(rng: Rng, seeds: SeedFiles): FuzzCase {
    const seed = pick(rng, SEEDS);
    const bytes = readFileSync(seeds.files[seed]);
    return { format: 'safetensors', seed, ext: '.safetensors', ...structuredOrBytes(rng, bytes, structured(parse(bytes))) };
  },
  /** Loads the model and uses it once on a small batch, so a loaded-but-inconsistent model shows up here and not later. */
  async read(file, _c, seeds) {
    const model = await loadModel(file);
    const reconstructor = model instanceof AnomalyDetector || model instanceof Codec || model instanceof Denoiser ? model.model : model;
    if (!reconstructor || !('sampleShape' in reconstructor)) return { model, used: null };
    const shape = reconstructor.sampleShape;
    if (!shape) return { model, used: null };
    if (sizeOf(shape) > 1e6) throw new Error(`the loaded model takes samples of ${sizeOf(shape)} values: not plausible for the seed`);
    const x = { shape: [2, ...shape], data: new Float32Array(2 * sizeOf(shape)).fill(0.5) };
    let used: unknown;
    if (model instanceof AnomalyDetector) used = { shape: [2], data: Float32Array.from(model.score(x)) };
    else if (model instanceof Codec) used = model.decode(readFileSync(seeds.files['multi.hgc']), 'multi.hgc');
    else if (model instanceof Denoiser) used = shape.length === 3 ? model.denoise(x) : null;
    else used = reconstructor.reconstruct(x);
    return { model, used };
  },
  sanity(value) {
    const v = value as { model: unknown; used: unknown };
    if (!v.model || typeof v.model !== 'object') throw new Error('loadModel returned no model');
    if (v.used !== null) checkTensor(v.used, 'model output');
  },
  cli(file, c, seeds, outDir) {
    const s = seeds.files;
    switch (c.seed) {
      case 'ae.safetensors':
        return { args: ['eval', '--model', file, '--data', s['table.csv'], '--json'] };
      case 'pca.safetensors': {
        const out = path.join(outDir, 'features.csv');
        return { args: ['encode', '--model', file, '--data', s['table.csv'], '--out', out], out };
      }
      case 'detector.safetensors': {
        const out = path.join(outDir, 'scores.csv');
        return { args: ['detect', 'score', '--model', file, '--data', s['table.csv'], '--out', out], out };
      }
      case 'codec.safetensors': {
        const out = path.join(outDir, 'decoded.npy');
        return { args: ['decompress', '--model', file, '--data', s['multi.hgc'], '--out', out], out };
      }
      default: {
        const out = path.join(outDir, 'denoised.npy');
        return { args: ['denoise', 'apply', '--model', file, '--data', s['images.npy'], '--out', out], out };
      }
    }
  },
};
