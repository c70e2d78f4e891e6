import path from 'node:path';
import { HourglassError, invalid } from '../core/errors.js';
import { tensor } from '../core/tensor.js';
import type { ImageSet } from './image-set.js';
import { readNiftiVolume, type NiftiVolume } from './nifti-volume.js';
import { resizePlane } from './resize-plane.js';
import { filledForeground, otsuThreshold } from './volume-foreground.js';
import { toRas, type RasVolume } from './volume-orientation.js';
import { labelsOnGrid } from './volume-resample.js';

export { isNiftiFileName } from './nifti-volume.js';

export type SliceAxis = 'axial' | 'coronal' | 'sagittal';
export const SLICE_AXES: readonly SliceAxis[] = ['axial', 'coronal', 'sagittal'];

export interface NiftiSliceOptions {
  /** Plane of the slices (default 'axial'). */
  slices?: SliceAxis;
  /** Intensities mapped to [0, 1]: 'auto' (default) = the 0.5th to 99.5th percentile of the volume, or [min, max]; values outside are clipped. */
  window?: 'auto' | readonly [number, number];
  /** Pixels that count in pixel metrics: 'auto' (Otsu's threshold, holes filled, per slice), a mask volume (> 0 = in; any grid of the same world space), or null (every pixel). */
  foreground?: 'auto' | string | null;
  /** Ground-truth anomaly masks: a label volume (> 0 = anomalous), sliced like the scan; makes labels (an image is anomalous when its mask is not empty). */
  masks?: string | null;
  /** Slices resized to [height, width] (antialiased linear); default their own size. */
  size?: readonly [number, number] | null;
  /** Only slices from..to-1 (indices along the slice axis in RAS order, as in the paths); default all. */
  range?: readonly [number, number] | null;
}

/** The slices of a volume and what was decided on the way, for the command's summary line. */
export interface NiftiSlices extends ImageSet {
  /** Intensities that became 0 and 1. */
  window: [number, number];
  /** Voxels per RAS axis (R, A, S) and where the orientation came from. */
  rasDims: [number, number, number];
  orientation: string;
}

/**
 * Reads a NIfTI-1 volume (.nii or .nii.gz) as a stack of 2-D slices: an ImageSet whose paths
 * are 'file.nii.gz#axial/071'. The voxel axes are first reordered to RAS+ (volume-orientation.ts,
 * from the header's qform/sform), so the slice planes are anatomical whatever the file's
 * storage order; then, looking at the slice:
 * - axial (slice index = S, inferior to superior): rows from anterior (top) to posterior,
 *   columns from the patient's left to right (neurological view: left on the left);
 * - coronal (slice index = A, posterior to anterior): rows superior (top) to inferior, columns left to right;
 * - sagittal (slice index = R, left to right): rows superior (top) to inferior, columns posterior to anterior.
 * Without a qform or sform, the voxel axes are taken as R, A, S.
 */
