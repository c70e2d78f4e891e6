import { createHash } from 'node:crypto';
import { mkdir, open, readFile, stat, writeFile, type FileHandle } from 'node:fs/promises';
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
 * filled is kept beside it (one byte per row), saved every few hundred writes and on close.
 */
export class DecodedCache {
  private writesSinceSave = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly filledFile: string,
    private readonly filled: Uint8Array,
    readonly bytesPerRow: number,
    readonly file: string,
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
    let filled = new Uint8Array(rows);
    try {
      const saved = await readFile(filledFile);
      if (saved.length === rows) filled = new Uint8Array(saved);
    } catch {
      // No saved state: an empty cache.
    }
    const handle = await open(file, 'a+').then(async (h) => {
      await h.close();
      return open(file, 'r+');
    });
    return new DecodedCache(handle, filledFile, filled, bytesPerRow, file);
  }

  has(row: number): boolean {
    return this.filled[row] === 1;
  }

  async read(row: number): Promise<Uint8Array> {
    const out = new Uint8Array(this.bytesPerRow);
    const { bytesRead } = await this.handle.read(out, 0, this.bytesPerRow, row * this.bytesPerRow);
    if (bytesRead !== this.bytesPerRow) throw new HourglassError('BAD_FILE', `${this.file}: the decoded cache is shorter than it says (row ${row}); delete it and run again`);
    return out;
  }

  async write(row: number, bytes: Uint8Array): Promise<void> {
    await this.handle.write(bytes, 0, this.bytesPerRow, row * this.bytesPerRow);
    this.filled[row] = 1;
    if (++this.writesSinceSave >= 512) await this.saveFilled();
  }

  /** How many rows are cached. */
  get size(): number {
    let n = 0;
    for (const v of this.filled) n += v;
    return n;
  }

  private async saveFilled(): Promise<void> {
    this.writesSinceSave = 0;
    await this.handle.datasync();
    // The bytes are on disk before the rows are marked filled: a crash loses cache, never corrupts it.
    await writeFile(this.filledFile, this.filled);
  }

  async close(): Promise<void> {
    await this.saveFilled();
    await this.handle.close();
  }
}
