import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { heatmapOverlay } from '../src/report/heatmap-overlay.js';

async function decode(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { info, at: (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)] };
}

test('heatmapOverlay keeps the grey image where there is no error and blends red to yellow with the error', async () => {
  const image = new Float32Array([0.2, 0.4, 0.6, 0.8]);
  const heat = new Float32Array([0, 0.25, 0.5, 1]);
  const img = await decode(await heatmapOverlay(image, heat, 2, 2, 3));
  assert.equal(img.info.width, 6);
  assert.equal(img.info.height, 6);
  assert.deepEqual(img.at(0, 0), [51, 51, 51], 'no heat: the grey value');
  assert.deepEqual(img.at(2, 2), [51, 51, 51], 'nearest upscaling');
  // Full heat with opacity 0.7: grey 204 * 0.3 + yellow (255, 255, 0) * 0.7.
  assert.deepEqual(img.at(5, 5), [240, 240, 61]);
  // Half heat: alpha 0.35 toward (255, 127.5, 0).
  const [r, g, b] = img.at(0, 5);
  assert.deepEqual([r, g, b], [Math.round(153 * 0.65 + 255 * 0.35), Math.round(153 * 0.65 + 127.5 * 0.35), Math.round(153 * 0.65)]);
  assert.ok(r > g && g > b, 'half heat is orange, redder than full heat');
});

test('heatmapOverlay with a shared heatMax and argument checks', async () => {
  const image = new Float32Array(4).fill(0);
  const heat = new Float32Array([0, 0, 0, 1]);
  const img = await decode(await heatmapOverlay(image, heat, 2, 2, 1, { heatMax: 2, opacity: 1 }));
  assert.deepEqual(img.at(1, 1), [128, 64, 0], 'heat 1 of 2 is half way');
  await assert.rejects(heatmapOverlay(image, new Float32Array(3), 2, 2, 1), /heat map needs 4 values, got 3/);
  await assert.rejects(heatmapOverlay(new Float32Array(5), heat, 2, 2, 1), /image needs 4 values, got 5/);
  await assert.rejects(heatmapOverlay(image, heat, 2, 2, 0), /scale must be an integer/);
});
