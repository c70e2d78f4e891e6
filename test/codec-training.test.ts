import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { sliceRows, type Tensor } from '../src/core/tensor.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { QuantizationNoiseNetwork } from '../src/apps/codec/quantization-noise.js';
import { Codec } from '../src/apps/codec/codec.js';
import { measureCodec } from '../src/apps/codec/rate-distortion.js';
import { PsnrLoss } from '../src/apps/codec/psnr-loss.js';
import { meanPsnr } from '../src/metrics/psnr.js';
import { tensor } from '../src/core/tensor.js';
import { centralDifference } from './support/gradcheck.js';

const data = await loadFashionMnist({ split: 'train', limit: 1200 });
const train = sliceRows(data.images, 0, 1000);
const test_ = sliceRows(data.images, 1000, 1200);

const tinyModel = () => denseAutoencoder({ inputShape: [1, 28, 28], hidden: [32], bottleneck: 8, seed: 3 });

test('PSNR loss: its value is minus the mean per-sample PSNR, and its gradient matches finite differences', () => {
  const rng = new Rng(5);
  const target = tensor([3, 10]);
  const pred = tensor([3, 10]);
  for (let i = 0; i < 30; i++) {
    target.data[i] = rng.uniform();
    pred.data[i] = target.data[i] + (rng.uniform() - 0.5) * (0.05 + 0.2 * Math.floor(i / 10));
  }
  const loss = new PsnrLoss(1e-12);
  const perSample = new Float32Array(3);
  assert.ok(Math.abs(loss.value(pred, target, perSample) + meanPsnr(target, pred)) < 1e-4);
  const grad = tensor([3, 10]);
  loss.gradient(pred, target, grad);
  for (const j of [0, 7, 15, 29]) {
    const numeric = centralDifference(pred.data, j, 1e-3, () => loss.value(pred, target));
    assert.ok(Math.abs(numeric - grad.data[j]) < 1e-2 * Math.max(1, Math.abs(numeric)), `value ${j}: analytic ${grad.data[j]}, numeric ${numeric}`);
  }
  assert.throws(() => new PsnrLoss(0), /positive MSE/);
});

test('noise network: evaluation mode is the plain autoencoder; training mode moves each code by at most half a step', () => {
  const model = tinyModel();
  const batch = sliceRows(train, 0, 64);
  for (const step of ['per-dimension', 'shared'] as const) {
    const net = new QuantizationNoiseNetwork(model, { bits: 3, step, rateWeight: 0 }, new Rng(1));
    assert.deepEqual(net.forward(batch, false).data, model.forward(batch, false).data);
    const code = Float32Array.from(model.encoder.forward(batch, false).data);
    net.forward(batch, true);
    const noisy = (net as unknown as { noisy: Tensor }).noisy.data;
    const size = 8;
    const ranges = Array.from({ length: size }, (_, d) => {
      const column = Array.from({ length: 64 }, (_, i) => code[i * size + d]);
      return Math.max(...column) - Math.min(...column);
    });
    const widest = Math.max(...ranges);
    let moved = 0;
    for (let i = 0; i < code.length; i++) {
      const half = (step === 'shared' ? widest : ranges[i % size]) / 8 / 2;
      assert.ok(Math.abs(noisy[i] - code[i]) <= half * (1 + 1e-5), `${step}: value ${i} moved ${noisy[i] - code[i]}, half step ${half}`);
      if (noisy[i] !== code[i]) moved++;
    }
    assert.ok(moved > code.length * 0.9, 'noise is added to (almost) every value');
    assert.ok(net.lastRate > 0);
  }
  assert.throws(() => new QuantizationNoiseNetwork(model, { bits: [5, 2], step: 'shared', rateWeight: 0 }, new Rng(0)), /bit depth/);
  assert.throws(() => new QuantizationNoiseNetwork(model, { bits: 4, step: 'shared', rateWeight: -1 }, new Rng(0)), /rate weight/);
});

test('Codec.fit: a rate weight buys smaller files with a shared step; annealing adds epochs', async () => {
  const sizes: number[] = [];
  for (const rateWeight of [0, 0.5]) {
    const codec = await new Codec({ model: tinyModel(), bits: 4, step: 'shared', rateWeight, loss: 'mse', annealEpochs: 1 }).fit(train, { epochs: 3, batchSize: 64, seed: 0 });
    const training = codec.history!;
    assert.equal(training.epochs.length, 4);
    assert.equal(codec.calibration.step, 'shared');
    assert.equal(codec.training?.rateWeight, rateWeight);
    const p = measureCodec('tiny', codec, test_);
    assert.ok(p.psnr > 10 && p.psnr < 40, `PSNR ${p.psnr}`);
    sizes.push(p.bytesPerImage);
  }
  assert.ok(sizes[1] < sizes[0] - 0.5, `bytes per image without and with the rate term: ${sizes.map((s) => s.toFixed(2)).join(', ')}`);
});

test('Codec.fit: decoder-only epochs on quantised codes leave the encoder and its calibration unchanged', async () => {
  const codec = await new Codec({ model: tinyModel(), bits: 3, noise: 'none', decoderEpochs: 1 }).fit(train, { epochs: 1, batchSize: 64, seed: 0 });
  const again = { codec: await new Codec({ model: tinyModel(), bits: 3, noise: 'none' }).fit(train, { epochs: 1, batchSize: 64, seed: 0 }) };
  assert.ok(codec.decoderHistory && again.codec.decoderHistory === null);
  assert.deepEqual(codec.model.encoder.params().map((p) => [...p.value.data]), again.codec.model.encoder.params().map((p) => [...p.value.data]));
  assert.deepEqual(codec.calibration, again.codec.calibration);
  assert.notDeepEqual(codec.model.decoder.params()[0].value.data, again.codec.model.decoder.params()[0].value.data);
});
