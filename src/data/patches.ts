import { invalid } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';

/**
 * Square patches cut from images (`--patch 64 --stride 32`), and the way back: per-patch maps
 * or scores stitched to full resolution. A model trained on 64x64 patches then looks at a
 * 1024x1024 image one patch at a time, and its anomaly map still covers every pixel.
 *
 * The grid covers each image edge to edge: positions 0, stride, 2 x stride, ... and, when the
 * stride does not land on the edge, one last patch flush with the right (bottom) border. So
 * every pixel is in at least one patch and patches never reach outside the image.
 */
export interface PatchLayout {
  /** Images the patches were cut from. */
  images: number;
  /** Channels of the images. */
  channels: number;
  /** Image height and width. */
  height: number;
  width: number;
  /** Patch side and step, in pixels. */
  patch: number;
  stride: number;
  /** Top rows and left columns of the patches; image i's patches are rows i*P .. i*P+P-1 with P = ys.length * xs.length, row-major (y outer). */
  ys: number[];
  xs: number[];
}

/** The patch positions along one side of `length` pixels. */
export function patchPositions(length: number, patch: number, stride: number): number[] {
  if (!Number.isInteger(patch) || patch < 1) throw invalid(`--patch must be a positive integer, got ${patch}`);
  if (!Number.isInteger(stride) || stride < 1) throw invalid(`--stride must be a positive integer, got ${stride}`);
  if (patch > length) throw invalid(`--patch ${patch} is larger than the images (${length} pixels on one side); use a smaller --patch or a larger --size`);
  const out: number[] = [];
  for (let p = 0; p + patch <= length; p += stride) out.push(p);
  if (out[out.length - 1] + patch < length) out.push(length - patch);
  return out;
}

export function patchLayout(shape: readonly number[], patch: number, stride: number): PatchLayout {
  if (shape.length !== 4) throw invalid(`patches are cut from images N x C x H x W, got shape [${shape.join(', ')}]`);
  const [images, channels, height, width] = shape;
  return { images, channels, height, width, patch, stride, ys: patchPositions(height, patch, stride), xs: patchPositions(width, patch, stride) };
}

export function patchesPerImage(layout: PatchLayout): number {
  return layout.ys.length * layout.xs.length;
}

/** Cuts every image of `x` (N x C x H x W) into patches: (N x P) x C x patch x patch, in layout order. */
export function extractPatches(x: Tensor, layout: PatchLayout): Tensor {
  const { images, channels: c, height: h, width: w, patch: k, ys, xs } = layout;
  const per = patchesPerImage(layout);
  const out = new Float32Array(images * per * c * k * k);
  let o = 0;
  for (let n = 0; n < images; n++)
    for (const y0 of ys)
      for (const x0 of xs)
        for (let ch = 0; ch < c; ch++) {
          const base = (n * c + ch) * h * w;
          for (let y = 0; y < k; y++) {
            const row = base + (y0 + y) * w + x0;
            out.set(x.data.subarray(row, row + k), o);
            o += k;
          }
        }
  return { shape: [images * per, c, k, k], data: out };
}

/**
 * Puts per-patch maps back at full resolution: `maps` is (N x P) x C' x patch x patch in
 * layout order (C' is often 1: an anomaly map); the result is N x C' x H x W where each
 * pixel is the mean of the values every patch covering it gave it.
 */
export function stitchPatches(maps: Tensor, layout: PatchLayout): Tensor {
  const { images, height: h, width: w, patch: k, ys, xs } = layout;
  const per = patchesPerImage(layout);
  if (maps.shape.length !== 4 || maps.shape[0] !== images * per || maps.shape[2] !== k || maps.shape[3] !== k)
    throw invalid(`stitchPatches: expected ${images * per} patch maps of ${k}x${k}, got shape [${maps.shape.join(', ')}]`);
  const c = maps.shape[1];
  const sum = new Float32Array(images * c * h * w);
  const cover = coverage(layout);
  let i = 0;
  for (let n = 0; n < images; n++)
    for (const y0 of ys)
      for (const x0 of xs)
        for (let ch = 0; ch < c; ch++) {
          const base = (n * c + ch) * h * w;
          for (let y = 0; y < k; y++) {
            const row = base + (y0 + y) * w + x0;
            for (let x = 0; x < k; x++) sum[row + x] += maps.data[i++];
          }
        }
  for (let n = 0; n < images * c; n++) for (let p = 0; p < h * w; p++) sum[n * h * w + p] /= cover[p];
  return { shape: [images, c, h, w], data: sum };
}

/**
 * One score per patch (N x P values, layout order) as a map: every pixel gets the mean score
 * of the patches covering it. N x 1 x H x W.
 */
export function stitchPatchScores(scores: ArrayLike<number>, layout: PatchLayout): Tensor {
  const k = layout.patch;
  const per = patchesPerImage(layout);
  if (scores.length !== layout.images * per) throw invalid(`stitchPatchScores: expected ${layout.images * per} patch scores, got ${scores.length}`);
  const maps = new Float32Array(scores.length * k * k);
  for (let i = 0; i < scores.length; i++) maps.fill(scores[i], i * k * k, (i + 1) * k * k);
  return stitchPatches({ shape: [scores.length, 1, k, k], data: maps }, layout);
}

/** An image's score from its patches' scores: the largest (an anomaly anywhere makes the image anomalous). */
export function maxPatchScorePerImage(scores: ArrayLike<number>, layout: PatchLayout): Float32Array {
  const per = patchesPerImage(layout);
  const out = new Float32Array(layout.images).fill(-Infinity);
  for (let i = 0; i < scores.length; i++) out[Math.floor(i / per)] = Math.max(out[Math.floor(i / per)], scores[i]);
  return out;
}

/** How many patches cover each pixel (H x W), the same for every image. */
function coverage(layout: PatchLayout): Float32Array {
  const { height: h, width: w, patch: k, ys, xs } = layout;
  const count = new Float32Array(h * w);
  for (const y0 of ys) for (const x0 of xs) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) count[(y0 + y) * w + x0 + x]++;
  return count;
}
