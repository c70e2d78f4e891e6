import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { encodeNpy, decodeNpy } from '../src/data/npy.js';
import { encodeIdx, readIdx } from '../src/data/idx.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { encodeImage } from '../src/apps/denoise/image-file.js';
import { Denoiser } from '../src/apps/denoise/denoiser.js';
import { tempDir } from './support/data-files.js';
import { cliRunner } from './support/cli.js';

const tmp = tempDir('cli-denoise');
const at = (...p: string[]) => path.join(tmp, ...p);

const hourglass = cliRunner(tmp);

function noisyPicture(c: number, h: number, w: number, seed: number) {
  const rng = new Rng(seed);
  return tensor([1, c, h, w], Float32Array.from({ length: c * h * w }, (_, i) => Math.min(1, Math.max(0, 0.5 + 0.3 * Math.sin(i / 7) + 0.2 * rng.normal()))));
}

// Trained once: the CLI round trip below and the apply tests use it.
const model = at('run', 'model.safetensors');
const trained = (() => {
  const r = hourglass('denoise', 'train', '--noise', 'gaussian:0.3', '--limit', '1500', '--test-limit', '200', '--epochs', '2', '--hidden', '128', '--bottleneck', '64', '--batch-size', '32', '--lr', '0.002', '--out', at('run'), '--no-progress');
  return r;
})();

test('denoise train writes the model, metrics and report, and prints the PSNR/SSIM table', () => {
  const r = trained;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Epoch 2\/2 {2}loss 0\.\d+ {2}val_loss 0\.\d+/);
  assert.match(r.stdout, /1425 images, 75 validation, 200 test/);
  for (const level of ['0.1', '0.2', '0.3', '0.4', '0.5']) assert.match(r.stdout, new RegExp(`gaussian:${level} +\\d+\\.\\d\\d / 0\\.\\d{3}`));
  assert.match(r.stdout, /at gaussian:0\.3 the autoencoder reaches \d+\.\d\d dB \(noisy 1\d\.\d\d dB\)/);
  assert.deepEqual(readdirSync(at('run')).sort(), ['examples.png', 'loss-curve.png', 'metrics.json', 'model.safetensors', 'psnr-vs-noise.png']);
  const metrics = JSON.parse(readFileSync(at('run', 'metrics.json'), 'utf8'));
  assert.equal(metrics.noise, 'gaussian:0.3');
  assert.equal(metrics.levels.length, 5);
  assert.equal(metrics.atTrainedNoise.noise, 'gaussian:0.3');
  assert.ok(metrics.atTrainedNoise.scores.autoencoder.psnr > metrics.atTrainedNoise.scores.noisy.psnr);
  assert.equal(metrics.testImages, 200);
});

test('denoise train --arch pca: a linear denoiser from the clean images, no epochs, and denoise apply uses it', async () => {
  const r = hourglass('denoise', 'train', '--arch', 'pca', '--bottleneck', '32', '--noise', 'gaussian:0.3', '--limit', '1500', '--test-limit', '200', '--out', at('pca-run'), '--no-progress');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /training a PCA denoiser on/);
  assert.match(r.stdout, /PCA \(32 components\)/);
  assert.doesNotMatch(r.stderr, /Epoch/);
  assert.deepEqual(readdirSync(at('pca-run')).sort(), ['examples.png', 'metrics.json', 'model.safetensors', 'psnr-vs-noise.png']);
  const metrics = JSON.parse(readFileSync(at('pca-run', 'metrics.json'), 'utf8'));
  assert.ok(metrics.atTrainedNoise.scores.autoencoder.psnr > metrics.atTrainedNoise.scores.noisy.psnr, 'projection removes noise');
  writeFileSync(at('pca-noisy.png'), await encodeImage(noisyPicture(1, 28, 28, 3), 'png'));
  const applied = hourglass('denoise', 'apply', '--model', at('pca-run', 'model.safetensors'), '--data', 'pca-noisy.png', '--out', 'pca-clean.png');
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /denoised 1 28x28 image/);
  assert.equal(hourglass('denoise', 'train', '--arch', 'linear', '--out', at('never')).code, 1);
});

