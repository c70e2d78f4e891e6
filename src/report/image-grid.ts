import sharp from 'sharp';
import { invalid } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { estimateTextWidth, svgDocument, svgText } from './svg.js';

export interface ImageGridOptions {
  /** Pixel upscaling (nearest neighbour), so 28x28 digits are visible. Default 1. */
  scale?: number;
  /** White space between images and around the grid, in output pixels. Default 2. */
  gap?: number;
  /** One per row, drawn left of the row. */
  labels?: readonly string[];
}

/** Where each image of an image grid lands, in output pixels; exported for tests and page layouts. */
export interface ImageGridLayout {
  width: number;
  height: number;
  labelWidth: number;
  cellWidth: number;
  fontSize: number;
  /** Top edge of each row. */
  rowTops: number[];
  /** Left edge of column j. */
  columnLeft(j: number): number;
}

/**
 * Rows of images as one RGB PNG, like the classic autoencoder figure: originals on the
 * first row, reconstructions below. Each row is a batch [n, c, h, w] with c = 1 (grey) or
 * 3 (RGB) and values in [0, 1] (clamped; NaN shows black).
 */
export async function imageGrid(rows: readonly Tensor[], options: ImageGridOptions = {}): Promise<Buffer> {
  const layout = imageGridLayout(rows, options);
  const scale = options.scale ?? 1;
  const { width, height } = layout;
  const pixels = new Uint8Array(width * height * 3).fill(255);

  rows.forEach((row, r) => {
    const [n, c, h, w] = row.shape;
    const plane = h * w;
    for (let j = 0; j < n; j++) {
      const left = layout.columnLeft(j);
      const top = layout.rowTops[r];
      const base = j * c * plane;
      for (let y = 0; y < h * scale; y++) {
        const sy = Math.floor(y / scale);
        let out = ((top + y) * width + left) * 3;
        for (let x = 0; x < w * scale; x++) {
          const at = base + sy * w + Math.floor(x / scale);
          if (c === 1) {
            const v = toByte(row.data[at]);
            pixels[out] = v;
            pixels[out + 1] = v;
            pixels[out + 2] = v;
          } else {
            pixels[out] = toByte(row.data[at]);
            pixels[out + 1] = toByte(row.data[at + plane]);
            pixels[out + 2] = toByte(row.data[at + 2 * plane]);
          }
          out += 3;
        }
      }
    }
  });

  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (options.labels) {
    const texts = options.labels.map((label, r) =>
      svgText(options.gap ?? 2, layout.rowTops[r] + (rows[r].shape[2] * scale) / 2, label, { size: layout.fontSize }),
    );
    // Only the label column is drawn as SVG; composited over the raw pixels.
    const svg = svgDocument(layout.labelWidth, height, texts);
    image = image.composite([{ input: Buffer.from(svg), left: 0, top: 0 }]);
  }
  return image.png().toBuffer();
}

/** The largest grid, in pixels, that imageGridLayout lays out (width x height). */
export const MAX_GRID_PIXELS = 100_000_000;

export function imageGridLayout(rows: readonly Tensor[], { scale = 1, gap = 2, labels }: ImageGridOptions = {}): ImageGridLayout {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw invalid(`scale must be an integer from 1 to 64, got ${scale}`);
  if (!Number.isInteger(gap) || gap < 0) throw invalid(`gap must be a non-negative integer, got ${gap}`);
  if (rows.length === 0) throw invalid('an image grid needs at least one row');
  if (labels && labels.length !== rows.length)
    throw invalid(`got ${labels.length} labels for ${rows.length} rows; give one label per row`);
  rows.forEach((row, r) => {
    const [n, c, h, w] = row.shape;
    if (row.shape.length !== 4 || (c !== 1 && c !== 3))
      throw invalid(`row ${r} has shape [${row.shape.join(', ')}]; an image row is [n, c, h, w] with c = 1 or 3`);
    if (row.data.length !== n * c * h * w) throw invalid(`row ${r}: shape [${row.shape.join(', ')}] does not match its ${row.data.length} values`);
  });

  const columns = Math.max(...rows.map((r) => r.shape[0]));
  const cellWidth = Math.max(...rows.map((r) => r.shape[3])) * scale;
  const smallestRow = Math.min(...rows.map((r) => r.shape[2])) * scale;
  const fontSize = Math.max(10, Math.min(16, Math.round(smallestRow * 0.3)));
  const labelWidth = labels ? gap + Math.max(...labels.map((l) => estimateTextWidth(l, fontSize))) + 4 : 0;
  const rowTops: number[] = [];
  let y = gap;
  for (const row of rows) {
    rowTops.push(y);
    y += row.shape[2] * scale + gap;
  }
  const width = labelWidth + gap + columns * (cellWidth + gap);
  if (columns === 0 || width * y > MAX_GRID_PIXELS)
    throw invalid(`an image grid of ${width}x${y} pixels is empty or too large; show fewer images or a smaller scale`);
  return { width, height: y, labelWidth, cellWidth, fontSize, rowTops, columnLeft: (j) => labelWidth + gap + j * (cellWidth + gap) };
}

function toByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return Math.round(v * 255);
}
