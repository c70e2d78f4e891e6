import { createWriteStream, type WriteStream } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
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
    injectedWriteFailure();
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
    try {
      injectedWriteFailure();
    } catch (e) {
      throw writeError(target, e);
    }
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

/**
 * A fresh name beside the target (same directory, hence same file system: the rename is atomic):
 * `.<name>.<pid>.<12 hex digits>.tmp`. The pattern is recognisable (TEMPORARY_NAME), so what a
 * killed process left behind can be told from the user's files and removed.
 */
export function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** The name of a temporary file of this module (group 1: the pid of the process that wrote it). */
export const TEMPORARY_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** Whether a process with this id is running (EPERM: it is, but belongs to another user). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temporary file left by a process that is gone (killed during a write): nobody will rename or remove it. */
export function isStaleTemporary(name: string): boolean {
  const m = TEMPORARY_NAME.exec(name);
  return m !== null && Number(m[1]) !== process.pid && !processIsAlive(Number(m[1]));
}

/** Removes the stale temporary files in `dir` (see isStaleTemporary); returns their names. Best effort. */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter(isStaleTemporary)) {
    try {
      await unlink(path.join(dir, name));
      removed.push(name);
    } catch {
      // Gone already, or a folder of that name: not ours to remove.
    }
  }
  return removed;
}

/**
 * Test hook: HOURGLASS_TEST_FAIL_WRITE=N makes the Nth atomic write of the process (1-based)
 * fail as a full disk would, so tests can check that a failure mid-way leaves nothing behind.
 * Unset in normal use.
 */
let atomicWrites = 0;
function injectedWriteFailure(): void {
  const n = Number(process.env.HOURGLASS_TEST_FAIL_WRITE);
  if (!Number.isInteger(n) || n <= 0) return;
  atomicWrites++;
  if (atomicWrites === n) throw Object.assign(new Error('injected failure (HOURGLASS_TEST_FAIL_WRITE)'), { code: 'ENOSPC' });
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
