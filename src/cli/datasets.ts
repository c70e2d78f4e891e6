import path from 'node:path';
import { HourglassError, invalid } from '../core/errors.js';
import { tensor, type Tensor } from '../core/tensor.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { isIdxFileName, readIdx } from '../data/idx.js';
import { readNumericCsv } from '../data/csv.js';
import { readNpy } from '../data/npy.js';
import { withoutIdColumn, type IdColumn } from './id-column.js';

/** A data set as the CLI sees it: samples, and labels/class names when the source has them. */
export interface LoadedData {
  x: Tensor;
  labels: Uint8Array | null;
  classNames: string[] | null;
  /** [c, h, w] when the samples are images (pictures in reports), else null. */
  imageShape: number[] | null;
  /** Column names for tables. */
  columns: string[] | null;
  source: string;
  /** The --id-column of a CSV: its name and one value per sample. */
  ids?: IdColumn | null;
}

export const DATA_HELP = "'fashion-mnist' (default) or a .csv, .npy or .idx[.gz] file";

/**
 * Resolves --data. 'fashion-mnist' has real train/test splits; a file is one set, and the
 * caller holds out part of it when it needs test data. uint8 IDX data (images) is scaled to [0, 1].
 */
export async function loadData(spec: string, split: 'train' | 'test', { limit, dataDir, idColumn }: { limit?: number; dataDir?: string; idColumn?: string } = {}): Promise<LoadedData> {
  if (idColumn !== undefined)
    return withoutIdColumn(spec, idColumn, async (numeric, id) => {
      const data = await loadData(numeric, split, { limit, dataDir });
      return { ...data, source: spec, ids: { name: id.name, ids: id.ids.slice(0, data.x.shape[0]) } };
    });
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw invalid(`--limit must be a positive integer, got ${limit}`);
  if (spec === 'fashion-mnist') {
    const d = await loadFashionMnist({ split, limit, dir: dataDir });
    return { x: d.images, labels: d.labels, classNames: d.classNames, imageShape: [1, 28, 28], columns: null, source: `fashion-mnist/${split}` };
  }
  const lower = spec.toLowerCase();
  let x: Tensor;
  let columns: string[] | null = null;
  let imageShape: number[] | null = null;
  if (lower.endsWith('.csv')) {
    const csv = await readNumericCsv(spec);
    x = csv.data;
    columns = csv.columns;
  } else if (lower.endsWith('.npy')) {
    x = await readNpy(spec);
    if (x.shape.length === 4 || x.shape.length === 3) imageShape = x.shape.length === 4 ? x.shape.slice(1) : [1, ...x.shape.slice(1)];
  } else if (isIdxFileName(lower)) {
    const idx = await readIdx(spec);
    const scale = idx.type === 'uint8' ? 1 / 255 : 1;
    const data = new Float32Array(idx.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Number(idx.data[i]) * scale;
    x = tensor(idx.dims, data);
    if (idx.dims.length === 3) imageShape = [1, idx.dims[1], idx.dims[2]];
  } else {
    throw invalid(`--data ${spec}: unknown format '${path.extname(spec) || spec}'; use ${DATA_HELP}`);
  }
  if (x.shape.length === 1) throw new HourglassError('BAD_DATA', `${spec}: expected one sample per row, got a 1-D array`);
  if (imageShape) x = { shape: [x.shape[0], ...imageShape], data: x.data };
  if (limit !== undefined && limit < x.shape[0]) {
    const per = x.data.length / x.shape[0];
    x = { shape: [limit, ...x.shape.slice(1)], data: x.data.subarray(0, limit * per) };
  }
  return { x, labels: null, classNames: null, imageShape, columns, source: spec };
}
