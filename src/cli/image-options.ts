import { invalid } from '../core/errors.js';
import { opt, type OptionSpec, type OptionValues } from './command.js';
import { parseChannels, parseImageFit, parseImageSize } from '../data/image-decode.js';
import { checkMaxPixels, DEFAULT_MAX_PIXELS } from '../io/image-header.js';
import type { ImageReadOptions } from '../data/image-set-reader.js';

/**
 * The options every command that reads --data takes for image folders and globs, declared
 * once so that `train`, `eval`, `detect fit` ... read a folder the same way.
 */
export const IMAGE_OPTIONS: readonly OptionSpec[] = [
  { name: 'channels', type: 'number', description: 'image folders: 1 (grayscale) or 3 (RGB) (default: the first image decides)', integer: true, min: 1, max: 3 },
  { name: 'size', type: 'string', description: 'image folders and NIfTI slices: resize to N (square) or WxH, e.g. 128 or 256x192 (default: keep the size; all images must then share one)' },
  { name: 'fit', type: 'string', description: 'image folders, with --size: cover (scale, then centre crop), contain (scale, pad with black) or fill (stretch)', default: 'cover' },
  { name: 'skip-bad', type: 'flag', description: 'image folders: skip unreadable or corrupt images (counted in the summary) instead of stopping at the first' },
  { name: 'patch', type: 'number', description: 'image folders: train and score on square patches of this many pixels (maps and scores are stitched back to the whole image)', integer: true, min: 1, max: 1 << 16 },
  { name: 'stride', type: 'number', description: 'with --patch: step between patches in pixels (default: the patch size, no overlap; overlaps are averaged when stitched)', integer: true, min: 1, max: 1 << 16 },
  { name: 'max-pixels', type: 'number', description: `image folders: largest image read, width x height (default ${DEFAULT_MAX_PIXELS}); bigger images are refused before decoding` },
];

/** The image-reading options of a parsed command line. */
export function imageReadOptions(o: OptionValues): ImageReadOptions {
  const size = opt.string(o, 'size');
  const channels = opt.number(o, 'channels');
  const maxPixels = opt.number(o, 'max-pixels');
  const patch = opt.number(o, 'patch');
  const stride = opt.number(o, 'stride');
  if (stride !== undefined && patch === undefined) throw invalid('--stride is the step between patches: give --patch N too');
  return {
    channels: channels === undefined ? undefined : parseChannels(channels),
    size: size === undefined ? null : parseImageSize(size),
    fit: parseImageFit((opt.string(o, 'fit') as string | undefined) ?? 'cover'),
    skipBad: opt.flag(o, 'skip-bad'),
    maxPixels: maxPixels === undefined ? undefined : checkMaxPixels(maxPixels),
    patch: patch === undefined ? null : { size: patch, stride: stride ?? patch },
  };
}
