import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPatches, maxPatchScorePerImage, patchLayout, patchPositions, stitchPatches, stitchPatchScores } from '../src/data/patches.js';
import { hourglassError } from './support/data-files.js';

test('patch positions cover the side edge to edge, the last one flush with the border', () => {
  assert.deepEqual(patchPositions(16, 8, 4), [0, 4, 8]);
  assert.deepEqual(patchPositions(10, 4, 4), [0, 4, 6]);
  assert.deepEqual(patchPositions(8, 8, 3), [0]);
  assert.throws(() => patchPositions(6, 8, 4), hourglassError('INVALID_ARGUMENT', /--patch 8 is larger than the images \(6 pixels/));
});

test('extract then stitch gives the images back, with and without overlap', () => {
  const x = { shape: [2, 3, 10, 7], data: Float32Array.from({ length: 2 * 3 * 70 }, (_, i) => Math.sin(i)) };
  for (const [k, s] of [[4, 2], [5, 5], [3, 1]]) {
    const layout = patchLayout(x.shape, k, s);
    const patches = extractPatches(x, layout);
    assert.deepEqual(patches.shape, [2 * layout.ys.length * layout.xs.length, 3, k, k]);
    const back = stitchPatches(patches, layout);
    assert.deepEqual(back.shape, x.shape);
    for (let i = 0; i < x.data.length; i++) assert.ok(Math.abs(back.data[i] - x.data[i]) < 1e-6, `patch ${k} stride ${s} at ${i}`);
  }
  // A patch holds the pixels it was cut from: image 1, channel 2, patch (y 2, x 3) of 4x4 at stride 2... the first value.
  const layout = patchLayout(x.shape, 4, 2);
  const patches = extractPatches(x, layout);
  const perImage = layout.ys.length * layout.xs.length;
  const index = 1 * perImage + 1 * layout.xs.length + 1; // ys[1] = 2, xs[1] = 2
  assert.equal(patches.data[(index * 3 + 2) * 16], x.data[(1 * 3 + 2) * 70 + 2 * 7 + 2]);
});

test('patch scores become a map (the mean over covering patches) and an image score (the worst patch)', () => {
  // One 1 x 6 x 4 image... as 6 high, 4 wide; patches 4x4 at stride 2: y in {0, 2}, x in {0}.
  const layout = patchLayout([1, 1, 6, 4], 4, 2);
  assert.deepEqual([layout.ys, layout.xs], [[0, 2], [0]]);
  const map = stitchPatchScores([1, 3], layout);
  // Rows 0-1: only the first patch (1); rows 2-3: both (2); rows 4-5: only the second (3).
  assert.deepEqual([...map.data], [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
  assert.deepEqual([...maxPatchScorePerImage([1, 3, 5, 0.5], { ...layout, images: 2 })], [3, 5]);
  assert.throws(() => stitchPatchScores([1, 2, 3], layout), hourglassError('INVALID_ARGUMENT', /expected 2 patch scores, got 3/));
});
