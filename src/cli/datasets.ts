import path from 'node:path';
import { HourglassError, invalid } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { isIdxFileName } from '../data/idx.js';
import { readNumericCsv } from '../data/csv.js';
import { describeScaling, readSampleArray } from '../data/array-file.js';
import { withoutIdColumn, type IdColumn } from './id-column.js';
import { isImageInput } from '../data/image-folder.js';
import { readImageSet, type ImageReadOptions } from '../data/image-set-reader.js';
import type { ImageSet } from '../data/image-set.js';
import { extractPatches, patchesPerImage, patchLayout } from '../data/patches.js';
import { isNiftiFileName, type NiftiSliceOptions } from '../data/nifti.js';
import { loadVolumeImageSet } from './volume-data.js';

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
  /** True when the file stored uint8 bytes and the values were divided by 255 (the uint8 rule, data/array-file.ts). */
  scaledFromBytes?: boolean;
  /** The --id-column of a CSV: its name and one value per sample. */
  ids?: IdColumn | null;
  /** Images with their paths (relative to the folder, or volume#plane/slice), layout labels, groups, masks and foreground: an image folder or glob, or a NIfTI volume's slices. */
  images?: ImageSet | null;
}

export const DATA_HELP = "'fashion-mnist' (default), a .csv, .npy, .idx[.gz] or NIfTI .nii[.gz] file, or a folder or quoted glob of PNG/JPEG/WebP/TIFF images";

/**
 * Resolves --data. 'fashion-mnist' has real train/test splits; a file is one set, and the
 * caller holds out part of it when it needs test data. uint8 arrays (.npy or .idx) are image
 * bytes and are divided by 255 into [0, 1] (data/array-file.ts), which is said on stderr.
 * With `limit`, a CSV stops reading after that many rows and an .npy reads only those rows.
 */
export async function loadData(
  spec: string,
  split: 'train' | 'test',
  { limit, dataDir, idColumn, images, volume }: { limit?: number; dataDir?: string; idColumn?: string; images?: ImageReadOptions; volume?: NiftiSliceOptions } = {},
): Promise<LoadedData> {
  if (idColumn !== undefined)
    return withoutIdColumn(spec, idColumn, async (numeric, id) => {
      const data = await loadData(numeric, split, { limit, dataDir });
      return { ...data, source: spec, ids: { name: id.name, ids: id.ids.slice(0, data.x.shape[0]) } };
    });
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw invalid(`--limit must be a positive integer, got ${limit}`);
  if (spec !== 'fashion-mnist' && (await isImageInput(spec))) return loadImageFolder(spec, split, { ...(images ?? { size: null, fit: 'cover' }), limit });
  if (spec === 'fashion-mnist') {
    const d = await loadFashionMnist({ split, limit, dir: dataDir });
    return { x: d.images, labels: d.labels, classNames: d.classNames, imageShape: [1, 28, 28], columns: null, source: `fashion-mnist/${split}` };
  }
  if (isNiftiFileName(spec)) return loadVolumeData(spec, volume ?? {}, limit);
  const lower = spec.toLowerCase();
  let x: Tensor;
  let columns: string[] | null = null;
  let imageShape: number[] | null = null;
  let scaledFromBytes = false;
  if (lower.endsWith('.csv')) {
    const csv = await readNumericCsv(spec, { limit });
    x = csv.data;
    columns = csv.columns;
  } else if (lower.endsWith('.npy') || isIdxFileName(lower)) {
    const array = await readSampleArray(spec, lower.endsWith('.npy') ? 'npy' : 'idx', { limit });
    x = array.data;
    scaledFromBytes = array.scaledFromBytes;
    const note = describeScaling(spec, array);
    if (note) process.stderr.write(`hourglass: note: ${note}\n`);
    if (array.format === 'npy' && (x.shape.length === 4 || x.shape.length === 3)) imageShape = x.shape.length === 4 ? x.shape.slice(1) : [1, ...x.shape.slice(1)];
    if (array.format === 'idx' && x.shape.length === 3) imageShape = [1, x.shape[1], x.shape[2]];
  } else {
    throw invalid(`--data ${spec}: unknown format '${path.extname(spec) || spec}'; use ${DATA_HELP}`);
  }
  if (x.shape.length === 1) throw new HourglassError('BAD_DATA', `${spec}: expected one sample per row, got a 1-D array`);
  if (imageShape) x = { shape: [x.shape[0], ...imageShape], data: x.data };
  if (limit !== undefined && limit < x.shape[0]) {
    const per = x.data.length / x.shape[0];
    x = { shape: [limit, ...x.shape.slice(1)], data: x.data.subarray(0, limit * per) };
  }
  return { x, labels: null, classNames: null, imageShape, columns, source: spec, scaledFromBytes };
}

/**
 * An image folder or glob (data/image-set-reader.ts). Class folders give class labels; the
 * anomaly layouts (MVTec, normal/anomalous) give anomaly labels and masks on `images`.
 */
async function loadImageFolder(spec: string, split: 'train' | 'test', options: ImageReadOptions): Promise<LoadedData> {
  const read = await readImageSet(spec, split, options);
  if (read.skipped.length > 0)
    process.stderr.write(`hourglass: skipped ${read.skipped.length} unreadable image${read.skipped.length === 1 ? '' : 's'} (--skip-bad): ${read.skipped.slice(0, 3).map((s) => s.path).join(', ')}${read.skipped.length > 3 ? ', ...' : ''}\n`);
  if (!options.patch) return { x: read.set.x, labels: read.classLabels, classNames: read.classNames, imageShape: read.set.x.shape.slice(1), columns: null, source: read.source, images: read.set };
  // Patches: the samples are the patches; the images, their paths and masks stay whole on `images`.
  const layout = patchLayout(read.set.x.shape, options.patch.size, options.patch.stride);
  const x = extractPatches(read.set.x, layout);
  const per = patchesPerImage(layout);
  const labels = read.classLabels ? Uint8Array.from({ length: x.shape[0] }, (_, i) => read.classLabels![Math.floor(i / per)]) : null;
  return {
    x,
    labels,
    classNames: read.classNames,
    imageShape: x.shape.slice(1),
    columns: null,
    source: `${read.source}, ${per} patches of ${layout.patch}x${layout.patch} per image (stride ${layout.stride})`,
    images: { ...read.set, patches: layout },
  };
}

/** A NIfTI volume (.nii, .nii.gz) as its 2-D slices (data/nifti.ts; the options are the commands' VOLUME_OPTIONS). */
async function loadVolumeData(spec: string, volume: NiftiSliceOptions, limit: number | undefined): Promise<LoadedData> {
  const set = await loadVolumeImageSet(spec, volume, limit);
  return { x: set.x, labels: null, classNames: null, imageShape: set.x.shape.slice(1), columns: null, source: spec, images: set };
}