test('denoise apply: a PNG larger than the model, an RGB JPEG, a folder, an NPY and an IDX array', async () => {
  assert.equal(trained.code, 0, trained.stderr);
  writeFileSync(at('big.png'), await encodeImage(noisyPicture(1, 45, 70, 1), 'png'));
  let r = hourglass('denoise', 'apply', '--model', model, '--data', 'big.png', '--out', 'big-clean.png');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /denoised 1 45x70 image in overlapping 28x28 tiles \(trained at gaussian:0\.3\)/);
  const meta = await sharp(at('big-clean.png')).metadata();
  assert.deepEqual([meta.width, meta.height, meta.channels], [70, 45, 1]);

  writeFileSync(at('colour.jpg'), await encodeImage(noisyPicture(3, 30, 30, 2), 'jpeg'));
  r = hourglass('denoise', 'apply', '--model', model, '--data', 'colour.jpg', '--out', 'colour-clean.png', '--stride', '7');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 channels one at a time through the grey model/);
  assert.equal((await sharp(at('colour-clean.png')).metadata()).channels, 3);

  mkdirSync(at('pictures'));
  writeFileSync(at('pictures', 'a.png'), await encodeImage(noisyPicture(1, 28, 28, 3), 'png'));
  writeFileSync(at('pictures', 'b.jpg'), await encodeImage(noisyPicture(1, 40, 33, 4), 'jpeg'));
  writeFileSync(at('pictures', 'notes.txt'), 'not an image');
  r = hourglass('denoise', 'apply', '--model', model, '--data', 'pictures', '--out', 'pictures-clean');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(at('pictures-clean')).sort(), ['a.png', 'b.jpg']);
  assert.match(r.stdout, /denoised 2 .* -> 2 files in pictures-clean/);

  const images = (await loadFashionMnist({ split: 'test', limit: 5 })).images;
  writeFileSync(at('five.npy'), encodeNpy({ shape: [5, 28, 28], data: images.data }));
  r = hourglass('denoise', 'apply', '--model', model, '--data', 'five.npy', '--out', 'five-clean.npy');
  assert.equal(r.code, 0, r.stderr);
  const out = decodeNpy(readFileSync(at('five-clean.npy')));
  assert.deepEqual(out.shape, [5, 28, 28]);
  assert.ok(out.data.every((v) => v >= 0 && v <= 1));

  writeFileSync(at('five.idx'), encodeIdx([5, 28, 28], Uint8Array.from(images.data, (v) => Math.round(v * 255))));
  r = hourglass('denoise', 'apply', '--model', model, '--data', 'five.idx', '--out', 'five-clean.idx');
  assert.equal(r.code, 0, r.stderr);
  const idx = await readIdx(at('five-clean.idx'));
  assert.equal(idx.type, 'uint8');
  assert.deepEqual(idx.dims, [5, 28, 28]);
});

