import { endianness } from 'node:os';
import { HourglassError, invalid } from '../core/errors.js';
import { tensor, type Tensor } from '../core/tensor.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { quoteInput } from '../core/quote.js';
import { inputFileError, openRegularFile } from '../io/input-file.js';

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

/** The largest NPY header read (numpy itself refuses headers above 10,000 bytes unless told otherwise). */
const MAX_HEADER_BYTES = 1 << 20;

export interface NpyReadOptions {
  /** Read only the first `limit` rows (entries of the first dimension): the rest of the file is not read. */
  limit?: number;
}

/** An .npy file as read: the values as float32 and the dtype they were stored in. */
export interface NpyFile {
  data: Tensor;
  /** The stored dtype: '<f4', '<f8', '|u1', '<i4' or '<i8'. */
  descr: string;
}

/**
 * Reads a NumPy .npy file (format versions 1, 2 and 3) into a float32 tensor of the same
 * shape. Supported dtypes: float32, float64, uint8, int32 and int64, little-endian, C order.
 * Values are returned as stored (see data/array-file.ts for the uint8 rule of sample data).
 */
export async function readNpy(file: string, options: NpyReadOptions = {}): Promise<Tensor> {
  return (await readNpyFile(file, options)).data;
}

/** readNpy, with the stored dtype; with `limit`, only the header and the first rows are read from disk. */
export async function readNpyFile(file: string, options: NpyReadOptions = {}): Promise<NpyFile> {
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw invalid(`limit must be a positive integer, got ${limit}`);
  const { handle, size } = await openRegularFile(file, 'NPY file');
  try {
    const read = async (position: number, length: number): Promise<Uint8Array> => {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    };
    const prefix = await read(0, 12);
    const headerEnd = npyHeaderEnd(prefix, file);
    if (headerEnd - 12 > MAX_HEADER_BYTES)
      throw new HourglassError('BAD_FILE', `${file}: the NPY header announces ${headerEnd} bytes; headers above ${MAX_HEADER_BYTES} bytes are refused`);
    const head = await read(0, Math.min(headerEnd, size));
    const header = parseNpyPrefix(head, file);
    const { shape, dtype } = header;
    const count = shape.reduce((a, b) => a * b, 1);
    // The file's size is checked against the header before anything of the announced size is allocated.
    checkDataSize(size - header.dataStart, count, dtype, shape, file);
    let rows = shape.length > 0 ? shape[0] : 1;
    if (limit !== undefined && shape.length > 0 && limit < rows) rows = limit;
    const perRow = shape.length > 0 && shape[0] > 0 ? count / shape[0] : count;
    const wanted = shape.length > 0 ? rows * perRow : count;
    const body = await read(header.dataStart, wanted * dtype.bytes);
    if (body.length < wanted * dtype.bytes) throw new HourglassError('BAD_FILE', `${file}: the file shrank while it was read`);
    const outShape = shape.length > 0 ? [rows, ...shape.slice(1)] : shape;
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    return { data: tensor(outShape, toFloat32(dtype, view, 0, wanted)), descr: dtype.descr };
  } catch (err) {
    throw inputFileError(file, err, 'NPY file');
  } finally {
    await handle.close();
  }
}

interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  dataStart: number;
}

