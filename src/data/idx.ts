import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { HourglassError, invalid } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readMaybeGzipped } from './input-file.js';

const gzipAsync = promisify(gzip);

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * Whether a file name is an IDX file: `.idx`, `.idx3`, `.idx1-ubyte` or a name ending in
 * `-ubyte` (MNIST's train-images-idx3-ubyte), each optionally gzipped (`.gz`).
 */
export function isIdxFileName(file: string): boolean {
  return /\.idx\d?(-ubyte)?(\.gz)?$|-ubyte(\.gz)?$/.test(file.toLowerCase());
}

export interface IdxArray {
  dims: number[];
  type: IdxType;
  data: IdxData;
}

interface IdxTypeInfo {
  readonly code: number;
  readonly type: IdxType;
  readonly bytes: number;
}

const IDX_TYPES: readonly IdxTypeInfo[] = [
  { code: 0x08, type: 'uint8', bytes: 1 },
  { code: 0x09, type: 'int8', bytes: 1 },
  { code: 0x0b, type: 'int16', bytes: 2 },
  { code: 0x0c, type: 'int32', bytes: 4 },
  { code: 0x0d, type: 'float32', bytes: 4 },
  { code: 0x0e, type: 'float64', bytes: 8 },
];

/**
 * Reads an IDX file (the format of MNIST and Fashion-MNIST), gzipped or not: gzip is
 * recognised by its content, since downloads are often renamed. Every inconsistency
 * between header and content is an error, because a silently short data set trains fine
 * and gives wrong results.
 */
export async function readIdx(file: string): Promise<IdxArray> {
  const bytes = await readMaybeGzipped(file, idxAnnouncedBytes);
  const bad = (why: string) => new HourglassError('BAD_FILE', `${file}: ${why}`);

  if (bytes.length < 4) throw bad(`not an IDX file (only ${bytes.length} bytes, the header alone needs at least 4)`);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw bad(
      `not an IDX file (magic number starts with 0x${hex(bytes[0])}${hex(bytes[1])}, expected 0x0000)`,
    );
  const info = IDX_TYPES.find((t) => t.code === bytes[2]);
  if (!info)
    throw bad(
      `unknown IDX data type 0x${hex(bytes[2])} (expected one of ${IDX_TYPES.map((t) => `0x${hex(t.code)} ${t.type}`).join(', ')})`,
    );
  const ndims = bytes[3];
  if (ndims === 0) throw bad('IDX header declares 0 dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes)
    throw bad(`truncated IDX header: ${ndims} dimensions need ${headerBytes} header bytes, file holds ${bytes.length}`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw bad(`IDX dimension ${i + 1} of ${ndims} is 0`);
    dims.push(d);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const dataBytes = bytes.length - headerBytes;
  const expectedBytes = count * info.bytes;
  if (dataBytes < expectedBytes)
    throw bad(
      `truncated IDX: header says ${dims.join('x')} = ${count} values, file holds ${Math.floor(dataBytes / info.bytes)}`,
    );
  if (dataBytes > expectedBytes)
    throw bad(
      `${dataBytes - expectedBytes} unexpected bytes after the IDX data: header says ${dims.join('x')} = ${count} values ` +
        `of ${info.type}; the file may be corrupt or not an IDX file`,
    );

  return { dims, type: info.type, data: decode(info.type, view, headerBytes, count) };
}

/** Bytes an IDX file of this header holds (header + values), or null until the header is complete; bounds gzip inflation. */
export function idxAnnouncedBytes(head: Uint8Array): number | null {
  if (head.length < 4) return null;
  const info = IDX_TYPES.find((t) => t.code === head[2]);
  const ndims = head[3];
  // Not an IDX header: readIdx reports what is wrong; allow no more than the header could.
  if (head[0] !== 0 || head[1] !== 0 || !info || ndims === 0) return 4 + 4 * 255;
  const headerBytes = 4 + 4 * ndims;
  if (head.length < headerBytes) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let i = 0; i < ndims; i++) count *= view.getUint32(4 + 4 * i, false);
  return headerBytes + count * info.bytes;
}

function decode(type: IdxType, view: DataView, offset: number, count: number): IdxData {
  switch (type) {
    case 'uint8':
      // A view into the buffer just inflated or read: it belongs to us alone, so no copy.
      return new Uint8Array(view.buffer, view.byteOffset + offset, count);
    case 'int8':
      return new Int8Array(view.buffer, view.byteOffset + offset, count);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

function idxTypeOf(data: IdxData): IdxType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  throw invalid('writeIdx: data must be a Uint8Array, Int8Array, Int16Array, Int32Array, Float32Array or Float64Array');
}

/** Encodes an array as IDX bytes (big-endian, as the format requires). */
export function encodeIdx(dims: readonly number[], data: IdxData): Uint8Array {
  const type = idxTypeOf(data);
  const info = IDX_TYPES.find((t) => t.type === type)!;
  if (dims.length === 0 || dims.length > 255)
    throw invalid(`writeIdx: IDX needs between 1 and 255 dimensions, got ${dims.length}`);
  for (const d of dims)
    if (!Number.isInteger(d) || d <= 0 || d > 0xffffffff)
      throw invalid(`writeIdx: dimensions must be positive integers below 2^32, got [${dims.join(', ')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw invalid(`writeIdx: dimensions ${dims.join('x')} = ${count} values, but data holds ${data.length}`);

  const headerBytes = 4 + 4 * dims.length;
  const out = new Uint8Array(headerBytes + count * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  switch (type) {
    case 'uint8':
    case 'int8':
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.length), headerBytes);
      break;
    case 'int16':
      for (let i = 0; i < count; i++) view.setInt16(headerBytes + 2 * i, data[i], false);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) view.setInt32(headerBytes + 4 * i, data[i], false);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) view.setFloat32(headerBytes + 4 * i, data[i], false);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) view.setFloat64(headerBytes + 8 * i, data[i], false);
      break;
  }
  return out;
}

/**
 * Writes an IDX file; the element type follows the typed array. A path ending in .gz is
 * gzipped. The write is atomic: the target is never left half-written.
 */
export async function writeIdx(file: string, dims: readonly number[], data: IdxData): Promise<void> {
  const encoded = encodeIdx(dims, data);
  await writeFileAtomic(file, file.toLowerCase().endsWith('.gz') ? await gzipAsync(encoded) : encoded);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
