import { invalid, shapeMismatch } from '../../core/errors.js';
import { shapeToString, tensor, type Tensor } from '../../core/tensor.js';
import { mirrorIndex } from './filters.js';

export interface TileOptions {
  /** Tile size the model takes, [height, width]. */
  tile: readonly [number, number];
  /** Step between tiles, [y, x]; default half a tile, so every pixel is covered twice in each direction. */
  stride?: readonly [number, number];
  /**
   * Mirrored border added around the image before tiling, [y, x]; default a quarter tile, so
   * the image's own edge pixels sit inside tiles, away from the model's weakest pixels.
   */
  margin?: readonly [number, number];
}

/**
 * Runs a fixed-size image model over an image of any size: overlapping tiles are cut out,
 * passed through `run` one row of tiles at a time (bounded memory), and blended back with
 * a smooth window, so the seams a model's border effects would leave are faded out.
 *
 * The window is sin^2(pi (i + 1/2) / T) along each axis: it is positive everywhere (no
 * division by zero at the image border, where a single tile covers a pixel) and, with a
 * stride of T/2, the windows of neighbouring tiles add up to exactly 1, so a model that
 * agrees with itself across tiles is reproduced unchanged. The image is mirrored out by a
 * margin (and to at least one tile) before tiling, and cropped back after.
 *
 * `image` is one image [c, H, W]; `run` maps tiles [k, c, th, tw] to outputs of the same shape.
 */
export function processTiled(image: Tensor, run: (tiles: Tensor) => Tensor, options: TileOptions): Tensor {
  if (image.shape.length !== 3) throw shapeMismatch(`tiling works on one image [c, h, w]; got ${shapeToString(image.shape)}`);
  const [c, h, w] = image.shape;
  const [th, tw] = options.tile;
  for (const v of [th, tw]) if (!Number.isInteger(v) || v < 1) throw invalid(`tile size must be positive integers, got [${th}, ${tw}]`);
  const [sy, sx] = options.stride ?? [Math.max(1, Math.floor(th / 2)), Math.max(1, Math.floor(tw / 2))];
  if (!Number.isInteger(sy) || !Number.isInteger(sx) || sy < 1 || sx < 1 || sy > th || sx > tw)
    throw invalid(`tile stride must be integers from 1 to the tile size [${th}, ${tw}], got [${sy}, ${sx}]`);

  const [my, mx] = options.margin ?? [Math.floor(th / 4), Math.floor(tw / 4)];
  if (!Number.isInteger(my) || !Number.isInteger(mx) || my < 0 || mx < 0) throw invalid(`tile margin must be non-negative integers, got [${my}, ${mx}]`);

  // Canvas coordinates run from -margin; everything outside the image mirrors it.
  const H = Math.max(h + 2 * my, th);
  const W = Math.max(w + 2 * mx, tw);
  const ys = tilePositions(H, th, sy);
  const xs = tilePositions(W, tw, sx);
  const wy = blendWindow(th);
  const wx = blendWindow(tw);
  const sum = new Float64Array(c * h * w);
  const weight = new Float64Array(h * w);
  const tiles = tensor([xs.length, c, th, tw]);
  const tilePlane = th * tw;

  for (const canvasY of ys) {
    const y0 = canvasY - my;
    xs.forEach((canvasX, k) => {
      const x0 = canvasX - mx;
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < th; y++) {
          const srcRow = ch * h * w + mirrorIndex(y0 + y, h) * w;
          const dstRow = (k * c + ch) * tilePlane + y * tw;
          for (let x = 0; x < tw; x++) tiles.data[dstRow + x] = image.data[srcRow + mirrorIndex(x0 + x, w)];
        }
    });
    const out = run(tiles);
    if (out.data.length !== tiles.data.length)
      throw shapeMismatch(`the tile model returned shape ${shapeToString(out.shape)} for tiles ${shapeToString(tiles.shape)}`);
    xs.forEach((canvasX, k) => {
      const x0 = canvasX - mx;
      // Only the part of the tile that lies on the image proper is blended back.
      for (let y = Math.max(0, -y0); y < th && y0 + y < h; y++)
        for (let x = Math.max(0, -x0); x < tw && x0 + x < w; x++) {
          const wgt = wy[y] * wx[x];
          const at = (y0 + y) * w + x0 + x;
          weight[at] += wgt;
          for (let ch = 0; ch < c; ch++) sum[ch * h * w + at] += wgt * out.data[(k * c + ch) * tilePlane + y * tw + x];
        }
    });
  }
  const result = tensor([c, h, w]);
  for (let ch = 0; ch < c; ch++)
    for (let i = 0; i < h * w; i++) result.data[ch * h * w + i] = sum[ch * h * w + i] / weight[i];
  return result;
}

/** Tile origins along one axis: every `stride` from 0, plus one flush with the far end. */
export function tilePositions(length: number, tile: number, stride: number): number[] {
  if (length <= tile) return [0];
  const positions: number[] = [];
  for (let p = 0; p + tile < length; p += stride) positions.push(p);
  positions.push(length - tile);
  return positions;
}

/** sin^2(pi (i + 1/2) / size): smooth, positive, and a partition of unity at half-size steps. */
export function blendWindow(size: number): Float64Array {
  const win = new Float64Array(size);
  for (let i = 0; i < size; i++) win[i] = Math.sin((Math.PI * (i + 0.5)) / size) ** 2;
  return win;
}