export async function readNiftiSlices(file: string, options: NiftiSliceOptions = {}): Promise<NiftiSlices> {
  const axis = options.slices ?? 'axial';
  if (!SLICE_AXES.includes(axis)) throw invalid(`--slices must be one of ${SLICE_AXES.join(', ')}, got '${axis}'`);
  const name = path.basename(file);
  const volume = await readNiftiVolume(file);
  const ras = toRas(volume);
  const window = options.window && options.window !== 'auto' ? checkWindow(options.window) : autoWindow(volume.data, name);
  const [lo, hi] = window;
  const scaled = new Float32Array(ras.data.length);
  for (let i = 0; i < scaled.length; i++) {
    const v = (ras.data[i] - lo) / (hi - lo);
    scaled[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  const windowed: RasVolume = { ...ras, data: scaled };
  const labelVolume = async (spec: string, what: string): Promise<RasVolume> => {
    const labels = await readNiftiVolume(spec).catch((e: unknown) => {
      if (e instanceof HourglassError) throw new HourglassError(e.code, `${what} ${e.message}`);
      throw e;
    });
    return toRas({ ...volume, data: labelsOnGrid(labels, volume, spec) });
  };
  const maskVolume = options.masks ? await labelVolume(options.masks, '--masks') : null;
  const foregroundVolume = typeof options.foreground === 'string' && options.foreground !== 'auto' ? await labelVolume(options.foreground, '--foreground') : null;
  const otsu = options.foreground === 'auto' ? otsuThreshold(scaled) : null;

  const count = ras.dims[axisIndex(axis)];
  const [from, to] = options.range ? checkRange(options.range, count, axis) : [0, count];
  const [h0, w0] = planeSize(ras.dims, axis);
  const [h, w] = options.size ? checkSize(options.size) : [h0, w0];
  const n = to - from;
  const x = new Float32Array(n * h * w);
  const masks = maskVolume ? new Float32Array(n * h * w) : null;
  const foreground = foregroundVolume || otsu !== null ? new Float32Array(n * h * w) : null;
  const paths: string[] = [];
  const digits = Math.max(3, String(count - 1).length);
  for (let s = from; s < to; s++) {
    const at = (s - from) * h * w;
    const plane = slicePlane(windowed, axis, s);
    x.set(resizePlane(plane, h0, w0, h, w), at);
    // Masks are resized like the image and cut at one half, so a region keeps its area.
    if (masks && maskVolume) masks.set(binary(resizePlane(slicePlane(maskVolume, axis, s), h0, w0, h, w)), at);
    if (foreground && foregroundVolume) foreground.set(binary(resizePlane(slicePlane(foregroundVolume, axis, s), h0, w0, h, w)), at);
    else if (foreground && otsu !== null) foreground.set(binary(resizePlane(Float32Array.from(filledForeground(plane, h0, w0, otsu)), h0, w0, h, w)), at);
    paths.push(`${name}#${axis}/${String(s).padStart(digits, '0')}`);
  }
  let labels: Uint8Array | null = null;
  if (masks) {
    labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) labels[i] = masks.subarray(i * h * w, (i + 1) * h * w).some((v) => v > 0.5) ? 1 : 0;
  }
  return {
    x: tensor([n, 1, h, w], x),
    paths,
    labels,
    groups: labels ? Array.from(labels, (l) => (l ? 'lesion' : 'normal')) : null,
    masks: masks ? tensor([n, 1, h, w], masks) : null,
    foreground: foreground ? tensor([n, 1, h, w], foreground) : null,
    window,
    rasDims: ras.dims,
    orientation: ras.voxelAxesKept ? `voxel axes (the ${volume.transform} is too oblique to name axes)` : `RAS from the ${volume.transform}`,
  };
}

/**
 * The window of 'auto': from the 0.5th percentile of every voxel (the background) to the 99.5th
 * percentile of the voxels above it (the tissue), so a scan that is mostly empty background
 * is not windowed by its background's share; robust to a few hot voxels at both ends.
 */
function autoWindow(data: Float32Array, name: string): [number, number] {
  // A fixed stride over at most a million voxels: deterministic, and a 512^3 volume is not sorted whole.
  const step = Math.max(1, Math.floor(data.length / 1_000_000));
  const sample = new Float32Array(Math.ceil(data.length / step));
  for (let i = 0, j = 0; i < data.length; i += step, j++) sample[j] = data[i];
  sample.sort();
  const at = (values: Float32Array, q: number): number => values[Math.min(values.length - 1, Math.round(q * (values.length - 1)))];
  let lo = at(sample, 0.005);
  let above = 0;
  while (above < sample.length && sample[above] <= lo) above++;
  let hi = above < sample.length ? at(sample.subarray(above), 0.995) : lo;
  if (!(hi > lo)) {
    lo = sample[0];
    hi = sample[sample.length - 1];
  }
  if (!(hi > lo)) throw new HourglassError('BAD_DATA', `${name}: every voxel has the intensity ${lo}; there is nothing to see (give --window MIN,MAX if that is expected)`);
  return [lo, hi];
}

function checkWindow(w: readonly [number, number]): [number, number] {
  if (w.length !== 2 || !Number.isFinite(w[0]) || !Number.isFinite(w[1]) || !(w[1] > w[0])) throw invalid(`--window must be 'auto' or MIN,MAX with MIN < MAX, got ${w.join(',')}`);
  return [w[0], w[1]];
}

function checkSize(size: readonly [number, number]): [number, number] {
  const [h, w] = size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 4 || w < 4 || h > 4096 || w > 4096) throw invalid(`--size must be 4 to 4096 pixels per side, got ${h}x${w}`);
  return [h, w];
}

function checkRange(range: readonly [number, number], count: number, axis: SliceAxis): [number, number] {
  const [from, to] = range;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > count || from >= to)
    throw invalid(`slice range ${from}:${to} is outside the volume's ${count} ${axis} slices (0:${count})`);
  return [from, to];
}

function axisIndex(axis: SliceAxis): number {
  return axis === 'sagittal' ? 0 : axis === 'coronal' ? 1 : 2;
}

function planeSize(dims: readonly number[], axis: SliceAxis): [number, number] {
  const [nx, ny, nz] = dims;
  return axis === 'axial' ? [ny, nx] : axis === 'coronal' ? [nz, nx] : [nz, ny];
}

/** One slice as an image, in the orientation documented on readNiftiSlices. */
function slicePlane(v: RasVolume, axis: SliceAxis, s: number): Float32Array {
  const [nx, ny, nz] = v.dims;
  const [h, w] = planeSize(v.dims, axis);
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      let i: number, j: number, k: number;
      if (axis === 'axial') [i, j, k] = [c, ny - 1 - r, s];
      else if (axis === 'coronal') [i, j, k] = [c, s, nz - 1 - r];
      else [i, j, k] = [s, c, nz - 1 - r];
      out[r * w + c] = v.data[i + nx * (j + ny * k)];
    }
  return out;
}

function binary(plane: Float32Array): Float32Array {
  for (let i = 0; i < plane.length; i++) plane[i] = plane[i] >= 0.5 ? 1 : 0;
  return plane;
}

export type { NiftiVolume };
