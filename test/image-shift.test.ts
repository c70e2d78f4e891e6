import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { Dense } from '../src/layers/dense.js';
import { Flatten } from '../src/layers/reshape.js';
import { MinMaxScaler } from '../src/data/scaler.js';
import { Classifier } from '../src/models/classifier.js';
import { parseAugmentation, randomImageShift, type BatchAugmentation } from '../src/train/image-shift.js';
import { hourglassError } from './support/data-files.js';

/** An Rng whose uniform() returns the given values in turn. */
function scriptedRng(values: number[]): Rng {
  let i = 0;
  return { uniform: () => values[i++ % values.length] } as unknown as Rng;
}

/** Pixel (x, y) of the reference shift: the source pixel clamped to the image (edge repeated). */
function referenceShift(img: Float32Array, h: number, w: number, dx: number, dy: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) out.push(img[Math.min(h - 1, Math.max(0, y - dy)) * w + Math.min(w - 1, Math.max(0, x - dx))]);
  return out;
}

test('randomImageShift moves every image by its own offset, repeats the edge, and leaves the input alone', () => {
  const [n, c, h, w] = [3, 2, 4, 5];
  const batch = tensor([n, c, h, w]);
  for (let i = 0; i < batch.data.length; i++) batch.data[i] = i + 1;
  const before = Float32Array.from(batch.data);
  // maxShift 2: offset = floor(u * 5) - 2. Sample 0: dx -2, dy 2; sample 1: dx 0, dy 0; sample 2: dx 1, dy -1.
  const u = [0.1, 0.9, 0.5, 0.5, 0.7, 0.3];
  const out = randomImageShift(2)(batch, scriptedRng(u));
  assert.deepEqual(out.shape, [n, c, h, w]);
  assert.deepEqual(batch.data, before, 'input unchanged');
  const offsets = [[-2, 2], [0, 0], [1, -1]];
  for (let s = 0; s < n; s++)
    for (let ch = 0; ch < c; ch++) {
      const plane = (s * c + ch) * h * w;
      const [dx, dy] = offsets[s];
      assert.deepEqual(Array.from(out.data.subarray(plane, plane + h * w)), referenceShift(batch.data.subarray(plane, plane + h * w), h, w, dx, dy), `sample ${s} channel ${ch}`);
    }
});

test('randomImageShift draws offsets in -maxShift..maxShift, all of them, and takes [n, h, w] batches', () => {
  const batch = tensor([400, 3, 3]);
  for (let i = 0; i < batch.data.length; i++) batch.data[i] = i % 9; // pixel index within its image
  const out = randomImageShift(1)(batch, new Rng(5));
  const seen = new Set<string>();
  for (let s = 0; s < 400; s++) {
    // The centre pixel (1, 1) of the output comes from (1 - dx, 1 - dy), never clamped for |d| <= 1.
    const src = out.data[s * 9 + 4];
    const dx = 1 - (src % 3);
    const dy = 1 - Math.floor(src / 3);
    assert.ok(Math.abs(dx) <= 1 && Math.abs(dy) <= 1);
    seen.add(`${dx},${dy}`);
  }
  assert.equal(seen.size, 9, 'all nine offsets occur');
});

test('randomImageShift and parseAugmentation refuse what they cannot do', () => {
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => randomImageShift(bad), hourglassError('INVALID_ARGUMENT', /positive whole number of pixels/));
  assert.throws(() => randomImageShift(3)(tensor([2, 1, 3, 8]), new Rng(0)), /an image shift of 3 pixels does not fit 3x8 images/);
  assert.throws(() => randomImageShift(1)(tensor([2, 784]), new Rng(0)), hourglassError('SHAPE_MISMATCH', /needs image batches \[n, channels, height, width\], got shape \[2, 784\]/));
  assert.equal(parseAugmentation('none'), undefined);
  assert.equal(parseAugmentation(' Shift:2 ')?.spec, 'shift:2');
  for (const bad of ['shift', 'shift:0', 'shift:1.5', 'rotate:3', 'shift:x']) assert.throws(() => parseAugmentation(bad), /bad augmentation '.*': use none, or shift:N/);
});

test('Classifier.fit augments batches in data units, around the scaler, and records it', async () => {
  const n = 40;
  const x = tensor([n, 1, 2, 2]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = 100 + (i % 7) * 10; // data units 100..160
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const seen: number[] = [];
  const record: BatchAugmentation = Object.assign(
    (batch: Tensor) => {
      seen.push(...batch.data);
      assert.deepEqual(batch.shape.slice(1), [1, 2, 2], 'image-shaped batches');
      return { shape: batch.shape, data: Float32Array.from(batch.data) };
    },
    { spec: 'record', description: 'records what it sees' },
  );
  const model = new Classifier({
    inputShape: [1, 2, 2],
    encoder: [new Flatten()],
    head: [new Dense({ inFeatures: 4, outFeatures: 2 })],
    classNames: ['a', 'b'],
    scaler: new MinMaxScaler(),
    seed: 1,
  });
  const { history: training } = await model.fit(x, labels, { epochs: 2, batchSize: 16, augment: record });
  assert.equal(seen.length, 2 * n * 4, 'every sample of every epoch');
  assert.ok(Math.min(...seen) >= 100 - 1e-3 && Math.max(...seen) <= 160 + 1e-3, `data units, not the scaler's [0, 1]: ${Math.min(...seen)}..${Math.max(...seen)}`);
  assert.equal(training.options.augment, 'record');
});
