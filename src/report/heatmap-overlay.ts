import sharp from 'sharp';
import { invalid } from '../core/errors.js';

export interface HeatmapOverlayOptions {
  /** Heat that shows full yellow; default the largest value, so several images can share one scale. */
  heatMax?: number;
  /** How much the colour covers the image at full heat, 0..1; default 0.7. */
  opacity?: number;
}

/**
 * A grey image with its per-pixel reconstruction error blended in red (some error) to
 * yellow (the most), as an RGB PNG upscaled by `scale` (nearest): where the model failed.
 */
export async function heatmapOverlay(
  image: Float32Array,
  heat: Float32Array,
  h: number,
  w: number,
  scale: number,
  { heatMax, opacity = 0.7 }: HeatmapOverlayOptions = {},
): Promise<Buffer> {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw invalid(`image size must be positive integers, got ${h}x${w}`);
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw invalid(`scale must be an integer from 1 to 64, got ${scale}`);
  if (image.length !== h * w) throw invalid(`a ${h}x${w} image needs ${h * w} values, got ${image.length}`);
  if (heat.length !== h * w) throw invalid(`a ${h}x${w} heat map needs ${h * w} values, got ${heat.length}`);
  if (!(opacity >= 0 && opacity <= 1)) throw invalid(`opacity must be in [0, 1], got ${opacity}`);
  let top = heatMax ?? 0;
  if (heatMax === undefined) for (const v of heat) if (Number.isFinite(v) && v > top) top = v;
  if (!(top > 0) || !Number.isFinite(top)) top = 1;

  const colored = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    const grey = clamp01(image[i]) * 255;
    const t = clamp01(heat[i] / top);
    const alpha = opacity * t;
    colored[i * 3] = Math.round(grey * (1 - alpha) + 255 * alpha);
    colored[i * 3 + 1] = Math.round(grey * (1 - alpha) + 255 * t * alpha);
    colored[i * 3 + 2] = Math.round(grey * (1 - alpha));
  }
  return sharp(colored, { raw: { width: w, height: h, channels: 3 } })
    .resize(w * scale, h * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
}

function clamp01(v: number): number {
  return v > 0 ? (v < 1 ? v : 1) : 0;
}
