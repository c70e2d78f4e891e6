import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { loadModelFile } from '../src/io/model-file.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { PCA } from '../src/models/pca.js';
import { Denoiser } from '../src/apps/denoise/denoiser.js';
import { corruptWithSeed, parseCorruption } from '../src/apps/denoise/corruption.js';
import { processTiled } from '../src/apps/denoise/tiling.js';
import { evaluateDenoising, formatDenoiseTable, marginOverFilters } from '../src/apps/denoise/evaluation.js';
import { meanPsnr } from '../src/metrics/psnr.js';
import { hourglassError, tempDir } from './support/data-files.js';

const tmp = tempDir('denoiser');
const noise = parseCorruption('gaussian:0.3');

// One small denoiser shared by the tests below: 2,000 images, 3 epochs, about 2 s.
const trained = (async () => {
  const train = (await loadFashionMnist({ split: 'train', limit: 2000 })).images;
  const test = (await loadFashionMnist({ split: 'test', limit: 300 })).images;
  const denoiser = new Denoiser({ noise: 'gaussian:0.3', hidden: [256], bottleneck: 128, seed: 1 });
  const record = (await denoiser.fit(train, { epochs: 3, batchSize: 32, learningRate: 2e-3, seed: 1, validationSplit: 0.1 })).history!;
  return { denoiser, record, train, test };
})();

test('a denoiser trained on 2,000 Fashion-MNIST images lifts the PSNR of noisy test images by more than 2.5 dB', async () => {
  const { denoiser, record, test } = await trained;
  assert.equal(record.epochs.length, 3);
  assert.ok(record.epochs.every((e) => e.valLoss !== undefined), 'val_loss on noisy validation images');
  assert.equal(record.options.noise, 'gaussian:0.3');
  const noisy = corruptWithSeed(test, noise, 99);
  const before = meanPsnr(noisy, test);
  const after = meanPsnr(denoiser.denoise(noisy), test);
  assert.ok(after > before + 2.5, `PSNR ${before.toFixed(2)} -> ${after.toFixed(2)} dB`);
});

test('the evaluation scores every method at every level and the table shows them', async () => {
  const { denoiser, train, test } = await trained;
  const levels = [parseCorruption('gaussian:0.2'), noise];
  const results = evaluateDenoising({ denoiser, test, validation: { shape: [200, 1, 28, 28], data: train.data.subarray(0, 200 * 784) }, levels });
  assert.deepEqual(results.map((r) => r.noise), ['gaussian:0.2', 'gaussian:0.3']);
  for (const r of results) {
    assert.ok(r.scores.median.psnr > r.scores.noisy.psnr, 'median beats the noisy input at these levels');
    assert.ok(r.blurSigma > 0);
  }
  assert.ok(results[1].scores.noisy.psnr < results[0].scores.noisy.psnr, 'more noise, lower PSNR');
  assert.ok(results[1].scores.autoencoder.ssim! > results[1].scores.noisy.ssim!);
  const { margin } = marginOverFilters(results[1]);
  assert.equal(margin, results[1].scores.autoencoder.psnr - Math.max(results[1].scores.median.psnr, results[1].scores.blur.psnr));
  const table = formatDenoiseTable(results);
  assert.match(table, /gaussian:0\.3 +\d+\.\d\d \/ 0\.\d{3}/);
  assert.match(table, /AE - best filter/);
});

test('training is deterministic for a seed and corrupts every epoch afresh', async () => {
  const images = (await loadFashionMnist({ split: 'train', limit: 200 })).images;
  const run = async (seed: number) => {
    const d = new Denoiser({ noise: 'salt-pepper:0.2', hidden: [32], bottleneck: 16, seed: 3 });
    const r = (await d.fit(images, { epochs: 2, batchSize: 50, seed })).history!;
    return { out: d.denoise({ shape: [5, 1, 28, 28], data: images.data.subarray(0, 5 * 784) }), r };
  };
  const a = await run(5);
  const b = await run(5);
  const c = await run(6);
  assert.deepEqual(a.out.data, b.out.data);
  assert.equal(a.r.epochs[1].loss, b.r.epochs[1].loss);
  assert.notDeepEqual(a.out.data, c.out.data, 'another seed draws other noise');
});

