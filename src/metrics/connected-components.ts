import { invalid } from '../core/errors.js';

export interface LabelledRegions {
  /** One value per pixel: 0 outside every region, 1..count inside region k. */
  labels: Int32Array;
  count: number;
  /** sizes[k - 1] = pixels of region k. */
  sizes: Uint32Array;
}

/**
 * The connected regions of a binary h x w mask (a pixel is in when its value is above 0.5),
 * with 8-connectivity: diagonal neighbours join, as scipy.ndimage.label with a 3x3 structure
 * and skimage.measure.label (connectivity 2) count them, and as the MVTec AD evaluation of
 * AUPRO does. Regions are numbered in raster order of their first pixel.
 */
export function connectedComponents(mask: ArrayLike<number>, h: number, w: number): LabelledRegions {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw invalid(`mask size must be positive integers, got ${h}x${w}`);
  if (mask.length !== h * w) throw invalid(`a ${h}x${w} mask needs ${h * w} values, got ${mask.length}`);
  const labels = new Int32Array(h * w);
  const sizes: number[] = [];
  const stack = new Int32Array(h * w);
  for (let start = 0; start < h * w; start++) {
    if (!(mask[start] > 0.5) || labels[start] !== 0) continue;
    const label = sizes.length + 1;
    let top = 0;
    let size = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const y = (p / w) | 0;
      const x = p - y * w;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (labels[q] === 0 && mask[q] > 0.5) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    sizes.push(size);
  }
  return { labels, count: sizes.length, sizes: Uint32Array.from(sizes) };
}
