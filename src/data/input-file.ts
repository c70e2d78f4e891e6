import { createGunzip } from 'node:zlib';
import { HourglassError } from '../core/errors.js';
import { checkRegularFile, inputFileError, readRegularFile } from '../io/input-file.js';

export { inputFileError };

/** Checks up front that `file` is a readable regular file (not a FIFO, device or directory), so streams fail with a clear message. */
export async function checkInputFile(file: string, what = 'file'): Promise<void> {
  await checkRegularFile(file, what);
}

/** The content of a regular input file; FIFOs, devices and directories are refused (io/input-file.ts). */
export async function readInputFile(file: string, what = 'file'): Promise<Buffer> {
  return readRegularFile(file, what);
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * How many bytes the inflated content may have, judged from its first bytes (the format's
 * header): a number once the header is complete, null while more bytes are needed.
 */
export type AnnouncedSize = (head: Uint8Array) => number | null;

/** Inflated bytes allowed beyond what the header announces (trailing bytes are then reported by the reader). */
export const INFLATE_MARGIN_BYTES = 4096;

/**
 * Reads a file, inflating it when its content (not its name) says it is gzip. The inflated
 * size is bounded by what the content's own header announces (`announced`, plus
 * INFLATE_MARGIN_BYTES): a decompression bomb (a few KB that inflate to gigabytes) stops as
 * soon as it outgrows its header, before it can fill memory.
 */
export async function readMaybeGzipped(file: string, announced: AnnouncedSize): Promise<Buffer> {
  const raw = await readInputFile(file);
  if (!isGzip(raw)) return raw;
  return gunzipBounded(raw, file, announced);
}

export function gunzipBounded(raw: Uint8Array, file: string, announced: AnnouncedSize): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let limit: number | null = null;
    let failed = false;
    const fail = (err: HourglassError) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(err);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (failed) return;
      chunks.push(chunk);
      total += chunk.length;
      if (limit === null) {
        try {
          const size = announced(chunks.length === 1 ? chunk : Buffer.concat(chunks));
          if (size !== null) limit = size + INFLATE_MARGIN_BYTES;
        } catch (err) {
          fail(err as HourglassError);
          return;
        }
      }
      if (limit !== null && total > limit)
        fail(
          new HourglassError(
            'BAD_FILE',
            `${file}: the gzip data inflates to more than the ${limit - INFLATE_MARGIN_BYTES} bytes its header announces (stopped at ${total}); the file is corrupt or a decompression bomb`,
          ),
        );
    });
    gunzip.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'Z_BUF_ERROR')
        fail(new HourglassError('BAD_FILE', `${file}: truncated gzip data (the download or copy was probably cut short)`));
      else fail(new HourglassError('BAD_FILE', `${file}: corrupt gzip data (${err.message})`));
    });
    gunzip.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, total));
    });
    gunzip.end(raw);
  });
}
