import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HourglassError } from '../../core/errors.js';

/**
 * Writes a large text file line block by line block without holding it in memory, and
 * still never leaves a partial file under the target name: the text goes to a temporary
 * file beside the target, renamed over it by commit(); abort() (or any failure) removes it.
 */
export class AtomicTextWriter {
  private readonly temp: string;
  private stream: WriteStream | null;
  private failure: Error | null = null;

  private constructor(readonly target: string) {
    this.temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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
    const stream = this.open();
    if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
    if (this.failure) throw writeError(this.target, this.failure);
  }

  async commit(): Promise<void> {
    const stream = this.open();
    await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
    this.stream = null;
    if (this.failure) {
      await unlink(this.temp).catch(() => undefined);
      throw writeError(this.target, this.failure);
    }
    try {
      await rename(this.temp, this.target);
    } catch (e) {
      await unlink(this.temp).catch(() => undefined);
      throw writeError(this.target, e as Error);
    }
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

  private open(): WriteStream {
    if (!this.stream) throw new HourglassError('INVALID_ARGUMENT', `${this.target}: the output was already finished or aborted`);
    return this.stream;
  }
}

function writeError(target: string, e: Error): HourglassError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new HourglassError('FILE_NOT_FOUND', `cannot write ${target}: directory ${path.dirname(target)} does not exist`);
  if (code === 'EACCES' || code === 'EPERM') return new HourglassError('INVALID_ARGUMENT', `cannot write ${target}: permission denied`);
  if (code === 'ENOSPC') return new HourglassError('INVALID_ARGUMENT', `cannot write ${target}: no space left on device`);
  return new HourglassError('INVALID_ARGUMENT', `cannot write ${target}: ${e.message}`);
}
