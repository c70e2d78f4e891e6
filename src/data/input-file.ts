import { readFile, stat } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { HourglassError } from '../core/errors.js';

const gunzipAsync = promisify(gunzip);

/** Turns a file-system error on an input file into a message naming the file. */
export function inputFileError(file: string, err: unknown): HourglassError {
  if (err instanceof HourglassError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new HourglassError('FILE_NOT_FOUND', `${file}: no such file`);
    case 'EISDIR':
      return new HourglassError('BAD_FILE', `${file} is a directory, expected a file`);
    case 'EACCES':
    case 'EPERM':
      return new HourglassError('BAD_FILE', `cannot read ${file}: permission denied`);
    default:
      return new HourglassError('BAD_FILE', `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Checks up front that `file` is a readable regular file, so streams fail with a clear message. */
export async function checkInputFile(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    throw inputFileError(file, err);
  }
  if (info.isDirectory()) throw inputFileError(file, Object.assign(new Error(), { code: 'EISDIR' }));
}

export async function readInputFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw inputFileError(file, err);
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a file, inflating it when its content (not its name) says it is gzip. */
export async function readMaybeGzipped(file: string): Promise<Buffer> {
  const raw = await readInputFile(file);
  if (!isGzip(raw)) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR')
      throw new HourglassError('BAD_FILE', `${file}: truncated gzip data (the download or copy was probably cut short)`);
    throw new HourglassError('BAD_FILE', `${file}: corrupt gzip data (${(err as Error).message})`);
  }
}
