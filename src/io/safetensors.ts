import { HourglassError, invalid } from '../core/errors.js';

/**
 * The safetensors container: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`
 * padded with spaces to 8-byte alignment, then the raw little-endian tensor bytes.
 * It is what PyTorch and Hugging Face tools read, so hourglass models open anywhere.
 */

interface DtypeArrays {
  F64: Float64Array;
  F32: Float32Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U8: Uint8Array;
}

export type SafetensorsDtype = keyof DtypeArrays;

export interface SafetensorsTensor<D extends SafetensorsDtype = SafetensorsDtype> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DtypeArrays[D];
}

export interface SafetensorsContents {
  /** In the order of the header. */
  readonly tensors: Map<string, SafetensorsTensor>;
  /** `__metadata__`, empty when the file has none. */
  readonly metadata: Record<string, string>;
}

interface DtypeInfo {
  readonly bytes: number;
  readonly create: (length: number) => DtypeArrays[SafetensorsDtype];
  readonly accepts: (data: unknown) => boolean;
}

const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  F64: { bytes: 8, create: (n) => new Float64Array(n), accepts: (d) => d instanceof Float64Array },
  F32: { bytes: 4, create: (n) => new Float32Array(n), accepts: (d) => d instanceof Float32Array },
  I64: { bytes: 8, create: (n) => new BigInt64Array(n), accepts: (d) => d instanceof BigInt64Array },
  I32: { bytes: 4, create: (n) => new Int32Array(n), accepts: (d) => d instanceof Int32Array },
  I16: { bytes: 2, create: (n) => new Int16Array(n), accepts: (d) => d instanceof Int16Array },
  I8: { bytes: 1, create: (n) => new Int8Array(n), accepts: (d) => d instanceof Int8Array },
  U8: { bytes: 1, create: (n) => new Uint8Array(n), accepts: (d) => d instanceof Uint8Array },
};

const TYPED_ARRAY_NAMES: Record<SafetensorsDtype, string> = {
  F64: 'Float64Array',
  F32: 'Float32Array',
  I64: 'BigInt64Array',
  I32: 'Int32Array',
  I16: 'Int16Array',
  I8: 'Int8Array',
  U8: 'Uint8Array',
};

