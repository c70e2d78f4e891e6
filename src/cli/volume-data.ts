import path from 'node:path';
import { invalid } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { ImageSet } from '../data/image-set.js';
import { readNiftiSlices, SLICE_AXES, type NiftiSliceOptions, type SliceAxis } from '../data/nifti.js';
import { parseImageSize } from '../data/image-decode.js';
import { opt, type OptionSpec, type OptionValues } from './command.js';

/**
 * The options of commands that read NIfTI volumes as slices (data/nifti.ts); ignored for other
 * data. Slices are resized by the image options' --size (N or WxH), read the same way as for
 * image folders, so the commands taking both have one --size.
 */
export const VOLUME_OPTIONS: readonly OptionSpec[] = [
  { name: 'slices', type: 'string', description: `NIfTI: slice plane, ${SLICE_AXES.join(', ')}`, default: 'axial' },
  { name: 'window', type: 'string', description: "NIfTI: intensities mapped to 0..1: 'auto' (0.5th-99.5th percentile) or MIN,MAX", default: 'auto' },
  { name: 'foreground', type: 'string', description: "NIfTI: pixels that count in pixel metrics: 'auto' (Otsu, holes filled) or a brain-mask volume (.nii/.nii.gz)" },
  { name: 'masks', type: 'string', description: 'NIfTI: ground-truth lesion masks, a label volume (> 0 = anomalous) sliced like the scan' },
  { name: 'slice-range', type: 'string', description: 'NIfTI: only slices FROM:TO (indices as in the paths, TO excluded)' },
];

/** The volume options of a command's values, checked. */
export function volumeOptionsFrom(o: OptionValues): NiftiSliceOptions {
  const slices = (opt.string(o, 'slices') ?? 'axial') as SliceAxis;
  if (!SLICE_AXES.includes(slices)) throw invalid(`--slices must be one of ${SLICE_AXES.join(', ')}, got '${slices}'`);
  return {
    slices,
    window: parseWindow(opt.string(o, 'window') ?? 'auto'),
    foreground: opt.string(o, 'foreground') ?? null,
    masks: opt.string(o, 'masks') ?? null,
    size: sliceSize(opt.string(o, 'size')),
    range: parseRange(opt.string(o, 'slice-range')),
  };
}

function parseWindow(text: string): 'auto' | [number, number] {
  if (text === 'auto') return 'auto';
  const parts = text.split(',').map((v) => v.trim());
  const values = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v)) || !(values[1] > values[0]))
    throw invalid(`--window must be 'auto' or MIN,MAX with MIN < MAX (e.g. 0,800), got '${text}'`);
  return [values[0], values[1]];
}

/** --size as [height, width] for the slicer, parsed by the image folders' rule (N or WxH). */
function sliceSize(text: string | undefined): [number, number] | null {
  if (text === undefined) return null;
  const { width, height } = parseImageSize(text);
  return [height, width];
}

function parseRange(text: string | undefined): [number, number] | null {
  if (text === undefined) return null;
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m) throw invalid(`--slice-range must be FROM:TO slice indices (e.g. 60:200), got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

/** Slices of a NIfTI volume as an ImageSet; the summary goes to stderr, like the uint8 note of arrays. */
export async function loadVolumeImageSet(file: string, options: NiftiSliceOptions, limit?: number): Promise<ImageSet> {
  const set = await readNiftiSlices(file, options);
  process.stderr.write(
    `hourglass: note: ${path.basename(file)}: ${set.paths.length} ${options.slices ?? 'axial'} slices of ${set.x.shape[2]}x${set.x.shape[3]} (${set.orientation}; window ${set.window.map((v) => +v.toPrecision(5)).join('..')} -> 0..1${set.foreground ? '; foreground given' : ''}${set.masks ? `; ${set.labels!.reduce((a, b) => a + b, 0)} slices with lesions` : ''})\n`,
  );
  if (limit === undefined || limit >= set.paths.length) return set;
  const per = set.x.shape[2] * set.x.shape[3];
  const cut = (t: Tensor): Tensor => ({ shape: [limit, ...t.shape.slice(1)], data: t.data.subarray(0, limit * per) });
  return {
    x: cut(set.x),
    paths: set.paths.slice(0, limit),
    labels: set.labels ? set.labels.subarray(0, limit) : null,
    groups: set.groups ? set.groups.slice(0, limit) : null,
    masks: set.masks ? cut(set.masks) : null,
    foreground: set.foreground ? cut(set.foreground) : null,
  };
}
