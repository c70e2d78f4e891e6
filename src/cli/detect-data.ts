import { HourglassError, invalid } from '../core/errors.js';
import type { ImageReadOptions } from '../data/image-set-reader.js';
import { gatherRows, type Tensor } from '../core/tensor.js';
import { Rng } from '../core/rng.js';
import { validationRows } from '../data/dataset.js';
import { loadData, type LoadedData } from './datasets.js';
import { loadLabelledData, readLabelFile } from './labels.js';
import { RANDOM_STREAMS } from '../core/random-streams.js';
import type { NiftiSliceOptions } from '../data/nifti.js';

/** Normal data for `detect fit`, and labelled validation data when the threshold is chosen by F1. */
export interface NormalData {
  x: Tensor;
  source: string;
  columns: string[] | null;
  imageShape: number[] | null;
  /** The class taken as normal, when the data set is labelled. */
  normalClass: number | null;
  className: string | null;
  validation: { x: Tensor; labels: Uint8Array; source: string } | null;
}

export interface NormalDataOptions {
  data: string;
  dataDir?: string;
  idColumn?: string;
  limit?: number;
  normalClass?: number;
  labels?: string;
  /** Labelled validation data (a file) and its labels; or, for a labelled data set, the fraction held out. */
  validation?: string;
  validationLabels?: string;
  validationSplit: number;
  needValidation: boolean;
  /** How image folders are read. */
  images?: ImageReadOptions;
  /** How NIfTI volumes are sliced (--slices, --window, --size, ...). */
  volume?: NiftiSliceOptions;
}

/** Loads the normal data: a whole file, or one class of a labelled set (Fashion-MNIST, or a file with --labels). */
export async function loadNormalData(o: NormalDataOptions): Promise<NormalData> {
  const all = await loadData(o.data, 'train', { limit: o.limit, dataDir: o.dataDir, idColumn: o.idColumn, images: o.images, volume: o.volume });
  const labels = all.labels ?? (o.labels ? await readLabels(o.labels, all.x.shape[0]) : null);
  if (o.normalClass !== undefined && !labels)
    throw invalid(`--normal-class needs a labelled data set: fashion-mnist, or a data file with --label-file FILE`);
  if (o.labels && all.labels) throw invalid('--label-file is for data files; fashion-mnist has its own labels');

  let x = all.x;
  let source = all.source;
  let validation: NormalData['validation'] = null;
  let className: string | null = null;
  if (o.normalClass !== undefined) {
    const k = o.normalClass;
    const classes = all.classNames?.length ?? Math.max(...labels!) + 1;
    if (!Number.isInteger(k) || k < 0 || k >= classes) throw invalid(`--normal-class must be an integer from 0 to ${classes - 1}, got ${k}`);
    className = all.classNames?.[k] ?? null;
    // With max-F1 and no validation file, part of the labelled training data (every class) is held out.
    let trainRows: Uint32Array = Uint32Array.from({ length: x.shape[0] }, (_, i) => i);
    if (o.needValidation && !o.validation) {
      if (!(o.validationSplit > 0 && o.validationSplit < 1)) throw invalid(`--validation-split must be in (0, 1), got ${o.validationSplit}`);
      const split = validationRows(x.shape[0], o.validationSplit, new Rng(RANDOM_STREAMS.detectValidation(0)));
      trainRows = split.trainIndices;
      validation = {
        x: gatherRows(x, split.validationIndices),
        labels: Uint8Array.from(split.validationIndices, (i) => (labels![i] === k ? 0 : 1)),
        source: `${o.validationSplit} of ${source} held out (every class; ${className ?? `class ${k}`} normal)`,
      };
    }
    const normalRows = trainRows.filter((i) => labels![i] === k);
    if (normalRows.length === 0) throw invalid(`${source} has no samples of class ${k}: the normal set is empty`);
    x = gatherRows(x, normalRows);
    source = `${source} class ${k}${className ? ` '${className}'` : ''}`;
  }
  if (o.validation) {
    if (!o.validationLabels) throw invalid('--validation needs --validation-label-file FILE (0 = normal, 1 = anomaly, one per sample)');
    const v = await loadData(o.validation, 'test', { dataDir: o.dataDir, images: o.images, volume: o.volume });
    validation = { x: v.x, labels: await readLabels(o.validationLabels, v.x.shape[0]), source: v.source };
  } else if (o.needValidation && !validation) {
    throw invalid('--max-f1 chooses the threshold on labelled validation data: give --validation FILE --validation-label-file FILE, or use --normal-class with a labelled data set');
  }
  if (x.shape[0] === 0) throw new HourglassError('BAD_DATA', `${source}: the normal set is empty`);
  return { x, source, columns: all.columns, imageShape: all.imageShape, normalClass: o.normalClass ?? null, className, validation };
}

/** Test data with anomaly labels for `detect report`: Fashion-MNIST's test split relative to a normal class, or a file with --labels. */
export async function loadAnomalyReportData(
  spec: string,
  { split, dataDir, limit, labels, normalClass, images, volume }: { split: 'train' | 'test'; dataDir?: string; limit?: number; labels?: string; normalClass: number | null; images?: ImageReadOptions; volume?: NiftiSliceOptions },
): Promise<{ data: LoadedData; anomalyLabels: Uint8Array | null; classLabels: Uint8Array | null }> {
  // A data set with its own labels (Fashion-MNIST) keeps them; --label-file is for data files.
  const labelled = await loadLabelledData(spec, split, { dataDir, limit, labelFile: spec === 'fashion-mnist' ? undefined : labels, required: false, images, volume });
  const data: LoadedData = { ...labelled, labels: null };
  // An anomaly layout (MVTec test/, normal/ + anomalous/) or a volume with --masks labels its
  // images itself: no label file needed.
  if (labelled.images?.labels && !labels) return { data, anomalyLabels: labelled.images.labels, classLabels: null };
  if (!labelled.labels) return { data, anomalyLabels: null, classLabels: null };
  const values = labelBytes(labelled.labels, labels ?? `${labelled.source} labels`);
  if (normalClass !== null) return { data, anomalyLabels: Uint8Array.from(values, (l) => (l === normalClass ? 0 : 1)), classLabels: values };
  if (!labels) return { data, anomalyLabels: null, classLabels: values };
  for (let i = 0; i < values.length; i++)
    if (values[i] > 1) throw invalid(`${labels}: label ${i} is ${values[i]}; anomaly labels are 0 (normal) or 1 (anomaly) — or pass --normal-class to treat them as classes`);
  return { data, anomalyLabels: values, classLabels: null };
}

/** Integer labels, one per sample, from a label file (labels.ts's readLabelFile: .csv, .npy or .idx). */
async function readLabels(file: string, expected: number): Promise<Uint8Array> {
  const values = await readLabelFile(file);
  if (values.length !== expected) throw new HourglassError('BAD_DATA', `${file} holds ${values.length} labels for ${expected} samples; give one label per sample`);
  return labelBytes(values, file);
}

/** The detector's labels are bytes (0 = normal, 1 = anomaly, or class numbers). */
function labelBytes(values: Uint32Array, source: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 255) throw new HourglassError('BAD_DATA', `${source}: label ${i} is ${v}; labels are integers (0 = normal, 1 = anomaly, or class numbers)`);
    out[i] = v;
  }
  return out;
}