test('save and load keep the weights and the noise; the file is an autoencoder file', async () => {
  const { denoiser, test } = await trained;
  const file = path.join(tmp, 'denoiser.safetensors');
  await denoiser.save(file);
  const contents = await loadModelFile(file);
  assert.equal(contents.kind, 'autoencoder');
  assert.deepEqual(contents.extra?.denoising, { noise: 'gaussian:0.3', range: [0, 1] });
  const loaded = await Denoiser.load(file);
  assert.deepEqual(loaded.noise, noise);
  const x: Tensor = { shape: [4, 1, 28, 28], data: test.data.subarray(0, 4 * 784) };
  assert.deepEqual(loaded.denoise(x).data, denoiser.denoise(x).data);

  // A plain image autoencoder loads as a denoiser without a recorded noise; a table model does not.
  const plain = path.join(tmp, 'plain.safetensors');
  await denseAutoencoder({ inputShape: [1, 28, 28], hidden: [8], bottleneck: 4 }).save(plain);
  assert.equal((await Denoiser.load(plain)).noise, null);
  const table = path.join(tmp, 'table.safetensors');
  await denseAutoencoder({ inputDim: 10, hidden: [8], bottleneck: 4, outputActivation: 'sigmoid' }).save(table);
  await assert.rejects(Denoiser.load(table), hourglassError('MODEL_MISMATCH', /takes \[10\], not images/));
});

test('RGB images go through a grey model one channel at a time', async () => {
  const { denoiser, test } = await trained;
  const planes = { shape: [6, 1, 28, 28], data: test.data.subarray(0, 6 * 784) };
  const rgb = { shape: [2, 3, 28, 28], data: planes.data };
  assert.deepEqual(denoiser.denoise(rgb).data, denoiser.denoise(planes).data);
  assert.deepEqual(denoiser.denoise(rgb).shape, [2, 3, 28, 28]);
});

test('a model trained on RGB images denoises RGB and refuses grey images', async () => {
  const rng = new Rng(4);
  const images = tensor([64, 3, 12, 12], Float32Array.from({ length: 64 * 3 * 144 }, () => rng.uniform()));
  const d = new Denoiser({ imageShape: [3, 12, 12], noise: 'mask:0.2', hidden: [32], bottleneck: 16 });
  await d.fit(images, { epochs: 1, batchSize: 16 });
  assert.deepEqual(d.denoise(tensor([2, 3, 30, 20], new Float32Array(3600).fill(0.5))).shape, [2, 3, 30, 20]);
  assert.throws(() => d.denoise(tensor([1, 1, 12, 12])), hourglassError('SHAPE_MISMATCH', /trained on 3-channel images; got 1-channel/));
});

/** Smooth images (two sinusoids with random frequency, phase and amplitude per image), in [0.15, 0.85]. */
function smoothImages(n: number, h: number, w: number, rng: Rng): Tensor {
  const t = tensor([n, 1, h, w]);
  for (let k = 0; k < n; k++) {
    const [fx, fy, px, py, a] = [rng.uniform() * 0.3, rng.uniform() * 0.3, rng.uniform() * 100, rng.uniform() * 100, 0.1 + 0.15 * rng.uniform()];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) t.data[(k * h + y) * w + x] = 0.5 + a * Math.sin(fx * x + px) + 0.2 * Math.cos(fy * y + py);
  }
  return t;
}

test('no seams: smooth images larger than the training size come out of the tiles without steps at tile borders', async () => {
  const rng = new Rng(8);
  const S = 16;
  const d = new Denoiser({ imageShape: [1, S, S], noise: 'gaussian:0.1', hidden: [128], bottleneck: 64, seed: 1 });
  await d.fit(smoothImages(3000, S, S, rng), { epochs: 5, batchSize: 32, learningRate: 2e-3, seed: 1 });
  const [n, h, w] = [4, 48, 64];
  const clean = smoothImages(n, h, w, rng);
  const noisy = corruptWithSeed(clean, parseCorruption('gaussian:0.1'), 3);
  const blended = d.denoise(noisy);
  // Plain tiling (no overlap, no margin) of the same model, for contrast.
  const plain = tensor(clean.shape);
  for (let i = 0; i < n; i++) {
    const one = { shape: [1, h, w], data: noisy.data.subarray(i * h * w, (i + 1) * h * w) };
    plain.data.set(processTiled(one, (t) => d.model.reconstruct(t), { tile: [S, S], stride: [S, S], margin: [0, 0] }).data, i * h * w);
  }
  // Per column: how far the horizontal step of the output is from the clean image's step.
  // A seam is a column whose step error stands out from the typical (median) column. The
  // three columns at each image edge are left out: there the model sees the mirrored fold.
  const worstColumnOverMedian = (out: Tensor): { ratio: number; column: number } => {
    const errors: number[] = [];
    for (let x = 3; x < w - 3; x++) {
      let sum = 0;
      for (let i = 0; i < n; i++)
        for (let y = 0; y < h; y++) {
          const at = (i * h + y) * w + x;
          sum += Math.abs(out.data[at] - out.data[at - 1] - (clean.data[at] - clean.data[at - 1]));
        }
      errors.push(sum / (n * h));
    }
    const median = [...errors].sort((a, b) => a - b)[errors.length >> 1];
    const worst = Math.max(...errors);
    return { ratio: worst / median, column: errors.indexOf(worst) + 3 };
  };
  const p = worstColumnOverMedian(plain);
  const b = worstColumnOverMedian(blended);
  assert.ok(p.ratio > 2.5 && p.column % S === 0, `plain tiling shows a seam at column ${p.column} (${p.ratio.toFixed(2)}x the median step error)`);
  assert.ok(b.ratio < 1.6, `blended tiling has no seam: worst column ${b.column} at ${b.ratio.toFixed(2)}x the median step error`);
  assert.ok(meanPsnr(blended, clean) > meanPsnr(noisy, clean) + 3, 'and it denoises');
});

