import { HourglassError, invalid } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { sizeOf } from '../core/tensor.js';
import { RANDOM_STREAMS } from '../core/random-streams.js';
import { holdOutRows } from '../data/dataset.js';
import { mapBounded } from '../data/bounded-map.js';
import { imageFileHeader, type ImageDecodeOptions, type ImageSize } from '../data/image-decode.js';
import { isImageInput, listImages, type ImageEntry, type ImageListing } from '../data/image-folder.js';
import { ImageFolderSource } from '../data/image-folder-source.js';
import { DECODE_IN_FLIGHT, decodeEntries, describeImageSource, describeSizes, limitedEntries, probeChannels, type ImageReadOptions } from '../data/image-set-reader.js';
import type { LoadedData } from './datasets.js';

/**
 * In memory or streamed: how `train` reads an image folder. Small folders are decoded whole
 * (the fastest path, and every command's); a folder whose decoded float32 size is above the
 * memory budget streams from disk through an ImageFolderSource. --stream / --no-stream force
 * the choice; the choice and its reason are printed.
 */
export const DEFAULT_MEMORY_BUDGET_MB = 1024;

/**
 * Held-out test images decoded into memory when training streams: enough for a test MSE and
 * pictures, bounded whatever the folder's size: at most 512 images and at most 64 MB of
 * float32 (512 images of 512x512 RGB would hold 1.6 GB), but never fewer than 16.
 */
export const STREAMED_TEST_IMAGES = 512;
export const STREAMED_TEST_BYTES = 64 * 2 ** 20;
const STREAMED_TEST_MIN_IMAGES = 16;

export interface ImageDataPlan {
  stream: boolean;
  /** The line that says which path was chosen and why. */
  line: string;
  listing: ImageListing;
  entries: ImageEntry[];
  decode: ImageDecodeOptions;
}

export interface StreamChoice {
  /** true = --stream, false = --no-stream, undefined = by size. */
  force?: boolean;
  memoryBudgetMb?: number;
}

/** null when `spec` is not an image folder or glob. */
export async function planImageData(spec: string, split: 'train' | 'test', images: ImageReadOptions, choice: StreamChoice): Promise<ImageDataPlan | null> {
  if (spec === 'fashion-mnist' || !(await isImageInput(spec))) return null;
  const budget = choice.memoryBudgetMb ?? DEFAULT_MEMORY_BUDGET_MB;
  if (!(budget > 0)) throw invalid(`--memory-budget must be a positive number of megabytes, got ${budget}`);
  const listing = await listImages(spec, split);
  const entries = limitedEntries(listing, images.limit);
  const channels = images.channels ?? (await probeChannels(entries, images.maxPixels));
  let size: ImageSize | null = images.size;
  if (size === null) size = await imageFileHeader(entries[0].file, entries[0].file, images.maxPixels).catch(() => ({ width: 0, height: 0 }));
  const bytes = entries.length * channels * size.width * size.height * 4;
  const stream = choice.force ?? bytes > budget * 2 ** 20;
  const why = choice.force === undefined ? `${stream ? 'above' : 'within'} the memory budget of ${budget} MB` : choice.force ? '--stream' : '--no-stream';
  const line = `hourglass: ${stream ? 'streaming from disk' : 'decoding into memory'}: ${entries.length.toLocaleString('en-US')} images, ${formatBytes(bytes)} as float32 (${why})`;
  return { stream, line, listing, entries, decode: { channels, size: images.size, fit: images.fit, maxPixels: images.maxPixels } };
}

/**
 * The streamed training data and an in-memory test set: a held-out part of the folder (the
 * same rows the in-memory path holds out) or --test-data, at most STREAMED_TEST_IMAGES images and STREAMED_TEST_BYTES.
 */
export async function streamedTrainAndTest(
  spec: string,
  plan: ImageDataPlan,
  o: { images: ImageReadOptions; testData?: string; testSplit: number; seed: number; cacheDir?: string | null },
): Promise<{ source: ImageFolderSource; sourceText: string; test: LoadedData; skipped: number }> {
  if (o.images.patch) throw invalid('--patch cuts images in memory; with a folder this large pass --no-stream and a smaller --size, or train on whole images');
  let entries = plan.entries;
  let skipped = 0;
  // Without --size every image must share the first one's size, and --skip-bad needs to know the bad files before the count is fixed: one header pass.
  if (plan.decode.size === null || o.images.skipBad) {
    const headers = await mapBounded(entries, DECODE_IN_FLIGHT, async (e) => {
      try {
        return await imageFileHeader(e.file, e.file, plan.decode.maxPixels);
      } catch (err) {
        if (o.images.skipBad && err instanceof HourglassError) return null;
        throw err;
      }
    });
    const kept = entries.filter((_, i) => headers[i] !== null);
    skipped = entries.length - kept.length;
    const sizes = headers.filter((h): h is NonNullable<typeof h> => h !== null);
    if (plan.decode.size === null && sizes.some((s) => s.width !== sizes[0].width || s.height !== sizes[0].height))
      throw new HourglassError('BAD_DATA', `${spec}: the images differ in size (${describeSizes(sizes)}); pass --size WxH to resize them to one`);
    entries = kept;
    if (entries.length === 0) throw new HourglassError('BAD_DATA', `${spec}: none of the images could be read`);
  }
  let trainEntries = entries;
  let testEntries: ImageEntry[];
  let testText: string;
  if (o.testData) {
    const listing = await listImages(o.testData, 'test');
    testEntries = listing.entries;
    testText = o.testData;
  } else {
    if (!(o.testSplit > 0 && o.testSplit < 1)) throw invalid(`--test-split must be in (0, 1), got ${o.testSplit}`);
    const rows = holdOutRows(entries.length, o.testSplit, new Rng(RANDOM_STREAMS.testSplit(o.seed)), `${spec} (pass --test-data)`);
    trainEntries = Array.from(rows.kept, (i) => entries[i]);
    testEntries = Array.from(rows.held, (i) => entries[i]);
    testText = `${spec} (held-out ${o.testSplit})`;
  }
  const source = await ImageFolderSource.open(trainEntries, { decode: plan.decode, cacheDir: o.cacheDir ?? null });
  const imageBytes = sizeOf(source.sampleShape) * 4;
  const shown = testEntries.slice(0, Math.max(STREAMED_TEST_MIN_IMAGES, Math.min(STREAMED_TEST_IMAGES, Math.floor(STREAMED_TEST_BYTES / imageBytes))));
  const decodeAs = { ...plan.decode, size: { width: source.sampleShape[2], height: source.sampleShape[1] } };
  const set = await decodeEntries(shown, decodeAs, o.testData ?? spec, { skipBad: o.images.skipBad });
  const test: LoadedData = {
    x: set.x,
    labels: null,
    classNames: null,
    imageShape: set.x.shape.slice(1),
    columns: null,
    source: `${testText}${testEntries.length > shown.length ? `, the first ${shown.length} of ${testEntries.length} held-out images` : ''}`,
  };
  return { source, sourceText: `${describeImageSource(spec, plan.listing, plan.decode)}, ${source.description}`, test, skipped };
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 2 ** 20))} MB`;
}
