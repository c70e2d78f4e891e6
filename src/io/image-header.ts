import sharp, { type Metadata, type Sharp } from 'sharp';
import { HourglassError, invalid } from '../core/errors.js';

/**
 * The gate every image read goes through before sharp decodes pixels. Two checks, both on
 * the file's header, before any pixel memory is allocated:
 * - the content (not the name) is a raster format hourglass reads: PNG, JPEG, WebP, TIFF or
 *   GIF. SVG (and sharp's other loaders) are refused: a 122-byte SVG named .png can ask
 *   librsvg for a canvas of any size;
 * - width x height (x pages) is at most `maxPixels` (default DEFAULT_MAX_PIXELS, 64 Mpx;
 *   the CLI's --max-pixels raises it), and sharp gets the same bound as limitInputPixels.
 */
export const DEFAULT_MAX_PIXELS = 64_000_000;

export const RASTER_FORMATS = ['png', 'jpeg', 'webp', 'tiff', 'gif'] as const;
export type RasterFormat = (typeof RASTER_FORMATS)[number];

export interface ImageInputOptions {
  /** Largest width x height accepted (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
}

export function checkMaxPixels(maxPixels: number): number {
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw invalid(`--max-pixels must be a positive integer, got ${maxPixels}`);
  return maxPixels;
}

/** The raster format the bytes start with, or null. */
export function sniffRasterFormat(bytes: Uint8Array): RasterFormat | null {
  const at = (i: number, ...b: number[]) => b.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'gif';
  return null;
}

/**
 * Checks format and size from the header and returns a sharp pipeline bounded by the same
 * limit, ready to decode. Errors name `source` and are HourglassError('BAD_FILE').
 */
export async function openImage(bytes: Uint8Array, source: string, options: ImageInputOptions = {}): Promise<{ image: Sharp; width: number; height: number; channels: number; space: string | undefined }> {
  const maxPixels = checkMaxPixels(options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const format = sniffRasterFormat(bytes);
  if (format === null) {
    const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
    const looks = /<svg|<\?xml/i.test(head) ? ' (its content is SVG, which is not read)' : '';
    throw new HourglassError('BAD_FILE', `${source}: not a readable PNG or JPEG image (nor WebP, TIFF or GIF, the other raster formats read)${looks}`);
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new HourglassError('BAD_FILE', `${source}: cannot read the ${format.toUpperCase()} header (${imageErrorReason(e)})`);
  }
  if (meta.format !== format && !(format === 'tiff' && meta.format === 'tiff'))
    throw new HourglassError('BAD_FILE', `${source}: starts like ${format.toUpperCase()} but decodes as ${meta.format}; it is not read`);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const pages = meta.pages ?? 1;
  const pixels = width * height * Math.max(1, pages);
  if (!(width >= 1 && height >= 1)) throw new HourglassError('BAD_FILE', `${source}: the image header announces ${width}x${height} pixels`);
  if (pixels > maxPixels) {
    const what = pages > 1 ? `${width}x${height} x ${pages} pages` : `${width}x${height}`;
    throw new HourglassError(
      'BAD_FILE',
      `${source} announces ${what} = ${formatMegapixels(pixels)}, above --max-pixels ${maxPixels}; raise --max-pixels if the image is genuine`,
    );
  }
  // limitInputPixels also guards the decode itself, should the header have lied.
  const image = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels });
  return { image, width, height, channels: meta.channels ?? 0, space: meta.space };
}

function formatMegapixels(pixels: number): string {
  return pixels >= 1e6 ? `${Math.round(pixels / 1e6)} Mpx` : `${pixels} pixels`;
}

/**
 * The reason an image library gives, on one line: libvips appends its warnings on further
 * lines ("VipsJpeg: premature end of JPEG image\nVipsJpeg: Bogus Huffman table ..."), and an
 * hourglass error is one line.
 */
export function imageErrorReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n', 1)[0].trim();
}
