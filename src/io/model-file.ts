import { createHash } from 'node:crypto';
import { readRegularFile } from './input-file.js';
import { HourglassError, invalid } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { writeFileAtomic } from './atomic-write.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js';

/**
 * An hourglass model file: one .safetensors file whose tensors are the weights (named as
 * in PyTorch's state_dict) and whose `__metadata__` holds everything else as JSON strings,
 * so the same file loads into hourglass and, through scripts/torch_model.py, into PyTorch.
 */
export interface ModelFileContents {
  /** 'autoencoder' | 'pca' | 'detector' | 'classifier' | ... */
  kind: string;
  /** Layer configs and the like; stored as JSON in `__metadata__.architecture`. */
  architecture: unknown;
  /** float32 weights by state_dict name, e.g. 'encoder.0.weight'. */
  tensors: Map<string, Tensor>;
  /** Scaler, threshold, training record...: each stored as JSON under its own `__metadata__` key. */
  extra?: Record<string, unknown>;
}

export const MODEL_FORMAT = 'hourglass';
/**
 * Raise when a change makes files unreadable to older releases; older files must keep loading.
 * Adding an optional `__metadata__` key is not such a change: `sha256` arrived at version 1,
 * as a JSON string like every other value, so a reader without it keeps it as an unused extra.
 */
export const MODEL_FORMAT_VERSION = 1;

/** The checksum's key: sha256 (hex, as a JSON string) of the metadata and the tensors; see modelChecksum. */
export const CHECKSUM_KEY = 'sha256';

const RESERVED_KEYS = new Set(['format', 'format_version', 'kind', 'architecture', CHECKSUM_KEY]);

/**
 * sha256 of everything a model file says, independent of how the container lays it out: every
 * `__metadata__` entry but the checksum (sorted by key), then every tensor (sorted by name)
 * with its dtype, shape and little-endian bytes. A flipped bit anywhere that still parses
 * changes it.
 */
export function modelChecksum(metadata: Record<string, string>, tensors: Map<string, SafetensorsTensor>): string {
  const hash = createHash('sha256');
  const keys = Object.keys(metadata).filter((k) => k !== CHECKSUM_KEY).sort();
  hash.update(JSON.stringify(keys.map((k) => [k, metadata[k]])));
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    hash.update(`\n${JSON.stringify([name, t.dtype, t.shape])}\n`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

/** PyTorch's BatchNorm keeps this counter as int64 and refuses a float one in load_state_dict. */
function isInt64Tensor(name: string): boolean {
  return name.endsWith('num_batches_tracked');
}

export function encodeModelFile(model: ModelFileContents): Uint8Array {
  if (typeof model.kind !== 'string' || model.kind === '') throw invalid('a model file needs a non-empty kind');
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    format_version: String(MODEL_FORMAT_VERSION),
    kind: model.kind,
    architecture: toJson(model.architecture, 'architecture'),
  };
  for (const [key, value] of Object.entries(model.extra ?? {})) {
    if (RESERVED_KEYS.has(key))
      throw invalid(`'${key}' is reserved in model files; store this extra value under another name`);
    metadata[key] = toJson(value, key);
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, t] of model.tensors) {
    if (!(t.data instanceof Float32Array)) throw invalid(`tensor '${name}' must hold a Float32Array`);
    const n = sizeOf(t.shape);
    if (n !== t.data.length)
      throw invalid(`tensor '${name}': shape [${t.shape.join(', ')}] needs ${n} values, got ${t.data.length}`);
    if (isInt64Tensor(name)) {
      const counts = new BigInt64Array(n);
      for (let i = 0; i < n; i++) counts[i] = BigInt(Math.round(t.data[i]));
      tensors.set(name, { dtype: 'I64', shape: t.shape, data: counts });
    } else {
      tensors.set(name, { dtype: 'F32', shape: t.shape, data: t.data });
    }
  }
  metadata[CHECKSUM_KEY] = JSON.stringify(modelChecksum(metadata, tensors));
  return encodeSafetensors(tensors, metadata);
}