test('bad input to the denoiser: clear errors', async () => {
  const { denoiser } = await trained;
  assert.throws(() => new Denoiser({ noise: 'gaussian:zero' }), hourglassError('INVALID_ARGUMENT', /bad noise spec 'gaussian:zero'/));
  assert.throws(() => new Denoiser({ noise: 'gaussian:0.3', imageShape: [2, 28, 28] }), hourglassError('INVALID_ARGUMENT', /\[1 or 3, height, width\]/));
  assert.throws(() => denoiser.denoise(tensor([1, 1, 28, 28], new Float32Array(784).fill(255))), hourglassError('BAD_DATA', /hold 255 .* in \[0, 1\] \(divide bytes by 255\)/));
  assert.throws(() => denoiser.denoise(tensor([1, 784])), hourglassError('SHAPE_MISMATCH', /\[n, c, h, w\]/));
  const empty = Denoiser.fromModelFile(denseAutoencoder({ inputShape: [1, 28, 28], hidden: [4], bottleneck: 2 }).toModelFile());
  await assert.rejects(empty.fit(tensor([1, 1, 28, 28])), hourglassError('INVALID_ARGUMENT', /no corruption to train on/));
  await assert.rejects(denoiser.fit(tensor([3, 1, 27, 28])), hourglassError('SHAPE_MISMATCH', /\[n, 1, 28, 28\]/));
});

test('a PCA denoiser: fitted on clean images, denoises by projection, evaluates, saves and loads', async () => {
  const train = (await loadFashionMnist({ split: 'train', limit: 2000 })).images;
  const test_ = (await loadFashionMnist({ split: 'test', limit: 200 })).images;
  const d = new Denoiser({ model: new PCA({ nComponents: 40 }), noise: 'gaussian:0.3' });
  assert.equal(d.kind, 'denoiser');
  assert.equal(d.isFitted, false);
  assert.deepEqual(d.imageShape, [1, 28, 28]);
  assert.equal(await d.fit(train), d);
  assert.ok(d.isFitted);
  assert.equal(d.history, null);
  // Projection onto the principal subspace of clean images removes most of the noise.
  const metrics = d.evaluate(test_);
  assert.equal(metrics.samples, 200);
  assert.equal(metrics.noise, 'gaussian:0.3');
  assert.ok(metrics.denoised.psnr > metrics.noisy.psnr + 3, `PSNR noisy ${metrics.noisy.psnr}, denoised ${metrics.denoised.psnr}`);
  assert.ok(metrics.denoised.ssim! > metrics.noisy.ssim!);
  // The same numbers as measured by hand on the same noisy copies.
  const noisy = corruptWithSeed(test_, noise, 1);
  assert.equal(metrics.noisy.psnr, meanPsnr(noisy, test_));
  assert.equal(metrics.denoised.psnr, meanPsnr(d.denoise(noisy), test_));
  const file = path.join(tmp, 'pca-denoiser.safetensors');
  await d.save(file);
  const loaded = await Denoiser.load(file);
  assert.equal(loaded.model.kind, 'pca');
  assert.deepEqual(loaded.noise, noise);
  assert.deepEqual(loaded.denoise(noisy).data, d.denoise(noisy).data);
});

test('evaluate of an autoencoder denoiser: noisy and denoised scores against the clean images', async () => {
  const { denoiser, test: clean } = await trained;
  const metrics = denoiser.evaluate(clean);
  const noisy = corruptWithSeed(clean, noise, 1);
  assert.deepEqual(metrics.noisy.psnr, meanPsnr(noisy, clean));
  assert.deepEqual(metrics.denoised.psnr, meanPsnr(denoiser.denoise(noisy), clean));
  assert.ok(metrics.denoised.psnr > metrics.noisy.psnr);
});
