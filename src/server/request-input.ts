import sharp from 'sharp';
import { HourglassError } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { parseNumericCsv } from '../data/csv.js';
import { imageErrorReason, openImage, sniffRasterFormat } from '../io/image-header.js';
import { unprocessable, unsupportedMedia } from './api-error.js';

/** The rows of a JSON body: arrays of numbers in the model's order, or objects keyed by column name. */
export type JsonRows = (number[] | Record<string, number>)[];

/** One part of a request body, as the routes receive it. */
export type RequestPart = { kind: 'json'; rows: JsonRows } | { kind: 'csv'; text: string; source: string } | { kind: 'image'; bytes: Buffer; source: string };

export interface InputLimits {
  rowsPerRequest: number;
  imagePixels: number;
}

/** The samples of a request as one tensor [n, ...shape], every value finite; errors say what is wrong. */
export async function samplesOf(parts: readonly RequestPart[], shape: Shape, columns: readonly string[] | null, limits: InputLimits): Promise<Tensor> {
  if (parts.length === 0) throw unprocessable('the request holds no samples: send {"rows": [[...]]}, a CSV body, or an image');
  const per = sizeOf(shape);
  const chunks: Float32Array[] = [];
  let rows = 0;
  for (const part of parts) {
    const data =
      part.kind === 'json' ? jsonRows(part.rows, per, columns) : part.kind === 'csv' ? csvRows(part.text, part.source, per, columns, limits) : await imagePixels(part.bytes, part.source, shape, limits);
    rows += data.length / per;
    if (rows > limits.rowsPerRequest) throw new HourglassError('BAD_DATA', `the request holds more than ${limits.rowsPerRequest} rows, the service's limit (--max-rows); split it`);
    chunks.push(data);
  }
  const data = new Float32Array(rows * per);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { shape: [rows, ...shape], data };
}

function jsonRows(rows: JsonRows, per: number, columns: readonly string[] | null): Float32Array {
  const data = new Float32Array(rows.length * per);
  rows.forEach((row, r) => {
    if (Array.isArray(row)) {
      if (row.length !== per) throw unprocessable(`row ${r} has ${row.length} values; this model takes ${per}${columns ? ` (${describe(columns)})` : ''}`);
      for (let c = 0; c < per; c++) data[r * per + c] = checkedValue(row[c], r, columns?.[c] ?? `value ${c}`);
      return;
    }
    if (!columns) throw unprocessable(`row ${r} is an object, but this model has no column names: send each row as an array of ${per} numbers`);
    const keys = Object.keys(row);
    const unknown = keys.filter((k) => !columns.includes(k));
    if (unknown.length) throw unprocessable(`row ${r} has unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; the columns are ${describe(columns)}`);
    columns.forEach((name, c) => {
      if (!(name in row)) throw unprocessable(`row ${r} lacks column '${name}'`);
      data[r * per + c] = checkedValue(row[name], r, `'${name}'`);
    });
  });
  return data;
}

function checkedValue(v: unknown, row: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw unprocessable(`row ${row}, ${what} is ${JSON.stringify(v)}; values must be finite numbers`);
  if (Math.abs(v) > 3.4028234663852886e38) throw unprocessable(`row ${row}, ${what} is ${v}, beyond the float32 range`);
  return v;
}

function csvRows(text: string, source: string, per: number, columns: readonly string[] | null, limits: InputLimits): Float32Array {
  const csv = parseNumericCsv(text, source, { limit: limits.rowsPerRequest + 1 });
  const width = csv.columns.length;
  const hasNames = columns !== null && csv.columns.every((c) => columns.includes(c));
  if (width !== per) throw unprocessable(`${source} has ${width} columns; this model takes ${per}${columns ? ` (${describe(columns)})` : ''}`);
  if (!hasNames || columns.every((c, i) => csv.columns[i] === c)) return csv.data.data;
  // Same columns in another order: matched by name, as detect score does.
  const n = csv.data.shape[0];
  const order = columns.map((c) => csv.columns.indexOf(c));
  const out = new Float32Array(n * per);
  for (let r = 0; r < n; r++) for (let c = 0; c < per; c++) out[r * per + c] = csv.data.data[r * width + order[c]];
  return out;
}

/** One image resized to the model's [c, h, w] (grey by luma when c = 1), values in [0, 1], CHW. */
async function imagePixels(bytes: Buffer, source: string, shape: Shape, limits: InputLimits): Promise<Float32Array> {
  if (shape.length !== 3) throw unsupportedMedia(`this model takes table rows of ${sizeOf(shape)} values, not images: send JSON rows or a CSV`);
  if (sniffRasterFormat(bytes) === null) throw unsupportedMedia(`${source} is not a PNG or JPEG image`);
  const [c, h, w] = shape;
  const opened = await openImage(bytes, source, { maxPixels: limits.imagePixels });
  try {
    let pipeline = opened.image.flatten({ background: '#ffffff' });
    if (opened.width !== w || opened.height !== h) pipeline = pipeline.resize(w, h, { fit: 'fill' });
    pipeline = c === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== c) throw new Error(`decoded ${info.channels} channels, the model takes ${c}`);
    const out = new Float32Array(c * h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[k * h * w + y * w + x] = data[(y * w + x) * c + k] / 255;
    return out;
  } catch (e) {
    if (e instanceof HourglassError) throw e;
    throw unprocessable(`${source}: not a readable image (${imageErrorReason(e)})`);
  }
}

/** A [c, h, w] image in [0, 1] as PNG bytes. */
export async function pngOf(pixels: ArrayLike<number>, shape: Shape): Promise<Buffer> {
  const [c, h, w] = shape;
  const bytes = Buffer.alloc(c * h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const v = pixels[k * h * w + y * w + x];
        bytes[(y * w + x) * c + k] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
      }
  let pipeline = sharp(bytes, { raw: { width: w, height: h, channels: c as 1 | 3 } });
  if (c === 1) pipeline = pipeline.toColourspace('b-w');
  return pipeline.png().toBuffer();
}

function describe(columns: readonly string[]): string {
  return columns.length <= 8 ? columns.join(', ') : `${columns.slice(0, 8).join(', ')}, ... (${columns.length} columns)`;
}
