import sharp from 'sharp';
import { invalid } from '../../core/errors.js';
import { sliceRows, sizeOf, type Tensor } from '../../core/tensor.js';
import { meanPsnr } from '../../metrics/psnr.js';
import { meanSsim } from '../../metrics/ssim.js';
import type { Codec } from './codec.js';
import { decodeHgc } from './hgc-container.js';

/**
 * One operating point of a lossy method on a set of images. Every method is counted the
 * same way: each image is compressed into its own complete file (the .hgc container with
 * its header and checksum, a JPEG or WebP file as sharp writes it) and decoded back from
 * those bytes; distortion is measured on the decoded 8-bit pixels, as a viewer would see them.
 */
export interface RatePoint {
  method: string;
  /** Bits, quality...: what varies along the method's curve. */
  setting: string;
  /** Mean file size per image, in bytes (headers included). */
  bytesPerImage: number;
  /** bytesPerImage * 8 / pixels (h x w) per image. */
  bitsPerPixel: number;
  /** Mean over images of each image's PSNR (dB, peak 1). */
  psnr: number;
  /** Mean SSIM (11x11 Gaussian window). */
  ssim: number;
  /** Of bytesPerImage: container bytes that are not payload (the .hgc header and checksum). */
  overheadBytes?: number;
}

/** A codec (autoencoder or PCA), one .hgc file per image, round-tripped through its bytes. */
export function measureCodec(method: string, codec: Codec, images: Tensor): RatePoint {
  const n = images.shape[0];
  const per = sizeOf(images.shape.slice(1));
  const decoded = new Float32Array(images.data.length);
  let bytes = 0;
  let overhead = 0;
  for (let i = 0; i < n; i++) {
    const file = codec.encode(sliceRows(images, i, i + 1));
    bytes += file.length;
    overhead += file.length - decodeHgc(file, 'benchmark file').payload.length;
    decoded.set(codec.decode(file, 'benchmark file').data, i * per);
  }
  return point(method, `${codec.bits} bits`, images, decoded, bytes, overhead);
}

export type ImageFormat = 'jpeg' | 'webp';

/**
 * JPEG (mozjpeg, optimised Huffman tables, no metadata) or lossy WebP (effort 6, the
 * slowest and smallest) through sharp/libvips: the real bytes of each image's file,
 * decoded back with sharp. Images are [n, c, h, w] in [0, 1] with c = 1 (written as
 * greyscale files) or 3.
 */
export async function measureImageFormat(format: ImageFormat, quality: number, images: Tensor, concurrency = 8): Promise<RatePoint> {
  if (images.shape.length !== 4) throw invalid(`image formats need images [n, c, h, w], got [${images.shape.join(', ')}]`);
  const [n, c, h, w] = images.shape;
  const plane = h * w;
  const per = c * plane;
  const decoded = new Float32Array(images.data.length);
  let bytes = 0;
  const one = async (i: number): Promise<void> => {
    const pixels = Buffer.alloc(per);
    for (let p = 0; p < plane; p++)
      for (let k = 0; k < c; k++) pixels[p * c + k] = Math.round(Math.min(1, Math.max(0, images.data[i * per + k * plane + p])) * 255);
    const image = sharp(pixels, { raw: { width: w, height: h, channels: c as 1 | 3 } });
    const file = format === 'jpeg' ? await image.jpeg({ quality, mozjpeg: true }).toBuffer() : await image.webp({ quality, effort: 6 }).toBuffer();
    bytes += file.length;
    const back = sharp(file);
    const raw = await (c === 1 ? back.greyscale() : back.removeAlpha()).raw().toBuffer({ resolveWithObject: true });
    const got = raw.info.channels;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) decoded[i * per + k * plane + p] = raw.data[p * got + Math.min(k, got - 1)] / 255;
  };
  for (let lo = 0; lo < n; lo += concurrency) {
    const batch: Promise<void>[] = [];
    for (let i = lo; i < Math.min(n, lo + concurrency); i++) batch.push(one(i));
    await Promise.all(batch);
  }
  return point(format === 'jpeg' ? 'JPEG' : 'WebP', `quality ${quality}`, images, decoded, bytes, 0, false);
}

/**
 * Bytes per image a method needs to reach `psnr`, by linear interpolation between the two
 * neighbouring points of its curve; null outside the curve (no extrapolation). A point that
 * costs at least as many bytes as a point of higher PSNR is dropped first, so the curve is monotone.
 */
export function bytesAtPsnr(curve: readonly RatePoint[], psnr: number): number | null {
  const sorted = [...curve].sort((a, b) => a.psnr - b.psnr);
  // Keep only points that are not dominated (a higher PSNR for fewer bytes exists).
  const frontier: RatePoint[] = [];
  for (const p of sorted) {
    while (frontier.length && frontier[frontier.length - 1].bytesPerImage >= p.bytesPerImage) frontier.pop();
    frontier.push(p);
  }
  if (frontier.length === 0 || psnr < frontier[0].psnr || psnr > frontier[frontier.length - 1].psnr) return null;
  for (let i = 1; i < frontier.length; i++) {
    const a = frontier[i - 1];
    const b = frontier[i];
    if (psnr <= b.psnr) {
      const t = b.psnr === a.psnr ? 0 : (psnr - a.psnr) / (b.psnr - a.psnr);
      return a.bytesPerImage + t * (b.bytesPerImage - a.bytesPerImage);
    }
  }
  return frontier[0].bytesPerImage;
}

/** Decoded values are rounded to 8 bits (what a PNG of the result holds) unless they already are. */
function point(method: string, setting: string, images: Tensor, decoded: Float32Array, bytes: number, overhead: number, round = true): RatePoint {
  if (round) for (let i = 0; i < decoded.length; i++) decoded[i] = Math.round(Math.min(1, Math.max(0, decoded[i])) * 255) / 255;
  const n = images.shape[0];
  const out: Tensor = { shape: images.shape, data: decoded };
  // Bits per pixel counts pixels (h x w), not values, as image codecs are compared.
  const pixels = images.shape.length === 4 ? images.shape[2] * images.shape[3] : sizeOf(images.shape.slice(1));
  const result: RatePoint = {
    method,
    setting,
    bytesPerImage: bytes / n,
    bitsPerPixel: (bytes * 8) / n / pixels,
    psnr: meanPsnr(images, out),
    ssim: images.shape.length === 4 ? meanSsim(images, out) : NaN,
  };
  if (overhead > 0) result.overheadBytes = overhead / n;
  return result;
}
