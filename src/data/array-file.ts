import { tensor, type Tensor } from '../core/tensor.js';
import { readIdx } from './idx.js';
import { readNpyFile } from './npy.js';

/**
 * The uint8 rule, in one place for every reader of sample arrays (train, eval, detect,
 * compress, denoise, ... through the CLI's loadData and denoise's readImageArray):
 * a uint8 array (NPY dtype '|u1', IDX type 0x08) holds image bytes 0..255 and is divided by
 * 255 into [0, 1]; every other dtype is read as stored. Labels are not sample data and keep
 * their integer values (cli/labels.ts reads them raw).
 */
export const UINT8_SCALE = 1 / 255;

export interface SampleArray {
  /** float32 values, uint8 data already divided by 255. */
  data: Tensor;
  format: 'npy' | 'idx';
  /** True when the file stored uint8 bytes and the values were divided by 255 (say so to the user). */
  scaledFromBytes: boolean;
}

/** Reads an .npy or .idx[.gz] file of samples under the uint8 rule; `limit` keeps the first rows (an .npy reads only those). */
export async function readSampleArray(file: string, format: 'npy' | 'idx', options: { limit?: number } = {}): Promise<SampleArray> {
  const { limit } = options;
  if (format === 'npy') {
    const npy = await readNpyFile(file, { limit });
    const bytes = npy.descr === '|u1';
    if (bytes) scaleBytes(npy.data.data);
    return { data: npy.data, format, scaledFromBytes: bytes };
  }
  const idx = await readIdx(file);
  const bytes = idx.type === 'uint8';
  const per = idx.dims.slice(1).reduce((a, b) => a * b, 1);
  const rows = limit !== undefined && limit < idx.dims[0] ? limit : idx.dims[0];
  const data = new Float32Array(rows * per);
  const scale = bytes ? UINT8_SCALE : 1;
  for (let i = 0; i < data.length; i++) data[i] = Number(idx.data[i]) * scale;
  return { data: tensor([rows, ...idx.dims.slice(1)], data), format, scaledFromBytes: bytes };
}

function scaleBytes(values: Float32Array): void {
  for (let i = 0; i < values.length; i++) values[i] *= UINT8_SCALE;
}

/** What the uint8 rule did, for a command's output. */
export function describeScaling(source: string, array: Pick<SampleArray, 'scaledFromBytes'>): string | null {
  return array.scaledFromBytes ? `${source} holds uint8 bytes: values divided by 255 into [0, 1]` : null;
}
