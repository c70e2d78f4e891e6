import { invalid } from '../core/errors.js';
import { tensor, type Tensor } from '../core/tensor.js';

export interface HeatOverlayOptions {
  /** Heat that shows full yellow; default the largest heat of the batch, so the pictures compare. */
  top?: number;
  /** How much the colour covers the image at full heat, 0..1 (default 0.7). */
  opacity?: number;
}

/**
 * Images [n, c, h, w] with their anomaly maps ([n, c, h, w] or [n, 1, h, w]; channels are
 * averaged) blended in from red (some) to yellow (the most), as RGB images [n, 3, h, w] in
 * [0, 1] for an image grid. One heat scale for the whole batch unless `top` is given.
 */
export function heatOverlayBatch(images: Tensor, maps: Tensor, { top, opacity = 0.7 }: HeatOverlayOptions = {}): Tensor {
  const [n, c, h, w] = images.shape;
  const plane = h * w;
  const mc = maps.shape[1];
  if (maps.shape.length !== 4 || maps.shape[0] !== n || maps.shape[2] !== h || maps.shape[3] !== w || (mc !== 1 && mc !== c))
    throw invalid(`maps of shape [${maps.shape.join(', ')}] do not match images [${images.shape.join(', ')}]`);
  const grey = channelMean(images);
  const heat = channelMean(maps);
  let scale = top ?? 0;
  if (top === undefined) for (const v of heat) if (v > scale) scale = v;
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  const out = tensor([n, 3, h, w]);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < plane; p++) {
      const g = clamp01(grey[i * plane + p]);
      const t = clamp01(heat[i * plane + p] / scale);
      const a = opacity * t;
      out.data[(i * 3 + 0) * plane + p] = g * (1 - a) + a;
      out.data[(i * 3 + 1) * plane + p] = g * (1 - a) + t * a;
      out.data[(i * 3 + 2) * plane + p] = g * (1 - a);
    }
  return out;
}

/** Images with ground-truth (or predicted) masks [n, 1, h, w] tinted green and outlined, as RGB [n, 3, h, w]. */
export function maskOverlayBatch(images: Tensor, masks: Tensor): Tensor {
  const [n, , h, w] = images.shape;
  if (masks.shape.length !== 4 || masks.shape[0] !== n || masks.shape[1] !== 1 || masks.shape[2] !== h || masks.shape[3] !== w)
    throw invalid(`masks of shape [${masks.shape.join(', ')}] do not match images [${images.shape.join(', ')}]; masks are [n, 1, h, w]`);
  const plane = h * w;
  const grey = channelMean(images);
  const out = tensor([n, 3, h, w]);
  const m = masks.data;
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        const g = clamp01(grey[i * plane + p]);
        const inside = m[i * plane + p] > 0.5;
        // An outline pixel is inside with a 4-neighbour outside: visible however small the region.
        const edge = inside && (x === 0 || y === 0 || x === w - 1 || y === h - 1 || !(m[i * plane + p - 1] > 0.5) || !(m[i * plane + p + 1] > 0.5) || !(m[i * plane + p - w] > 0.5) || !(m[i * plane + p + w] > 0.5));
        const [r, gg, b] = edge ? [0, 1, 0] : inside ? [g * 0.6, g * 0.6 + 0.4, g * 0.6] : [g, g, g];
        out.data[(i * 3 + 0) * plane + p] = r;
        out.data[(i * 3 + 1) * plane + p] = gg;
        out.data[(i * 3 + 2) * plane + p] = b;
      }
  return out;
}

function channelMean(t: Tensor): Float32Array {
  const [n, c, h, w] = t.shape;
  const plane = h * w;
  const out = new Float32Array(n * plane);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++)
      for (let p = 0; p < plane; p++) out[i * plane + p] += Math.max(0, t.data[(i * c + k) * plane + p]) / c;
  return out;
}

function clamp01(v: number): number {
  return v > 0 ? (v < 1 ? v : 1) : 0;
}
