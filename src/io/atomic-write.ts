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
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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
