import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { HourglassError } from '../core/errors.js';

/**
 * The one gate every reader of an input file goes through. Only regular files are read: a
 * FIFO would block the read forever, and /dev/zero, /dev/urandom and the like would fill
 * memory without end. The file is opened without blocking (O_NONBLOCK, which a FIFO needs
 * so that open itself returns) and its type is checked on the open descriptor, after
 * symlinks are resolved, so a symlink to /dev/zero is refused like /dev/zero itself.
 */

/** What kind of non-regular file `info` is, in words. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Turns a file-system error on an input file into a message naming the file. */
export function inputFileError(file: string, err: unknown, what = 'file'): HourglassError {
  if (err instanceof HourglassError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new HourglassError('FILE_NOT_FOUND', `${file}: no such file`);
    case 'EISDIR':
      return new HourglassError('BAD_FILE', `${file} is a directory, expected a ${what}`);
    case 'EACCES':
    case 'EPERM':
      return new HourglassError('BAD_FILE', `cannot read ${file}: permission denied`);
    default:
      return new HourglassError('BAD_FILE', `cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * Opens `file` for reading if it is a regular file (after following symlinks); refuses
 * FIFOs, devices, sockets and directories at once with a message saying which it is.
 * `what` names the file in messages ('model file', 'CSV file', ...). The caller closes the handle.
 */
export async function openRegularFile(file: string, what = 'file'): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw inputFileError(file, err, what);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new HourglassError('BAD_FILE', `${file} is ${kindOf(info)}, not a regular file; hourglass reads a ${what} only from a regular file`);
    return { handle, size: info.size };
  } catch (err) {
    await handle.close();
    throw inputFileError(file, err, what);
  }
}

/** Checks that `file` is a readable regular file; returns its size in bytes. */
export async function checkRegularFile(file: string, what = 'file'): Promise<number> {
  const { handle, size } = await openRegularFile(file, what);
  await handle.close();
  return size;
}

/** The whole content of a regular file (see openRegularFile). */
export async function readRegularFile(file: string, what = 'file'): Promise<Buffer> {
  const { handle } = await openRegularFile(file, what);
  try {
    return await handle.readFile();
  } catch (err) {
    throw inputFileError(file, err, what);
  } finally {
    await handle.close();
  }
}
