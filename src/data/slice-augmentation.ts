import { invalid } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

/** The range of each random change of a slice; a change is drawn uniformly in [-max, max]. */
export interface SliceAugmentation {
  /** Pixels of shift along each axis (default 4). */
  maxShift?: number;
  /** Degrees of rotation about the centre (default 5). */
  maxRotation?: number;
  /** Relative change of intensity, e.g. 0.1 = x0.9 to x1.1 (default 0.1). */
  maxIntensityScale?: number;
}

/** One drawn change: what it did, so a companion mask can be moved the same way. */
export interface SliceTransform {
  dx: number;
  dy: number;
  /** Radians. */
  angle: number;
  intensity: number;
}

export function drawSliceTransform(rng: Rng, { maxShift = 4, maxRotation = 5, maxIntensityScale = 0.1 }: SliceAugmentation = {}): SliceTransform {
  if (!(maxShift >= 0 && maxRotation >= 0 && maxIntensityScale >= 0 && maxIntensityScale < 1)) throw invalid('augmentation ranges must be >= 0 (and the intensity scale below 1)');
  const draw = (max: number): number => (2 * rng.uniform() - 1) * max;
  return { dx: draw(maxShift), dy: draw(maxShift), angle: (draw(maxRotation) * Math.PI) / 180, intensity: 1 + draw(maxIntensityScale) };
}

/**
 * Moves an h x w plane by a rigid transform (rotation about the centre, then shift), bilinear,
 * outside the plane reading 0 (the background of a scan); intensities times `intensity`
 * (pass 1 for masks) and clipped to [0, 1]. Healthy variation for a one-subject benchmark:
 * real scans differ by head position and scanner gain at least this much.
 */
export function transformPlane(src: Float32Array, h: number, w: number, t: SliceTransform, intensity = t.intensity): Float32Array {
  if (src.length !== h * w) throw invalid(`a ${h}x${w} plane needs ${h * w} values, got ${src.length}`);
  const out = new Float32Array(h * w);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const cos = Math.cos(t.angle);
  const sin = Math.sin(t.angle);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      // Inverse map: where in the source this output pixel comes from.
      const ux = x - t.dx - cx;
      const uy = y - t.dy - cy;
      const sx = cos * ux + sin * uy + cx;
      const sy = -sin * ux + cos * uy + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const at = (yy: number, xx: number): number => (yy >= 0 && yy < h && xx >= 0 && xx < w ? src[yy * w + xx] : 0);
      const v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      const scaled = v * intensity;
      out[y * w + x] = scaled < 0 ? 0 : scaled > 1 ? 1 : scaled;
    }
  return out;
}
