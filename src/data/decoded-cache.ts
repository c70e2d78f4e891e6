import { createHash } from 'node:crypto';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HourglassError } from '../core/errors.js';

/**
 * Decoded images kept on disk as uint8 (`--cache DIR`): the first epoch decodes each image
 * and writes its bytes at a fixed offset of one file; later epochs (and later runs on the
 * same files with the same options) read them back with one positioned read instead of
 * decoding again. uint8 is a quarter of float32 and exactly what the decoder produced, so a
 * cached batch equals a decoded one bit for bit.
 *
 * The file is named by a hash of the image list (paths, sizes, modification times) and the
 * decode options: a changed file or option is a new cache, never a stale hit. Which rows are
 * filled is a bitmap (one byte per row) in shared memory, so that the decoding threads
 * (decode-worker.ts), which read and write the rows, and this thread see one state; it is
 * saved beside the file on close, after the bytes are synced, so a crash loses cache but
 * never marks a row that is not on disk.
 */
export class DecodedCache {
  private constructor(
    /** The uint8 rows, row r at r x bytesPerRow. */
    readonly file: string,
    private readonly filledFile: string,
    /** 1 where a row is on disk; shared with the decoding threads. */
    readonly filled: SharedArrayBuffer,
    readonly bytesPerRow: number,
  ) {}

  /** The key of a cache: what must match for its bytes to be the ones a decode would give. */
  static async keyOf(files: readonly string[], options: unknown): Promise<string> {
    const hash = createHash('sha256');
    hash.update(JSON.stringify(options));
    for (const f of files) {
      const s = await stat(f);
      hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
    }
    return hash.digest('hex').slice(0, 24);
  }

  static async open(dir: string, key: string, rows: number, bytesPerRow: number): Promise<DecodedCache> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new HourglassError('BAD_FILE', `--cache ${dir}: cannot create the folder (${(e as Error).message})`);
    }
    const file = path.join(dir, `${key}.u8`);
    const filledFile = path.join(dir, `${key}.rows`);
    const filled = new SharedArrayBuffer(rows);
    try {
      const saved = await readFile(filledFile);
      if (saved.length === rows) new Uint8Array(filled).set(saved);
    } catch {
      // No saved state: an empty cache.
    }
    await (await open(file, 'a')).close();
    return new DecodedCache(file, filledFile, filled, bytesPerRow);
  }

  /** How many rows are on disk. */
  get size(): number {
    return new Uint8Array(this.filled).reduce((n, v) => n + v, 0);
  }

  /** Syncs the rows written so far, then saves which they are. */
  async close(): Promise<void> {
    const handle = await open(this.file, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await writeFile(this.filledFile, new Uint8Array(this.filled));
  }
}
