import { invalid } from '../core/errors.js';

/**
 * Resizes one h x w plane to outH x outW with a separable triangle (linear) filter whose
 * support widens with the reduction, as Pillow's and libvips's antialiased linear resize do:
 * shrinking averages every source pixel instead of sampling a few, so thin structures do not
 * alias. Used for volume slices (float intensities and masks), which sharp's 8/16-bit
 * pipelines would quantise.
 */
export function resizePlane(src: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  if (src.length !== h * w) throw invalid(`a ${h}x${w} plane needs ${h * w} values, got ${src.length}`);
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH >= 1 && outW >= 1)) throw invalid(`output size must be positive integers, got ${outH}x${outW}`);
  if (outH === h && outW === w) return Float32Array.from(src);
  const rows = weights(w, outW);
  const cols = weights(h, outH);
  const tmp = new Float32Array(h * outW);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < outW; x++) {
      const { start, values } = rows[x];
      let acc = 0;
      for (let t = 0; t < values.length; t++) acc += values[t] * src[y * w + start + t];
      tmp[y * outW + x] = acc;
    }
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const { start, values } = cols[y];
    for (let t = 0; t < values.length; t++) {
      const weight = values[t];
      const line = (start + t) * outW;
      for (let x = 0; x < outW; x++) out[y * outW + x] += weight * tmp[line + x];
    }
  }
  return out;
}

/** Normalised triangle-filter weights of each output sample over the input samples, pixel centres aligned. */
function weights(inSize: number, outSize: number): { start: number; values: Float64Array }[] {
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  return Array.from({ length: outSize }, (_, o) => {
    const centre = (o + 0.5) * scale - 0.5;
    const start = Math.max(0, Math.ceil(centre - support));
    const end = Math.min(inSize - 1, Math.floor(centre + support));
    const values = new Float64Array(end - start + 1);
    let sum = 0;
    for (let i = start; i <= end; i++) {
      const v = Math.max(0, 1 - Math.abs(i - centre) / support);
      values[i - start] = v;
      sum += v;
    }
    if (sum === 0) {
      // Only at an edge with a support of one sample: take the nearest.
      values.fill(0);
      values[Math.min(end, Math.max(start, Math.round(centre))) - start] = 1;
      sum = 1;
    }
    for (let t = 0; t < values.length; t++) values[t] /= sum;
    return { start, values };
  });
}
