import { HourglassError } from '../core/errors.js';
import { mapBounded } from './bounded-map.js';
import { decodeImageFile, decodeMaskFile, imageFileHeader, type DecodedImage, type ImageDecodeOptions } from './image-decode.js';
import { listImages, type ImageEntry, type ImageLayout, type ImageListing } from './image-folder.js';
import type { ImageSet } from './image-set.js';
import type { Tensor } from '../core/tensor.js';

/**
 * Reads an image folder or glob whole into an ImageSet (x in [0, 1], NCHW): the in-memory
 * path. Large folders stream instead (image-batch-source.ts); both decode through
 * image-decode.ts, so they see the same pixels.
 */

export interface ImageReadOptions extends Omit<ImageDecodeOptions, 'channels'> {
  /** 1 or 3; left out, the first image decides (grayscale files give 1, colour files 3). */
  channels?: 1 | 3;
  /** Skip unreadable or corrupt images (counted in `skipped`) instead of stopping at the first. */
  skipBad?: boolean;
  /** Read only the first N images (in sorted order). */
  limit?: number;
  /** Cut the images into square patches of `size` pixels every `stride` pixels (data/patches.ts). */
  patch?: { size: number; stride: number } | null;
}

export interface ImageSetRead {
  set: ImageSet;
  listing: ImageListing;
  /** Class names of a `classes` layout (labels index them); else null. */
  classNames: string[] | null;
  /** The class index of each image in a `classes` layout; else null. */
  classLabels: Uint8Array | null;
  /** Files skipped with --skip-bad, each with the reason. */
  skipped: { path: string; reason: string }[];
  /** One line for the logs: where the images came from and how they were read. */
  source: string;
}

/** Files decoded at once: enough to keep sharp's threads busy, few enough to bound open files and memory. */
export const DECODE_IN_FLIGHT = 4;

