import sharp from 'sharp';
import { HourglassError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { mapBounded } from './bounded-map.js';
import type { DataSource } from './data-source.js';
import { DecodedCache } from './decoded-cache.js';
import { decodeImageFile, imageFileHeader, type ImageDecodeOptions } from './image-decode.js';
import type { ImageEntry } from './image-folder.js';

/**
 * An image folder as a DataSource: images are decoded and resized when a batch needs them,
 * so a folder far larger than memory trains with a few batches in memory at a time.
 * - Bounded: at most `inFlight` files decode at once, and sharp runs each on one thread
 *   (sharp.concurrency(1)) with its operation cache off, so decoding takes at most
 *   `inFlight` cores' worth of time from the training threads and holds no decoded images.
 * - Prefetch: the next `prefetch` batches decode while the current one trains.
 * - The order is the training loop's (its seeded shuffle), so a source gives the batches the
 *   same images in memory give; the pixels come from image-decode.ts, the in-memory path's decoder.
 * - Optional decoded cache (decoded-cache.ts): uint8 on disk, filled by the first epoch.
 */
export interface ImageFolderSourceOptions {
  decode: ImageDecodeOptions;
  /** Folder of the decoded cache; null = decode every epoch. */
  cacheDir?: string | null;
  /** Batches decoded ahead of the one training. Default 2. */
  prefetch?: number;
  /** Files decoded at once. Default 2 (one per core of a 2-core machine's spare time). */
  inFlight?: number;
}

export class ImageFolderSource implements DataSource {
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly description: string;
  private readonly prefetch: number;
  private readonly inFlight: number;

  private constructor(
    private readonly entries: readonly ImageEntry[],
    private readonly decode: ImageDecodeOptions,
    private readonly width: number,
    private readonly height: number,
    private readonly cache: DecodedCache | null,
    options: ImageFolderSourceOptions,
  ) {
    this.length = entries.length;
    this.sampleShape = [decode.channels, height, width];
    this.prefetch = options.prefetch ?? 2;
    this.inFlight = options.inFlight ?? 2;
    this.description = `streaming ${entries.length.toLocaleString('en-US')} images (decoded on the fly, ${this.prefetch} batches ahead${cache ? `, decoded cache ${cache.file}` : ''})`;
  }

  /**
   * Opens a source over `entries`. The image size is --size, or else the first image's (every
   * other image must then match; a mismatch stops the batch that meets it, naming the file).
   */
  static async open(entries: readonly ImageEntry[], options: ImageFolderSourceOptions): Promise<ImageFolderSource> {
    if (entries.length === 0) throw new HourglassError('BAD_DATA', 'no images to stream');
    sharp.concurrency(1);
    sharp.cache(false);
    const decode = options.decode;
    const size = decode.size ?? (await imageFileHeader(entries[0].file, entries[0].file, decode.maxPixels));
    const bytesPerRow = decode.channels * size.width * size.height;
    const cache = options.cacheDir
      ? await DecodedCache.open(options.cacheDir, await DecodedCache.keyOf(entries.map((e) => e.file), { ...decode, size }), entries.length, bytesPerRow)
      : null;
    return new ImageFolderSource(entries, decode, size.width, size.height, cache, options);
  }

  async *batches(rows: Uint32Array, batchSize: number): AsyncIterable<Tensor> {
    const pending: Promise<Tensor>[] = [];
    let next = 0;
    const launch = (): void => {
      while (pending.length <= this.prefetch && next < rows.length) {
        const batch = this.readBatch(rows.subarray(next, Math.min(rows.length, next + batchSize)));
        // Failures surface when the batch is awaited; this keeps a batch abandoned by an early stop from being an unhandled rejection.
        batch.catch(() => undefined);
        pending.push(batch);
        next += batchSize;
      }
    };
    launch();
    while (pending.length > 0) {
      const batch = await pending.shift()!;
      launch();
      yield batch;
    }
  }

  /** Decodes the rows of one batch into a new tensor with values in [0, 1]. */
  async readBatch(rows: Uint32Array): Promise<Tensor> {
    const per = this.decode.channels * this.height * this.width;
    const out = new Float32Array(rows.length * per);
    await mapBounded(Array.from(rows), this.inFlight, async (row, i) => {
      const bytes = await this.decodedRow(row);
      const base = i * per;
      for (let j = 0; j < per; j++) out[base + j] = bytes[j] / 255;
    });
    return { shape: [rows.length, ...this.sampleShape], data: out };
  }

  private async decodedRow(row: number): Promise<Uint8Array> {
    if (this.cache?.has(row)) return this.cache.read(row);
    const e = this.entries[row];
    const image = await decodeImageFile(e.file, e.file, this.decode);
    if (image.width !== this.width || image.height !== this.height)
      throw new HourglassError('BAD_DATA', `${e.file} is ${image.width}x${image.height}, the other images ${this.width}x${this.height}; pass --size WxH to resize them to one`);
    if (this.cache) await this.cache.write(row, image.data);
    return image.data;
  }

  /** Saves the decoded cache's state; call when training is done. */
  async close(): Promise<void> {
    await this.cache?.close();
  }
}