test('bad input: one clear line, non-zero exit, nothing written', async () => {
  assert.equal(trained.code, 0, trained.stderr);
  writeFileSync(at('broken.png'), 'this is not a PNG');
  mkdirSync(at('mixed'));
  writeFileSync(at('mixed', 'good.png'), await encodeImage(noisyPicture(1, 28, 28, 5), 'png'));
  writeFileSync(at('mixed', 'zbad.png'), 'garbage');
  writeFileSync(at('flat.npy'), encodeNpy({ shape: [2, 5], data: new Float32Array(10) }));
  writeFileSync(at('loud.npy'), encodeNpy({ shape: [1, 28, 28], data: new Float32Array(784).fill(3.5) }));
  writeFileSync(at('grey.npy'), encodeNpy({ shape: [2, 28, 28], data: new Float32Array(1568) }));
  const rgb = at('rgb.safetensors');
  await new Denoiser({ imageShape: [3, 28, 28], noise: 'gaussian:0.2', hidden: [8], bottleneck: 4 }).save(rgb);
  mkdirSync(at('full'));
  writeFileSync(at('full', 'keep.txt'), 'existing');

  const cases: [string[], RegExp, string | null][] = [
    [['denoise', 'train', '--noise', 'gaussian:high', '--out', 'n1'], /bad noise spec 'gaussian:high': 'high' is not a number; use gaussian:SIGMA/, 'n1'],
    [['denoise', 'train', '--noise', 'speckle:0.2', '--out', 'n2'], /unknown kind 'speckle'/, 'n2'],
    [['denoise', 'train', '--data', 'nowhere.npy', '--out', 'n3'], /nowhere\.npy: no such file/, 'n3'],
    [['denoise', 'train', '--data', 'flat.npy', '--out', 'n4'], /flat\.npy has shape \[2, 5\]; image arrays are \[n, h, w\] \(grey\) or \[n, c, h, w\]/, 'n4'],
    [['denoise', 'apply', '--model', model, '--data', 'broken.png', '--out', 'o1.png'], /broken\.png: not a readable PNG or JPEG image/, 'o1.png'],
    [['denoise', 'apply', '--model', model, '--data', 'mixed', '--out', 'o2'], /zbad\.png: not a readable PNG or JPEG image/, 'o2'],
    [['denoise', 'apply', '--model', model, '--data', 'flat.npy', '--out', 'o3.npy'], /flat\.npy has shape \[2, 5\]: rows of 5 values, but this model's images have 784 \(1x28x28\)/, 'o3.npy'],
    [['denoise', 'apply', '--model', model, '--data', 'loud.npy', '--out', 'o4.npy'], /holds 3\.5 .* must be in \[0, 1\]/, 'o4.npy'],
    [['denoise', 'apply', '--model', rgb, '--data', 'grey.npy', '--out', 'o5.npy'], /trained on 3-channel images; got 1-channel images/, 'o5.npy'],
    [['denoise', 'apply', '--model', model, '--data', 'five.npy', '--out', 'o6.png'], /input is a \.npy array, so the output must be one too/, 'o6.png'],
    [['denoise', 'apply', '--model', model, '--data', 'pictures', '--out', 'full'], /full already exists and is not empty/, null],
    [['denoise', 'apply', '--model', model, '--data', 'absent.png', '--out', 'o7.png'], /absent\.png: no such file/, 'o7.png'],
    [['denoise', 'apply', '--model', 'nomodel.safetensors', '--data', 'big.png', '--out', 'o8.png'], /nomodel\.safetensors: no such model file/, 'o8.png'],
    [['denoise', 'apply', '--model', model, '--data', 'big.png', '--out', 'o9.png', '--stride', '40'], /--stride 40 is larger than the model's 28x28 tiles/, 'o9.png'],
    [['denoise', 'bench', 'mnist'], /usage: hourglass denoise bench fashion-mnist/, null],
  ];
  for (const [args, message, output] of cases) {
    const r = hourglass(...args);
    assert.equal(r.code, 1, `${args.join(' ')} should fail: ${r.stdout}`);
    assert.match(r.stderr, message, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/);
    if (output) assert.ok(!existsSync(at(output)), `${output} not written`);
  }
  assert.deepEqual(readdirSync(at('full')), ['keep.txt']);
  assert.deepEqual(readdirSync(tmp).filter((f) => f.includes('.tmp')), [], 'no temporary files left');
});

test('denoise bench runs end to end on a small subset and reports the target', () => {
  const r = hourglass('denoise', 'bench', 'fashion-mnist', '--limit', '1600', '--test-limit', '100', '--epochs', '1', '--hidden', '64', '--bottleneck', '32', '--out', at('bench'), '--json');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.trainImages, 1440);
  assert.equal(result.testImages, 100);
  assert.deepEqual(result.levels.map((l: { noise: string }) => l.noise), ['gaussian:0.1', 'gaussian:0.2', 'gaussian:0.3', 'gaussian:0.4', 'gaussian:0.5']);
  assert.equal(result.target.noise, 'gaussian:0.3');
  assert.equal(result.target.required, 4);
  assert.equal(typeof result.target.met, 'boolean');
  assert.ok(existsSync(at('bench', 'psnr-vs-noise.png')));
});
