import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HourglassError } from '../core/errors.js';

/**
 * Writes a file so that readers only ever see the old content or the complete new one:
 * the data goes to a temporary file beside the target (same directory, hence same file
 * system, so the rename is atomic), is flushed to disk, then renamed over the target.
 * If anything fails the temporary file is removed and the target is left untouched.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(target);
  const temp = temporaryPathFor(target);
  let handle;
  try {
    handle = await open(temp, 'wx');
  } catch (err) {
    throw writeError(target, err);
  }
  try {
    await handle.writeFile(data);
    // Without the fsync a crash right after the rename can leave an empty file under the
    // target name on some file systems (the rename reaches the disk before the data).
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw writeError(target, err);
  }
  await syncDirectory(dir);
}

/**
 * Writes a large text file block by block without holding it in memory, with the same
 * guarantee as writeFileAtomic: the text goes to a temporary file beside the target; commit()
 * flushes it to disk, renames it over the target and syncs the directory; abort() (or any
 * failure) removes it and leaves the target untouched.
 */
export class AtomicTextWriter {
  private readonly temp: string;
  private stream: WriteStream | null;
  private failure: Error | null = null;

  private constructor(readonly target: string) {
    this.temp = temporaryPathFor(target);
    this.stream = createWriteStream(this.temp, { flags: 'wx' });
    this.stream.on('error', (e) => (this.failure ??= e));
  }

  static async open(target: string): Promise<AtomicTextWriter> {
    const writer = new AtomicTextWriter(target);
    await new Promise<void>((resolve, reject) => {
      writer.stream!.once('open', () => resolve());
      writer.stream!.once('error', reject);
    }).catch((e: NodeJS.ErrnoException) => {
      writer.stream = null;
      throw writeError(target, e);
    });
    return writer;
  }

  /** Appends text; waits when the disk is behind, so memory stays flat however much is written. */
  async write(text: string): Promise<void> {
    const stream = this.openStream();
    if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
    if (this.failure) throw writeError(this.target, this.failure);
  }

  async commit(): Promise<void> {
    const stream = this.openStream();
    await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
    this.stream = null;
    if (this.failure) {
      await unlink(this.temp).catch(() => undefined);
      throw writeError(this.target, this.failure);
    }
    try {
      // The stream has closed its descriptor; fsync through a new one flushes the same file
      // (the reason is writeFileAtomic's: the rename must not reach the disk before the data).
      const handle = await open(this.temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(this.temp, this.target);
    } catch (e) {
      await unlink(this.temp).catch(() => undefined);
      throw writeError(this.target, e);
    }
    await syncDirectory(path.dirname(this.target));
  }

  /** Drops everything written; the target is untouched. Safe to call more than once. */
  async abort(): Promise<void> {
    const stream = this.stream;
    this.stream = null;
    if (stream && !stream.closed) {
      const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
      stream.destroy();
      await closed;
    }
    await unlink(this.temp).catch(() => undefined);
  }

  private openStream(): WriteStream {
    if (!this.stream) throw new HourglassError('INVALID_ARGUMENT', `${this.target}: the output was already finished or aborted`);
    return this.stream;
  }
}

/** A fresh name beside the target (same directory, hence same file system: the rename is atomic). */
function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Makes the rename itself durable; best effort, since not every platform can open a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability of the directory entry is a bonus; the write itself already succeeded.
  }
}

function writeError(target: string, err: unknown): HourglassError {
  if (err instanceof HourglassError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const dir = path.dirname(target);
  switch (code) {
    case 'ENOENT':
      return new HourglassError('FILE_NOT_FOUND', `cannot write ${target}: directory ${dir} does not exist`);
    case 'EACCES':
    case 'EPERM':
      return new HourglassError('INVALID_ARGUMENT', `cannot write ${target}: permission denied`);
    case 'EISDIR':
      return new HourglassError('INVALID_ARGUMENT', `cannot write ${target}: it is a directory`);
    case 'ENOSPC':
      return new HourglassError('INVALID_ARGUMENT', `cannot write ${target}: no space left on device`);
    default:
      return new HourglassError('INVALID_ARGUMENT', `cannot write ${target}: ${(err as Error).message}`);
  }
}
