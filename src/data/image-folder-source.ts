import { Worker } from 'node:worker_threads';
import { HourglassError, type ErrorCode } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { DataSource } from './data-source.js';
import { DecodedCache } from './decoded-cache.js';
import { imageFileHeader, type ImageDecodeOptions } from './image-decode.js';
import type { ImageEntry } from './image-folder.js';
import type { DecodeReply, DecodeWorkerData } from './decode-worker.js';

/**
 * An image folder as a DataSource: images are decoded and resized when a batch needs them,
 * so a folder far larger than memory trains with a few batches in memory at a time.
 * - Decoding runs in a worker thread (decode-worker.ts): a training step is a synchronous
 *   native call that holds the main event loop, so decodes driven from it would only move
 *   between batches. Bounded: one thread, at most `inFlight` files at once, sharp on one
 *   thread per file (sharp.concurrency(1)) with its operation cache off, so decoding takes
 *   little from the training threads and holds no decoded images beyond the batches ahead.
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
  /** Files the decoding thread decodes at once. Default 2 (one reads its file while the other decodes). */
  inFlight?: number;
}

export class ImageFolderSource implements DataSource {
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly description: string;
  private readonly prefetch: number;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (t: Float32Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(
    entries: readonly ImageEntry[],
    decode: ImageDecodeOptions,
    size: { width: number; height: number },
    private readonly cache: DecodedCache | null,
    options: ImageFolderSourceOptions,
  ) {
    this.length = entries.length;
    this.sampleShape = [decode.channels, size.height, size.width];
    this.prefetch = options.prefetch ?? 2;
    this.description = `streaming ${entries.length.toLocaleString('en-US')} images (decoded on the fly, ${this.prefetch} batches ahead${cache ? `, decoded cache ${cache.file}` : ''})`;
    const workerData: DecodeWorkerData = {
      files: entries.map((e) => e.file),
      decode,
      width: size.width,
      height: size.height,
      inFlight: options.inFlight ?? 2,
      cache: cache ? { file: cache.file, filled: cache.filled } : null,
    };
    this.worker = new Worker(new URL('./decode-worker.js', import.meta.url), { workerData });
    this.worker.on('message', (reply: DecodeReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiter) return;
      if ('data' in reply) waiter.resolve(reply.data);
      else waiter.reject(new HourglassError(reply.error.code as ErrorCode, reply.error.message));
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => this.fail(new HourglassError('BAD_DATA', 'the image decoding thread stopped')));
    // An idle source does not keep the process alive; a pending batch does (its promise is awaited).
    this.worker.unref();
  }

  /**
   * Opens a source over `entries`. The image size is --size, or else the first image's (every
   * other image must then match; a mismatch stops the batch that meets it, naming the file).
   */
  static async open(entries: readonly ImageEntry[], options: ImageFolderSourceOptions): Promise<ImageFolderSource> {
    if (entries.length === 0) throw new HourglassError('BAD_DATA', 'no images to stream');
    const decode = options.decode;
    const header = decode.size ?? (await imageFileHeader(entries[0].file, entries[0].file, decode.maxPixels));
    const size = { width: header.width, height: header.height };
    const bytesPerRow = decode.channels * size.width * size.height;
    const cache = options.cacheDir
      ? await DecodedCache.open(options.cacheDir, await DecodedCache.keyOf(entries.map((e) => e.file), { ...decode, size }), entries.length, bytesPerRow)
      : null;
    return new ImageFolderSource(entries, decode, size, cache, options);
  }

  async *batches(rows: Uint32Array, batchSize: number): AsyncIterable<Tensor> {
    const pending: Promise<Tensor>[] = [];
    let next = 0;
    const launch = (): void => {
      while (pending.length <= this.prefetch && next < rows.length) {
        const batch = this.readBatch(rows.slice(next, Math.min(rows.length, next + batchSize)));
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

  /** The rows of one batch, decoded by the worker into a new tensor with values in [0, 1]. */
  readBatch(rows: Uint32Array): Promise<Tensor> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, rows });
    }).then(
      (data) => {
        if (this.waiting.size === 0) this.worker.unref();
        return { shape: [rows.length, ...this.sampleShape], data };
      },
      (e: Error) => {
        if (this.waiting.size === 0) this.worker.unref();
        throw e;
      },
    );
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  /** Stops the decoding thread and saves the decoded cache's state; call when training is done. */
  async close(): Promise<void> {
    this.failure ??= new HourglassError('BAD_DATA', 'the image source is closed');
    await this.worker.terminate();
    await this.cache?.close();
  }
}
