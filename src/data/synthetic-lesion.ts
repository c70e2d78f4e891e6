import { invalid } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

export interface LesionOptions {
  /** Semi-axis range in pixels (the lesion's size class). */
  radius: readonly [number, number];
  /** Intensity change at the centre, as a fraction of the [0, 1] range; its sign is drawn (raised or lowered). */
  contrast: readonly [number, number];
  /** Width of the soft edge in pixels: the change falls from full to none over about this distance. */
  edge?: number;
}

export interface Lesion {
  /** 1 inside the lesion (where the change is at least half its peak) and inside the foreground, else 0. */
  mask: Float32Array;
  centre: [number, number];
  radii: [number, number];
  /** Signed peak change. */
  change: number;
}

/**
 * Adds one synthetic lesion to an h x w slice in place: the cross-section of an ellipsoid
 * (random semi-axes in `radius`, random orientation) whose intensity change has a soft,
 * logistic edge, centred on a foreground pixel at least one semi-axis inside the foreground
 * when the slice allows it, and confined to the foreground (a lesion does not grow outside the
 * brain). The ground-truth mask is where the change reaches half its peak: a known answer for
 * the pixel metrics, as in the synthetic-lesion protocols of Baur et al. (2021).
 */
export function addSyntheticLesion(image: Float32Array, foreground: ArrayLike<number>, h: number, w: number, rng: Rng, { radius, contrast, edge = 1.5 }: LesionOptions): Lesion {
  if (image.length !== h * w || foreground.length !== h * w) throw invalid(`a ${h}x${w} slice needs ${h * w} values in the image and in the foreground`);
  const inside: number[] = [];
  for (let p = 0; p < h * w; p++) if (foreground[p] > 0.5) inside.push(p);
  if (inside.length === 0) throw invalid('a lesion needs foreground pixels to sit in; this slice has none');
  const ry = radius[0] + rng.uniform() * (radius[1] - radius[0]);
  const rx = radius[0] + rng.uniform() * (radius[1] - radius[0]);
  const angle = rng.uniform() * Math.PI;
  // Prefer centres deep enough in the foreground that the whole lesion fits; fall back to any foreground pixel.
  const depth = Math.min(ry, rx);
  let centre = inside[rng.int(inside.length)];
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = inside[rng.int(inside.length)];
    if (insideBy(foreground, h, w, p, depth)) {
      centre = p;
      break;
    }
  }
  const cy = Math.floor(centre / w);
  const cx = centre % w;
  const magnitude = contrast[0] + rng.uniform() * (contrast[1] - contrast[0]);
  const change = rng.uniform() < 0.5 ? magnitude : -magnitude;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const mask = new Float32Array(h * w);
  const reach = Math.ceil(Math.max(ry, rx) + 4 * edge);
  const scale = Math.min(ry, rx);
  for (let y = Math.max(0, cy - reach); y <= Math.min(h - 1, cy + reach); y++)
    for (let x = Math.max(0, cx - reach); x <= Math.min(w - 1, cx + reach); x++) {
      const p = y * w + x;
      if (!(foreground[p] > 0.5)) continue;
      const u = cos * (x - cx) + sin * (y - cy);
      const v = -sin * (x - cx) + cos * (y - cy);
      // Signed distance to the ellipse boundary, approximately in pixels (negative inside).
      const distance = (Math.sqrt((u / rx) ** 2 + (v / ry) ** 2) - 1) * scale;
      const weight = 1 / (1 + Math.exp(distance / (edge / 2)));
      if (weight < 1e-3) continue;
      const value = image[p] + change * weight;
      image[p] = value < 0 ? 0 : value > 1 ? 1 : value;
      if (weight >= 0.5) mask[p] = 1;
    }
  return { mask, centre: [cy, cx], radii: [ry, rx], change };
}

/** True when every pixel within `depth` of p (on a coarse ring) is foreground. */
function insideBy(foreground: ArrayLike<number>, h: number, w: number, p: number, depth: number): boolean {
  const y = Math.floor(p / w);
  const x = p % w;
  for (let k = 0; k < 16; k++) {
    const a = (k * Math.PI) / 8;
    const yy = Math.round(y + depth * Math.sin(a));
    const xx = Math.round(x + depth * Math.cos(a));
    if (yy < 0 || yy >= h || xx < 0 || xx >= w || !(foreground[yy * w + xx] > 0.5)) return false;
  }
  return true;
}