/** The reference implementation refuses larger headers; so do we, before allocating for one. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, value);
}

export function dtypeByteSize(dtype: SafetensorsDtype): number {
  return DTYPES[dtype].bytes;
}

export function encodeSafetensors(
  tensors: Map<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    const checked: Record<string, string> = {};
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string')
        throw invalid(`safetensors metadata must map strings to strings; key '${key}' holds a ${typeof value}`);
      checked[key] = value;
    }
    header[METADATA_KEY] = checked;
  }

  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '' || name === METADATA_KEY) throw invalid(`'${name}' cannot be used as a tensor name`);
    if (!isSafetensorsDtype(t.dtype))
      throw invalid(`tensor '${name}': unknown dtype '${String(t.dtype)}'; use one of ${Object.keys(DTYPES).join(', ')}`);
    const info = DTYPES[t.dtype];
    if (!info.accepts(t.data))
      throw invalid(`tensor '${name}': dtype ${t.dtype} needs its data in a ${TYPED_ARRAY_NAMES[t.dtype]}`);
    const count = elementCount(t.shape, () => invalid(`tensor '${name}': invalid shape [${t.shape.join(', ')}]`));
    if (count !== t.data.length)
      throw invalid(`tensor '${name}': shape [${t.shape.join(', ')}] needs ${count} values, got ${t.data.length}`);
    const size = count * info.bytes;
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  // Padding keeps the data section 8-byte aligned, so readers can map tensors in place.
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);

  let position = 8 + headerLength;
  for (const t of tensors.values()) {
    const bytes = littleEndianBytes(t.data, DTYPES[t.dtype].bytes);
    out.set(bytes, position);
    position += bytes.length;
  }
  return out;
}

/** Parses and validates a safetensors file; `source` (usually the file name) starts every error message. */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContents {
  const fail = (what: string): HourglassError =>
    new HourglassError('BAD_FILE', `${source}: ${what}; the file is damaged or is not a safetensors file`);

  if (bytes.length < 8) throw fail(`${bytes.length} bytes is too short for a safetensors file (at least 8 needed)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8))
    throw fail(`the header length (${declared} bytes) goes beyond the end of the file (${bytes.length} bytes)`);
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES)
    throw fail(`the header length (${headerLength} bytes) is above the safetensors limit of ${MAX_HEADER_BYTES}`);

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    header = JSON.parse(text);
  } catch (e) {
    throw fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw fail('the header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];

  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(entry, fail);
      continue;
    }
    if (!isPlainObject(entry)) throw fail(`the header entry of tensor '${name}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (!isSafetensorsDtype(dtype))
      throw fail(
        `tensor '${name}' has dtype ${JSON.stringify(dtype)}, which hourglass does not read (it reads ${Object.keys(DTYPES).join(', ')})`,
      );
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger))
      throw fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger) || offsets[0] > offsets[1])
      throw fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    if (end > dataLength)
      throw fail(`tensor '${name}' has data_offsets [${begin}, ${end}] beyond the data section (${dataLength} bytes)`);
    const count = elementCount(shape, () => fail(`tensor '${name}' has a shape too large to address`));
    const needed = count * DTYPES[dtype].bytes;
    if (needed !== end - begin)
      throw fail(
        `tensor '${name}' has shape [${shape.join(', ')}] of ${dtype}, which needs ${needed} bytes, but its data_offsets cover ${end - begin}`,
      );
    entries.push({ name, dtype, shape, begin, end });
  }

  checkCoverage(entries, dataLength, fail);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const info = DTYPES[e.dtype];
    const data = info.create((e.end - e.begin) / info.bytes);
    // Copying gives aligned, JavaScript-owned memory whatever the offsets in the file.
    const target = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    target.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!hostIsLittleEndian) swapBytes(target, info.bytes);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data } as SafetensorsTensor);
  }
  return { tensors, metadata };
}

function parseMetadata(entry: unknown, fail: (what: string) => HourglassError): Record<string, string> {
  if (!isPlainObject(entry)) throw fail('__metadata__ is not an object of strings');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'string') throw fail(`__metadata__ key '${key}' holds ${JSON.stringify(value)}, not a string`);
    out[key] = value;
  }
  return out;
}

/** Tensors must tile the data section exactly: no overlap, no gap, nothing left over. */
function checkCoverage(
  entries: readonly { name: string; begin: number; end: number }[],
  dataLength: number,
  fail: (what: string) => HourglassError,
): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: { name: string; begin: number; end: number } | undefined;
  for (const e of sorted) {
    if (e.begin < covered && previous)
      throw fail(
        `tensors '${previous.name}' [${previous.begin}, ${previous.end}] and '${e.name}' [${e.begin}, ${e.end}] overlap`,
      );
    if (e.begin > covered) throw fail(`bytes [${covered}, ${e.begin}) of the data section belong to no tensor`);
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength)
    throw fail(`the data section has ${dataLength} bytes but the tensors cover only the first ${covered}`);
}

function elementCount(shape: readonly unknown[], error: () => HourglassError): number {
  let n = 1;
  for (const d of shape) {
    if (!isNonNegativeInteger(d)) throw error();
    n *= d;
  }
  if (!Number.isSafeInteger(n * 8)) throw error();
  return n;
}

function littleEndianBytes(data: DtypeArrays[SafetensorsDtype], elementBytes: number): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (hostIsLittleEndian) return bytes;
  const copy = Uint8Array.from(bytes);
  swapBytes(copy, elementBytes);
  return copy;
}

function swapBytes(bytes: Uint8Array, elementBytes: number): void {
  if (elementBytes === 1) return;
  for (let i = 0; i < bytes.length; i += elementBytes) bytes.subarray(i, i + elementBytes).reverse();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
