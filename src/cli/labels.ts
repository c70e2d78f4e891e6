import path from 'node:path';
import type { NiftiSliceOptions } from '../data/nifti.js';
import { HourglassError, invalid } from '../core/errors.js';
import { readNumericCsv } from '../data/csv.js';
import { readNpy } from '../data/npy.js';
import { isIdxFileName, readIdx } from '../data/idx.js';
import { loadData, type LoadedData } from './datasets.js';
import type { ImageReadOptions } from '../data/image-set-reader.js';

/** A data set with one class label per sample (what finetune and classify with labels need). */
export interface LabelledData extends Omit<LoadedData, 'labels'> {
  labels: Uint32Array;
}

export const LABEL_FILE_HELP = 'class labels for a data file: .csv (one column), .npy or .idx[.gz], one integer per sample';

/**
 * Reads class labels: integers >= 0, one per sample. Whether they are in range is checked
 * later, against the number of classes of the model.
 */
export async function readLabelFile(file: string): Promise<Uint32Array> {
  const lower = file.toLowerCase();
  let values: ArrayLike<number>;
  let shape: readonly number[];
  if (lower.endsWith('.csv')) {
    const csv = await readNumericCsv(file);
    if (csv.columns.length !== 1) throw new HourglassError('BAD_DATA', `${file}: a label file has one column, this one has ${csv.columns.length} (${csv.columns.slice(0, 5).join(', ')})`);
    values = csv.data.data;
    shape = [csv.data.shape[0]];
  } else if (lower.endsWith('.npy')) {
    const t = await readNpy(file);
    values = t.data;
    shape = t.shape;
  } else if (isIdxFileName(lower)) {
    const idx = await readIdx(file);
    values = idx.data as ArrayLike<number>;
    shape = idx.dims;
  } else {
    throw invalid(`label file ${file}: unknown format '${path.extname(file) || file}'; use .csv, .npy or .idx`);
  }
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1)))
    throw new HourglassError('BAD_DATA', `${file}: labels must be one value per sample (shape [n] or [n, 1]), got [${shape.join(', ')}]`);
  const labels = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v) || v < 0)
      throw new HourglassError('BAD_DATA', `${file}: label ${v} of sample ${i} is not a class; labels must be integers 0, 1, 2, ...`);
    labels[i] = v;
  }
  return labels;
}

/** loadData, plus labels: Fashion-MNIST's own, or those of --label-file for a data file. */
export async function loadLabelledData(
  spec: string,
  split: 'train' | 'test',
  { limit, dataDir, labelFile, required = true, idColumn, images, volume }: { limit?: number; dataDir?: string; labelFile?: string; required?: boolean; idColumn?: string; images?: ImageReadOptions; volume?: NiftiSliceOptions },
): Promise<LabelledData | (Omit<LoadedData, 'labels'> & { labels: null })> {
  const data = await loadData(spec, split, { limit, dataDir, idColumn, images, volume });
  let labels: Uint32Array | null = data.labels ? Uint32Array.from(data.labels) : null;
  if (labelFile) {
    labels = await readLabelFile(labelFile);
    const n = data.x.shape[0];
    if (limit !== undefined && labels.length > n) labels = labels.subarray(0, n);
    if (labels.length !== n) throw new HourglassError('BAD_DATA', `${labelFile} holds ${labels.length} labels but ${data.source} has ${n} samples; give one label per sample`);
  }
  if (!labels) {
    if (required) throw invalid(`${data.source} has no labels: pass --label-file with one class label per sample`);
    return { ...data, labels: null };
  }
  return { ...data, labels };
}

/** Class names: the data set's own, else '0', '1', ... up to the largest label (or `classes`). */
export function classNamesFor(data: { labels: ArrayLike<number>; classNames: string[] | null }, classes?: number): string[] {
  if (data.classNames) {
    if (classes !== undefined && classes !== data.classNames.length)
      throw invalid(`--classes ${classes} but the data set has ${data.classNames.length} classes`);
    return data.classNames;
  }
  let max = -1;
  for (let i = 0; i < data.labels.length; i++) max = Math.max(max, data.labels[i]);
  const k = classes ?? max + 1;
  if (!Number.isInteger(k) || k < 2) throw invalid(`a classifier needs at least 2 classes, got ${k}${classes === undefined ? ' (the largest label + 1)' : ''}`);
  return Array.from({ length: k }, (_, i) => String(i));
}
