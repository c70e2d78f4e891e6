import { endianness } from 'node:os';
import { HourglassError, invalid } from '../core/errors.js';
import { tensor, type Tensor } from '../core/tensor.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readInputFile } from './input-file.js';

/** Arrays writeNpy accepts; a Tensor is one. */
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;
export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: NpyData;
}

interface NpyDtype {
  readonly descr: string;
  readonly bytes: number;
}

const DTYPES: Record<string, NpyDtype> = {
  '<f4': { descr: '<f4', bytes: 4 },
  '<f8': { descr: '<f8', bytes: 8 },
  '|u1': { descr: '|u1', bytes: 1 },
  '<u1': { descr: '|u1', bytes: 1 },
  '<i4': { descr: '<i4', bytes: 4 },
  '<i8': { descr: '<i8', bytes: 8 },
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Reads a NumPy .npy file (format versions 1, 2 and 3) into a float32 tensor of the same
 * shape. Supported dtypes: float32, float64, uint8, int32 and int64, little-endian, C order.
 */
export async function readNpy(file: string): Promise<Tensor> {
  return decodeNpy(await readInputFile(file), file);
}

export function decodeNpy(bytes: Uint8Array, file = 'NPY data'): Tensor {
  const bad = (why: string) => new HourglassError('BAD_FILE', `${file}: ${why}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw bad('not an NPY file (it does not start with \\x93NUMPY; save arrays with numpy.save)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated NPY header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw bad(`NPY format version ${major}.${bytes[7]} is not supported (versions 1, 2 and 3 are)`);
  }
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart)
    throw bad(`truncated NPY header: it declares ${headerLength} bytes, the file holds ${bytes.length - headerStart}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const { dtype, fortranOrder, shape } = parseHeader(header, bad);
  if (fortranOrder)
    throw bad(
      'the array is stored in Fortran (column-major) order, which is not supported; ' +
        'save it in C order with numpy.save(path, numpy.ascontiguousarray(a))',
    );

  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = bytes.length - dataStart;
  const expected = count * dtype.bytes;
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  if (dataBytes < expected)
    throw bad(
      `truncated NPY: header says shape ${shapeText} = ${count} values of ${dtype.descr}, file holds ${Math.floor(dataBytes / dtype.bytes)}`,
    );
  if (dataBytes > expected)
    throw bad(
      `${dataBytes - expected} unexpected bytes after the NPY data (header says shape ${shapeText} of ${dtype.descr}); ` +
        'the file may be corrupt, or several arrays were appended to it',
    );
  return tensor(shape, toFloat32(dtype, view, dataStart, count));
}

function parseHeader(
  header: string,
  bad: (why: string) => HourglassError,
): { dtype: NpyDtype; fortranOrder: boolean; shape: number[] } {
  const text = header.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) throw bad(`malformed NPY header ${JSON.stringify(text.slice(0, 80))}`);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  if (descr === undefined) {
    if (/['"]descr['"]\s*:\s*\[/.test(text))
      throw bad('structured arrays (record dtypes) are not supported; save a plain numeric array');
    throw bad('NPY header has no descr (dtype)');
  }
  const dtype = DTYPES[descr];
  if (!dtype) {
    const hint = descr.startsWith('>')
      ? 'big-endian data is not supported; convert with a.astype(a.dtype.newbyteorder("<"))'
      : "supported dtypes are float32 '<f4', float64 '<f8', uint8 '|u1', int32 '<i4' and int64 '<i8'; convert with a.astype('float32')";
    throw bad(`NPY dtype '${descr}' is not supported: ${hint}`);
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  if (fortran === undefined) throw bad('NPY header has no fortran_order');
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shapeText === undefined) throw bad('NPY header has no shape');
  const shape: number[] = [];
  for (const part of shapeText.split(',')) {
    const p = part.trim().replace(/L$/, ''); // Python 2 wrote long integers as 3L
    if (p === '') continue;
    if (!/^\d+$/.test(p)) throw bad(`NPY shape (${shapeText}) is not a tuple of non-negative integers`);
    shape.push(Number(p));
  }
  return { dtype, fortranOrder: fortran === 'True', shape };
}

function toFloat32(dtype: NpyDtype, view: DataView, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const start = view.byteOffset + offset;
  switch (dtype.descr) {
    case '<f4':
      if (HOST_IS_LITTLE_ENDIAN && start % 4 === 0) out.set(new Float32Array(view.buffer, start, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
      break;
    case '<f8':
      if (HOST_IS_LITTLE_ENDIAN && start % 8 === 0) out.set(new Float64Array(view.buffer, start, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, true);
      break;
    case '|u1':
      out.set(new Uint8Array(view.buffer, start, count));
      break;
    case '<i4':
      if (HOST_IS_LITTLE_ENDIAN && start % 4 === 0) out.set(new Int32Array(view.buffer, start, count));
      else for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, true);
      break;
    case '<i8':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(offset + 8 * i, true));
      break;
  }
  return out;
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return DTYPES['<f4'];
  if (data instanceof Float64Array) return DTYPES['<f8'];
  if (data instanceof Uint8Array) return DTYPES['|u1'];
  if (data instanceof Int32Array) return DTYPES['<i4'];
  if (data instanceof BigInt64Array) return DTYPES['<i8'];
  throw invalid('writeNpy: data must be a Float32Array, Float64Array, Uint8Array, Int32Array or BigInt64Array');
}

/** Encodes an array as NPY bytes: version 1 unless the header needs version 2's longer length field. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const dtype = dtypeOf(array.data);
  const { shape, data } = array;
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) throw invalid(`writeNpy: invalid shape [${shape.join(', ')}]`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw invalid(`writeNpy: shape [${shape.join(', ')}] needs ${count} values, data holds ${data.length}`);

  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  const dict = `{'descr': '${dtype.descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy aligns the data to 64 bytes and ends the header with a newline.
  const pad = (prefix: number) => dict + ' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64) + '\n';
  const version = pad(10).length <= 0xffff ? 1 : 2;
  const prefix = version === 1 ? 10 : 12;
  const padded = pad(prefix);
  const out = new Uint8Array(prefix + padded.length + data.byteLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);

  const offset = prefix + padded.length;
  if (HOST_IS_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
  } else {
    for (let i = 0; i < count; i++) {
      const p = offset + i * dtype.bytes;
      if (data instanceof Float32Array) view.setFloat32(p, data[i], true);
      else if (data instanceof Float64Array) view.setFloat64(p, data[i], true);
      else if (data instanceof Uint8Array) view.setUint8(p, data[i]);
      else if (data instanceof Int32Array) view.setInt32(p, data[i], true);
      else view.setBigInt64(p, data[i], true);
    }
  }
  return out;
}

/** Writes a .npy file that numpy.load reads back; atomic (the target is never half-written). */
export async function writeNpy(file: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(file, encodeNpy(array));
}
