import { HourglassError, invalid } from '../core/errors.js';
import { readRegularFile } from '../io/input-file.js';
import { DEFAULT_MAX_PIXELS, imageErrorReason, openImage } from '../io/image-header.js';

/**
 * How an image file becomes a C x H x W array: `--channels`, `--size`, `--fit`. One decode
 * path for every reader (the in-memory image set, the streaming source, the decoded cache),
 * so the two training paths see the same pixels.
 */

/** Width x height of the images after resizing. */
export interface ImageSize {
  width: number;
  height: number;
}

/**
 * How an image is brought to `size`:
 * - cover: scaled to cover the size, then the centre cut out (a centre crop; nothing is distorted);
 * - contain: scaled to fit inside, the rest padded with black (nothing is cut);
 * - fill: stretched to the size (the aspect ratio changes).
 */
export type ImageFit = 'cover' | 'contain' | 'fill';
export const IMAGE_FITS: readonly ImageFit[] = ['cover', 'contain', 'fill'];

export interface ImageDecodeOptions {
  /** 1 = grayscale (luminance), 3 = RGB; alpha is dropped (flattened on black). */
  channels: 1 | 3;
  /** Resize to this size; null keeps each image's own size (then all images must share one). */
  size: ImageSize | null;
  fit: ImageFit;
  /** Largest width x height read (io/image-header.ts). */
  maxPixels?: number;
}

/** One decoded image: channels x height x width bytes, channel-planar (CHW). */
export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
  /** The size the file itself has, before any resize (masks are checked against it). */
  sourceWidth: number;
  sourceHeight: number;
}

/** Parses `--size 128` (square) or `--size 256x192` (width x height). */
export function parseImageSize(text: string): ImageSize {
  const m = /^\s*(\d+)\s*(?:[xX]\s*(\d+))?\s*$/.exec(text);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(width >= 1 && height >= 1 && width <= 16384 && height <= 16384))
    throw invalid(`--size expects N (a square N x N) or WxH with sides from 1 to 16384, e.g. 128 or 256x192; got '${text}'`);
  return { width, height };
}

export function parseImageFit(text: string): ImageFit {
  if (!(IMAGE_FITS as readonly string[]).includes(text)) throw invalid(`--fit must be one of ${IMAGE_FITS.join(', ')}, got '${text}'`);
  return text as ImageFit;
}

export function parseChannels(value: number): 1 | 3 {
  if (value !== 1 && value !== 3) throw invalid(`--channels must be 1 (grayscale) or 3 (RGB), got ${value}`);
  return value;
}

/**
 * Reads and decodes `file` through the header gate (format by content, pixel limit). `name`
 * is how errors name the file (its path relative to the input root). Throws BAD_FILE for an
 * unreadable, corrupt or truncated image.
 */
export async function decodeImageFile(file: string, name: string, options: ImageDecodeOptions): Promise<DecodedImage> {
  const bytes = await readRegularFile(file, 'image file');
  return decodeImageBytes(bytes, name, options);
}

export async function decodeImageBytes(bytes: Uint8Array, name: string, options: ImageDecodeOptions): Promise<DecodedImage> {
  const { image, width: sourceWidth, height: sourceHeight } = await openImage(bytes, name, { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS });
  // Rotate by EXIF first (a phone photo stored sideways is read upright), then drop alpha on black.
  let pipeline = image.rotate().flatten({ background: { r: 0, g: 0, b: 0 } });
  if (options.size) {
    pipeline = pipeline.resize(options.size.width, options.size.height, {
      fit: options.fit,
      position: 'centre',
      background: { r: 0, g: 0, b: 0 },
      kernel: 'lanczos3',
    });
  }
  pipeline = options.channels === 1 ? pipeline.grayscale().toColourspace('b-w') : pipeline.toColourspace('srgb');
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    raw = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new HourglassError('BAD_FILE', `${name}: cannot decode the image (${imageErrorReason(e)}); the file is corrupt or truncated`);
  }
  const { width, height, channels } = raw.info;
  const c = options.channels;
  if (channels < c) throw new HourglassError('BAD_FILE', `${name}: decoded to ${channels} channel(s), expected ${c}`);
  // sharp gives interleaved HWC (possibly with an extra alpha band); the tensors are planar CHW.
  const plane = width * height;
  const data = new Uint8Array(c * plane);
  const src = raw.data;
  for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) data[k * plane + p] = src[p * channels + k];
  return { data, width, height, channels: c, sourceWidth, sourceHeight };
}

/** A mask image as 0/1 bytes at `size`: grayscale, nearest-neighbour resized, any non-zero pixel is 1. */
export async function decodeMaskFile(file: string, name: string, size: ImageSize, maxPixels?: number): Promise<{ data: Uint8Array; width: number; height: number }> {
  const bytes = await readRegularFile(file, 'mask file');
  const { image, width, height } = await openImage(bytes, name, { maxPixels: maxPixels ?? DEFAULT_MAX_PIXELS });
  let pipeline = image.flatten({ background: { r: 0, g: 0, b: 0 } }).grayscale().toColourspace('b-w');
  if (width !== size.width || height !== size.height) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'nearest' });
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    raw = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new HourglassError('BAD_FILE', `${name}: cannot decode the mask (${imageErrorReason(e)}); the file is corrupt or truncated`);
  }
  const plane = raw.info.width * raw.info.height;
  const data = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) data[p] = raw.data[p * raw.info.channels] > 0 ? 1 : 0;
  return { data, width, height };
}

/** An image file's size and colour from its header, without decoding pixels. */
export async function imageFileHeader(file: string, name: string, maxPixels?: number): Promise<ImageSize & { channels: number; space: string | undefined }> {
  const bytes = await readRegularFile(file, 'image file');
  const { width, height, channels, space } = await openImage(bytes, name, { maxPixels: maxPixels ?? DEFAULT_MAX_PIXELS });
  return { width, height, channels, space };
}