/** How many images of each size were found, largest group first: '12 x 64x64, 3 x 80x60'. */
export function describeSizes(sizes: readonly { width: number; height: number }[]): string {
  const counts = new Map<string, number>();
  for (const s of sizes) counts.set(`${s.width}x${s.height}`, (counts.get(`${s.width}x${s.height}`) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([size, n]) => `${n} x ${size}`).join(', ');
}

/** The images of a listing after --limit. */
export function limitedEntries(listing: ImageListing, limit?: number): ImageEntry[] {
  return limit !== undefined && limit < listing.entries.length ? listing.entries.slice(0, limit) : listing.entries;
}

export function describeImageSource(spec: string, listing: ImageListing, options: ImageDecodeOptions): string {
  const layout: Record<ImageLayout, string> = { mvtec: 'MVTec layout', 'normal-anomalous': 'normal/anomalous layout', classes: 'class folders', files: 'images' };
  const size = options.size ? `${options.size.width}x${options.size.height} (${options.fit})` : 'own size';
  return `${spec} (${layout[listing.layout]}, ${listing.part}; ${options.channels === 1 ? 'grayscale' : 'RGB'}, ${size})`;
}

/**
 * The channel count a folder is read with when --channels is not given: 1 when its first
 * readable image is grayscale, else 3. Unreadable files are passed over here; the decode
 * reports them.
 */
export async function probeChannels(entries: readonly ImageEntry[], maxPixels?: number): Promise<1 | 3> {
  for (const e of entries.slice(0, 8)) {
    try {
      const header = await imageFileHeader(e.file, e.file, maxPixels);
      return header.channels <= 2 || header.space === 'b-w' || header.space === 'grey16' ? 1 : 3;
    } catch {
      continue;
    }
  }
  return 3;
}

/**
 * Decodes `entries` into one N x C x H x W tensor in [0, 1] (entries order). With `skipBad`,
 * unreadable files are left out and listed; otherwise the first (in entries order) stops it.
 * Images of different sizes are refused, with the sizes found and how many of each.
 */
export async function decodeEntries(
  entries: readonly ImageEntry[],
  decode: ImageDecodeOptions,
  spec: string,
  { skipBad = false }: { skipBad?: boolean } = {},
): Promise<{ x: Tensor; kept: { entry: ImageEntry; image: DecodedImage }[]; skipped: { path: string; reason: string }[] }> {
  const skipped: { path: string; reason: string }[] = [];
  const decoded = await mapBounded(entries, DECODE_IN_FLIGHT, async (e): Promise<DecodedImage | null> => {
    try {
      return await decodeImageFile(e.file, e.file, decode);
    } catch (err) {
      if (skipBad && err instanceof HourglassError && (err.code === 'BAD_FILE' || err.code === 'FILE_NOT_FOUND')) {
        skipped.push({ path: e.path, reason: err.message });
        return null;
      }
      throw err;
    }
  });
  const kept: { entry: ImageEntry; image: DecodedImage }[] = [];
  entries.forEach((entry, i) => decoded[i] && kept.push({ entry, image: decoded[i]! }));
  if (kept.length === 0)
    throw new HourglassError('BAD_DATA', `${spec}: none of the ${entries.length} images could be read (${skipped.length} skipped as unreadable; the first: ${skipped[0]?.reason ?? 'none'})`);
  const { width, height } = kept[0].image;
  if (kept.some((k) => k.image.width !== width || k.image.height !== height))
    throw new HourglassError('BAD_DATA', `${spec}: the images differ in size (${describeSizes(kept.map((k) => k.image))}); pass --size WxH (e.g. --size ${width}x${height}) to resize them to one`);
  const c = decode.channels;
  const per = c * height * width;
  const x = new Float32Array(kept.length * per);
  kept.forEach((k, i) => {
    const src = k.image.data;
    for (let j = 0; j < per; j++) x[i * per + j] = src[j] / 255;
  });
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { x: { shape: [kept.length, c, height, width], data: x }, kept, skipped };
}

export async function readImageSet(spec: string, split: 'train' | 'test', options: ImageReadOptions): Promise<ImageSetRead> {
  const listing = await listImages(spec, split);
  const entries = limitedEntries(listing, options.limit);
  options = { ...options, channels: options.channels ?? (await probeChannels(entries, options.maxPixels)) };
  const decode = options as ImageDecodeOptions;
  const { x: images, kept, skipped } = await decodeEntries(entries, decode, spec, options);
  const [n, c, height, width] = images.shape;

  let masks: ImageSet['masks'] = null;
  if (listing.hasMasks) {
    const plane = height * width;
    const m = new Float32Array(n * plane);
    await mapBounded(kept, DECODE_IN_FLIGHT, async (k, i) => {
      if (!k.entry.mask) return; // a normal image: its mask stays zero
      const mask = await decodeMaskFile(k.entry.mask, k.entry.mask, { width, height }, options.maxPixels);
      if (mask.width !== k.image.sourceWidth || mask.height !== k.image.sourceHeight)
        throw new HourglassError('BAD_DATA', `${k.entry.mask} is ${mask.width}x${mask.height} but its image ${k.entry.file} is ${k.image.sourceWidth}x${k.image.sourceHeight}; a mask must have its image's size`);
      for (let j = 0; j < plane; j++) m[i * plane + j] = mask.data[j];
    });
    masks = { shape: [n, 1, height, width], data: m };
  }
  const hasLabels = kept[0].entry.label !== null;
  const set: ImageSet = {
    x: images,
    paths: kept.map((k) => k.entry.path),
    labels: hasLabels && listing.layout !== 'classes' ? Uint8Array.from(kept, (k) => k.entry.label!) : null,
    groups: kept[0].entry.group !== null ? kept.map((k) => k.entry.group!) : null,
    masks,
    foreground: null,
  };
  const classLabels = listing.layout === 'classes' ? Uint8Array.from(kept, (k) => k.entry.label!) : null;
  return { set, listing, classNames: listing.classNames, classLabels, skipped, source: describeImageSource(spec, listing, decode) };
}