/** `source` (usually the path) starts every error message. */
export function decodeModelFile(bytes: Uint8Array, source: string): ModelFileContents {
  const { tensors: stored, metadata } = decodeSafetensors(bytes, source);
  const bad = (what: string): HourglassError => new HourglassError('BAD_FILE', `${source}: ${what}`);

  if (metadata.format === undefined)
    throw bad('this safetensors file is not an hourglass model (its __metadata__ has no "format" key); save models with hourglass');
  if (metadata.format !== MODEL_FORMAT)
    throw bad(`this safetensors file is not an hourglass model (format "${metadata.format}"); save models with hourglass`);
  const version = Number(metadata.format_version);
  if (metadata.format_version === undefined || !Number.isInteger(version) || version < 1)
    throw bad(`invalid format_version ${JSON.stringify(metadata.format_version)} in __metadata__; the file is damaged`);
  if (version > MODEL_FORMAT_VERSION)
    throw new HourglassError(
      'BAD_FILE',
      `${source} was written by format version ${version}; this hourglass reads up to ${MODEL_FORMAT_VERSION}: upgrade hourglass`,
    );
  if (typeof metadata.kind !== 'string' || metadata.kind === '') throw bad('__metadata__ has no model kind; the file is damaged');
  if (metadata.architecture === undefined) throw bad('__metadata__ has no architecture; the file is damaged');

  // Files written before the checksum existed have none and still load.
  if (metadata[CHECKSUM_KEY] !== undefined) {
    const checksum = fromJson(metadata[CHECKSUM_KEY], CHECKSUM_KEY, bad);
    if (checksum !== modelChecksum(metadata, stored)) {
      throw bad('damaged: checksum mismatch (the weights or the metadata changed after the file was written); save the model again or restore the file');
    }
  }
  const architecture = fromJson(metadata.architecture, 'architecture', bad);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (!RESERVED_KEYS.has(key)) extra[key] = fromJson(value, key, bad);
  }

  const tensors = new Map<string, Tensor>();
  for (const [name, t] of stored) {
    const data = toFloat32(t);
    // A diverged or damaged model computes NaN for every input: refuse it here, naming the tensor.
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        throw bad(`tensor '${name}' holds ${data[i]} at index ${i}: a model with non-finite weights cannot compute anything (it may have diverged while training); retrain it`);
    }
    tensors.set(name, { shape: [...t.shape], data });
  }
  return { kind: metadata.kind, architecture, tensors, extra };
}

/** Written to a temporary file and renamed, so a crash never leaves a half-written model. */
export async function saveModelFile(path: string, model: ModelFileContents): Promise<void> {
  await writeFileAtomic(path, encodeModelFile(model));
}

export async function loadModelFile(path: string): Promise<ModelFileContents> {
  let bytes: Uint8Array;
  try {
    // Regular files only: a FIFO or /dev/zero given as a model must not hang or fill memory.
    bytes = await readRegularFile(path, 'model file');
  } catch (e) {
    if (e instanceof HourglassError && e.code === 'FILE_NOT_FOUND') throw new HourglassError('FILE_NOT_FOUND', `${path}: no such model file; check the path`);
    if (e instanceof HourglassError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HourglassError('FILE_NOT_FOUND', `${path}: no such model file; check the path`);
    if (code === 'EISDIR') throw new HourglassError('BAD_FILE', `${path} is a directory, not a model file`);
    throw new HourglassError('BAD_FILE', `${path}: cannot read the model file (${(e as Error).message})`);
  }
  return decodeModelFile(bytes, path);
}

function toJson(value: unknown, key: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    throw invalid(`model file entry '${key}' cannot be written as JSON: ${(e as Error).message}`);
  }
  if (json === undefined) throw invalid(`model file entry '${key}' cannot be written as JSON (it is ${typeof value})`);
  return json;
}

function fromJson(text: string, key: string, bad: (what: string) => HourglassError): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(`__metadata__ key '${key}' is not valid JSON (${(e as Error).message}); the file is damaged`);
  }
}

/** Files written by other tools may hold float64 or integer tensors; in memory everything is float32. */
function toFloat32(t: SafetensorsTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  const out = new Float32Array(t.data.length);
  if (t.data instanceof BigInt64Array) {
    for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  } else {
    out.set(t.data);
  }
  return out;
}
