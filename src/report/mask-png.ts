import sharp from 'sharp';
import { invalid } from '../core/errors.js';

/** A binary mask (value above 0.5 = in) as an 8-bit grey PNG of 0 and 255, the format of MVTec AD's ground-truth masks. */
export async function maskPng(mask: ArrayLike<number>, h: number, w: number): Promise<Buffer> {
  if (mask.length !== h * w) throw invalid(`a ${h}x${w} mask needs ${h * w} values, got ${mask.length}`);
  const bytes = new Uint8Array(h * w);
  for (let p = 0; p < h * w; p++) bytes[p] = mask[p] > 0.5 ? 255 : 0;
  return sharp(bytes, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
}