/** Where the header ends (the data starts), from the first 10 or 12 bytes. */
function npyHeaderEnd(bytes: Uint8Array, file: string): number {
  const bad = (why: string) => new HourglassError('BAD_FILE', `${file}: ${why}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw bad('not an NPY file (it does not start with \\x93NUMPY; save arrays with numpy.save)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) return 10 + view.getUint16(8, true);
  if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated NPY header');
    return 12 + view.getUint32(8, true);
  }
  throw bad(`NPY format version ${major}.${bytes[7]} is not supported (versions 1, 2 and 3 are)`);
}

function parseNpyPrefix(bytes: Uint8Array, file: string): NpyHeader {
  const bad = (why: string) => new HourglassError('BAD_FILE', `${file}: ${why}`);
  const dataStart = npyHeaderEnd(bytes, file);
  const headerStart = bytes[6] === 1 ? 10 : 12;
  if (bytes.length < dataStart)
    throw bad(`truncated NPY header: it declares ${dataStart - headerStart} bytes, the file holds ${bytes.length - headerStart}`);
  const header = new TextDecoder(bytes[6] === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const { dtype, fortranOrder, shape } = parseHeader(header, bad);
  if (fortranOrder)
    throw bad(
      'the array is stored in Fortran (column-major) order, which is not supported; ' +
        'save it in C order with numpy.save(path, numpy.ascontiguousarray(a))',
    );
  return { dtype, shape, dataStart };
}

function checkDataSize(dataBytes: number, count: number, dtype: NpyDtype, shape: number[], file: string): void {
  const bad = (why: string) => new HourglassError('BAD_FILE', `${file}: ${why}`);
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
}

export function decodeNpy(bytes: Uint8Array, file = 'NPY data'): Tensor {
  return decodeNpyFile(bytes, file).data;
}

/** decodeNpy, with the stored dtype. */
export function decodeNpyFile(bytes: Uint8Array, file = 'NPY data'): NpyFile {
  const { dtype, shape, dataStart } = parseNpyPrefix(bytes, file);
  const count = shape.reduce((a, b) => a * b, 1);
  checkDataSize(bytes.length - dataStart, count, dtype, shape, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { data: tensor(shape, toFloat32(dtype, view, dataStart, count)), descr: dtype.descr };
}

/**
 * Parses the header, a Python dict literal, strictly as numpy.load does: exactly the keys
 * 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a tuple of integers),
 * each once. A regular expression would let a damaged or crafted header through.
 */
function parseHeader(
  header: string,
  bad: (why: string) => HourglassError,
): { dtype: NpyDtype; fortranOrder: boolean; shape: number[] } {
  const text = header.trim();
  const malformed = (why: string) => bad(`malformed NPY header ${quoteInput(text, 80)}: ${why}`);
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (c: string) => {
    skip();
    if (text[i] !== c) throw malformed(`expected '${c}' at character ${i + 1}`);
    i++;
  };
  const string = (): string => {
    skip();
    const q = text[i];
    if (q !== "'" && q !== '"') throw malformed(`expected a quoted string at character ${i + 1}`);
    const end = text.indexOf(q, i + 1);
    if (end < 0) throw malformed('a string is never closed');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const values: Record<string, unknown> = {};
  expect('{');
  for (;;) {
    skip();
    if (text[i] === '}') break;
    const key = string();
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape')
      throw malformed(`unexpected key ${quoteInput(key)} (an NPY header has exactly descr, fortran_order and shape)`);
    if (key in values) throw malformed(`the key '${key}' appears twice`);
    expect(':');
    skip();
    if (key === 'descr') {
      if (text[i] === '[') throw bad('structured arrays (record dtypes) are not supported; save a plain numeric array');
      values.descr = string();
    } else if (key === 'fortran_order') {
      const m = /^(True|False)\b/.exec(text.slice(i));
      if (!m) throw malformed('fortran_order must be True or False');
      values.fortran_order = m[1] === 'True';
      i += m[1].length;
    } else {
      expect('(');
      const shape: number[] = [];
      for (;;) {
        skip();
        if (text[i] === ')') break;
        const m = /^(\d+)L?/.exec(text.slice(i)); // Python 2 wrote long integers as 3L
        if (!m) throw malformed('shape is not a tuple of non-negative integers');
        const d = Number(m[1]);
        if (!Number.isSafeInteger(d)) throw malformed(`shape dimension ${m[1]} is too large`);
        shape.push(d);
        i += m[0].length;
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') throw malformed('shape is not a tuple of non-negative integers');
      }
      i++;
      values.shape = shape;
    }
    skip();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw malformed(`expected ',' or '}' at character ${i + 1}`);
  }
  i++;
  skip();
  if (i !== text.length) throw malformed('text after the closing }');
  for (const key of ['descr', 'fortran_order', 'shape'])
    if (!(key in values)) throw bad(`NPY header has no ${key === 'descr' ? 'descr (dtype)' : key}`);
  const descr = values.descr as string;
  const dtype = DTYPES[descr];
  if (!dtype) {
    const hint = descr.startsWith('>')
      ? 'big-endian data is not supported; convert with a.astype(a.dtype.newbyteorder("<"))'
      : "supported dtypes are float32 '<f4', float64 '<f8', uint8 '|u1', int32 '<i4' and int64 '<i8'; convert with a.astype('float32')";
    throw bad(`NPY dtype ${quoteInput(descr)} is not supported: ${hint}`);
  }
  return { dtype, fortranOrder: values.fortran_order as boolean, shape: values.shape as number[] };
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
