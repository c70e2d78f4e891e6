import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gatherRows } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { buildAutoencoder } from '../src/models/build.js';
import { tensorSource } from '../src/data/data-source.js';
import { scalerByName } from '../src/data/scaler.js';
import { listImages } from '../src/data/image-folder.js';
import { ImageFolderSource } from '../src/data/image-folder-source.js';
import { readImageSet } from '../src/data/image-set-reader.js';
import { hourglassError, tempDir } from './support/data-files.js';
import { texture, writeImage } from './support/image-files.js';
import { cliRunner } from './support/cli.js';

const tmp = tempDir('image-streaming');
const at = (...parts: string[]): string => path.join(tmp, ...parts);
const hourglass = cliRunner(tmp);
const decode = { channels: 3 as const, size: { width: 12, height: 10 }, fit: 'fill' as const };

async function folder(name: string, n: number): Promise<string> {
  // Sizes differ on purpose: --size brings them to one, in memory and streamed alike.
  for (let i = 0; i < n; i++) await writeImage(at(name, `${String(i).padStart(3, '0')}.png`), 14 + (i % 3), 11, 3, texture(i));
  return at(name);
}

test('a streamed folder gives the batches of the same images in memory, for any order and batch size', async () => {
  const root = await folder('same', 23);
  const memory = (await readImageSet(root, 'train', decode)).set.x;
  const source = await ImageFolderSource.open((await listImages(root, 'train')).entries, { decode });
  assert.deepEqual(source.sampleShape, [3, 10, 12]);
  const order = new Rng(5).permutation(23);
  let lo = 0;
  for await (const batch of source.batches(order, 5)) {
    const expected = gatherRows(memory, order.subarray(lo, Math.min(23, lo + 5)));
    assert.deepEqual(batch.shape, expected.shape);
    assert.deepEqual(batch.data, expected.data, `batch at ${lo}`);
    lo += 5;
  }
  assert.equal(lo, 25, 'five batches, the last of 3');
});

test('fit on a streamed folder and on the tensor: same seed, same losses, same weights', async () => {
  const root = await folder('fit', 20);
  const memory = (await readImageSet(root, 'train', decode)).set.x;
  const entries = (await listImages(root, 'train')).entries;
  const build = () => buildAutoencoder({ arch: 'conv', inputShape: [3, 10, 12], filters: [4], hidden: [], activation: 'relu', dropout: 0, scaler: null, seed: 3 });
  const options = { epochs: 3, batchSize: 6, seed: 11, validationSplit: 0.2 };
  const inMemory = await build().fit(memory, options);
  const streamed = await build().fit(await ImageFolderSource.open(entries, { decode, prefetch: 1 }), options);
  assert.deepEqual(streamed.history.epochs.map((e) => [e.loss, e.valLoss]), inMemory.history.epochs.map((e) => [e.loss, e.valLoss]));
  const a = inMemory.params();
  const b = streamed.params();
  for (let i = 0; i < a.length; i++) assert.deepEqual(b[i].value.data, a[i].value.data, a[i].name);
  // Any DataSource does: a tensor wrapped as one trains the same too.
  const wrapped = await build().fit(tensorSource(memory), options);
  assert.deepEqual(wrapped.history.epochs.map((e) => e.loss), inMemory.history.epochs.map((e) => e.loss));
  const scaled = buildAutoencoder({ arch: 'dense', inputShape: [3, 10, 12], hidden: [8], filters: [], activation: 'relu', dropout: 0, scaler: scalerByName('minmax'), seed: 0 });
  await assert.rejects(scaled.fit(tensorSource(memory)), hourglassError('INVALID_ARGUMENT', /needs scaler 'none'/));
});

test('the decoded cache: filled by the first pass, read back bit for bit, reused by a new source on the same files', async () => {
  const root = await folder('cache', 9);
  const entries = (await listImages(root, 'train')).entries;
  const cacheDir = at('cache-dir');
  const rows = Uint32Array.from({ length: 9 }, (_, i) => 8 - i);
  const first = await ImageFolderSource.open(entries, { decode, cacheDir });
  const decoded = [];
  for await (const b of first.batches(rows, 4)) decoded.push(Float32Array.from(b.data));
  await first.close();
  const [file] = readdirSync(cacheDir).filter((f) => f.endsWith('.u8'));
  assert.equal(statSync(path.join(cacheDir, file)).size, 9 * 3 * 10 * 12, 'one uint8 row per image');
  // Damage an image: a cached source no longer decodes it, so the batch still comes back the same.
  const again = await ImageFolderSource.open(entries, { decode, cacheDir });
  let i = 0;
  for await (const b of again.batches(rows, 4)) assert.deepEqual(b.data, decoded[i++]);
  await again.close();
  // A changed file is a new key: no stale bytes.
  writeFileSync(entries[0].file, 'broken');
  const changed = await ImageFolderSource.open(entries, { decode, cacheDir });
  await assert.rejects(async () => {
    for await (const _ of changed.batches(Uint32Array.of(0), 1)) void _;
  }, hourglassError('BAD_FILE', /000\.png: not a readable PNG/));
  await changed.close();
});

test('CLI: train chooses streaming above --memory-budget, --no-stream forces memory, and both reach the same test MSE', async () => {
  const root = await folder('cli', 40);
  const common = ['train', '--data', root, '--size', '12x10', '--fit', 'fill', '--arch', 'conv', '--filters', '4', '--epochs', '2', '--batch-size', '8', '--no-progress'];
  const streamed = hourglass(...common, '--memory-budget', '0.001', '--out', 'streamed', '--cache', 'decoded');
  assert.equal(streamed.code, 0, streamed.stderr);
  assert.match(streamed.stdout, /streaming from disk: 40 images, 1 MB as float32 \(above the memory budget of 0\.001 MB\)/);
  const memory = hourglass(...common, '--no-stream', '--out', 'memory');
  assert.equal(memory.code, 0, memory.stderr);
  assert.match(memory.stdout, /decoding into memory: 40 images, .* \(--no-stream\)/);
  const mse = (out: string) => /test MSE ([\d.]+)/.exec(out)![1];
  assert.equal(mse(streamed.stdout), mse(memory.stdout));
  assert.ok(readdirSync(at('decoded')).some((f) => f.endsWith('.u8')));
  const refused = hourglass(...common, '--stream', '--checkpoint-every', '1', '--out', 'ckpt');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--checkpoint-every and --resume keep the training data/);
});

test('CLI: streamed training holds at most 64 MB of test images in memory, and never fewer than 16', async () => {
  const root = await folder('large', 40);
  // 1200x1200 RGB is 17 MB as float32: 64 MB would hold 3 images, so the floor of 16 applies (not all 20 held out).
  const r = hourglass('train', '--data', root, '--size', '1200', '--fit', 'fill', '--stream', '--test-split', '0.5', '--arch', 'dense', '--hidden', '2', '--bottleneck', '1', '--epochs', '1', '--batch-size', '4', '--no-progress', '--out', 'large-run');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(20 samples, 16 test\)/);
});
