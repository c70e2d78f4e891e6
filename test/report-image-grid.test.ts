import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { HourglassError } from '../src/core/errors.js';
import { tensor } from '../src/core/tensor.js';
import { imageGrid, imageGridLayout } from '../src/report/image-grid.js';

async function decode(png: Buffer): Promise<{ width: number; height: number; channels: number; at: (x: number, y: number) => number[] }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: info.channels,
    at: (x, y) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)],
  };
}

// Values k/255 map to exactly k, so pixels can be compared without rounding doubt.
const b = (k: number): number => k / 255;

/** Two grey 2x3 images: pixel (y, x) of image j is 10 + 40j + 10(3y + x), with a NaN and an out-of-range value. */
function greyRow() {
  const data = new Float32Array(2 * 6);
  for (let j = 0; j < 2; j++) for (let i = 0; i < 6; i++) data[j * 6 + i] = b(10 + 40 * j + 10 * i);
  data[5] = NaN;
  data[6] = 7;
  return tensor([2, 1, 2, 3], data);
}

/** Two RGB 2x3 images, planes R = 200, G = 100 + i, B = 50 + 10j. */
function rgbRow() {
  const data = new Float32Array(2 * 3 * 6);
  for (let j = 0; j < 2; j++)
    for (let i = 0; i < 6; i++) {
      data[j * 18 + i] = b(200);
      data[j * 18 + 6 + i] = b(100 + i);
      data[j * 18 + 12 + i] = b(50 + 10 * j);
    }
  return tensor([2, 3, 2, 3], data);
}

test('imageGrid places every pixel, upscaled, with gaps', async () => {
  const png = await imageGrid([greyRow(), rgbRow()], { scale: 2, gap: 1 });
  const img = await decode(png);
  // width = gap + 2 columns * (3*2 + gap); height = gap + 2 rows * (2*2 + gap)
  assert.equal(img.width, 15);
  assert.equal(img.height, 11);
  assert.equal(img.channels, 3);
  assert.deepEqual(img.at(0, 0), [255, 255, 255], 'gap is white');
  assert.deepEqual(img.at(7, 3), [255, 255, 255], 'gap between columns');
  // Row 0, image 0, source pixel (y=0, x=1) covers output x 3..4, y 1..2.
  assert.deepEqual(img.at(3, 1), [20, 20, 20]);
  assert.deepEqual(img.at(4, 2), [20, 20, 20]);
  // Source pixel (1, 2) of image 0 is NaN: black.
  assert.deepEqual(img.at(6, 4), [0, 0, 0]);
  // Image 1 starts at x = 1 + 7; its first pixel is 7, clamped to 1; its pixel (0, 1) is 50 + 10.
  assert.deepEqual(img.at(8, 1), [255, 255, 255]);
  assert.deepEqual(img.at(10, 1), [60, 60, 60]);
  // Row 1 starts at y = 1 + 4 + 1 = 6; RGB image 1, source pixel (1, 2) = index 5.
  assert.deepEqual(img.at(8 + 4, 6 + 2), [200, 105, 60]);
  assert.deepEqual(img.at(1, 6), [200, 100, 50]);
});

test('imageGrid draws labels in a column at the left, and the text renders', async () => {
  const rows = [greyRow(), rgbRow()];
  const options = { scale: 8, gap: 2, labels: ['original', 'reconstruction'] };
  const layout = imageGridLayout(rows, options);
  assert.ok(layout.labelWidth > 40);
  const img = await decode(await imageGrid(rows, options));
  assert.equal(img.width, layout.width);
  assert.equal(img.height, layout.height);
  // The last column still holds image 1 of the RGB row: count from the right edge.
  const x = img.width - options.gap - layout.cellWidth;
  assert.equal(x, layout.columnLeft(1));
  assert.deepEqual(img.at(x + 2 * 8, layout.rowTops[1] + 8), [200, 105, 60]);
  let dark = 0;
  for (let y = 0; y < img.height; y++) for (let xx = 0; xx < layout.labelWidth; xx++) if (img.at(xx, y)[0] < 128) dark++;
  assert.ok(dark > 50, `label text should leave dark pixels, found ${dark}`);
});

test('imageGrid rejects rows that are not images, and labels that do not match', async () => {
  await assert.rejects(imageGrid([tensor([2, 4])]), (e: unknown) => e instanceof HourglassError && /\[n, c, h, w\]/.test(e.message));
  await assert.rejects(imageGrid([tensor([1, 2, 3, 3])]), /c = 1 or 3/);
  await assert.rejects(imageGrid([greyRow()], { labels: ['a', 'b'] }), /2 labels for 1 rows/);
  await assert.rejects(imageGrid([greyRow()], { scale: 0 }), /scale must be an integer/);
  await assert.rejects(imageGrid([]), /at least one row/);
});
