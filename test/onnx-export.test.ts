import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { HourglassError } from '../src/core/errors.js';
import { StandardScaler, MinMaxScaler } from '../src/data/scaler.js';
import { Autoencoder } from '../src/models/autoencoder.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import { PCA } from '../src/models/pca.js';
import { Conv2d } from '../src/layers/conv2d.js';
import { AvgPool2d } from '../src/layers/avg-pool2d.js';
import { Upsampling2d } from '../src/layers/upsampling2d.js';
import { Activation } from '../src/layers/activation.js';
import { Dropout } from '../src/layers/dropout.js';
import { BatchNorm2d } from '../src/layers/batch-norm2d.js';
import { classifierFromAutoencoder } from '../src/apps/finetune/classifier-from-autoencoder.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { Denoiser } from '../src/apps/denoise/denoiser.js';
import { Codec } from '../src/apps/codec/codec.js';
import { exportOnnx, toOnnx } from '../src/apps/export-onnx.js';
import { decodeOnnxModel } from '../src/io/onnx/onnx-proto.js';
import type { Layer } from '../src/layers/layer.js';

/** Largest |ours - theirs| relative to the largest |ours|: the parity measure the docs quote. */
function relativeDifference(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  assert.equal(theirs.length, ours.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ours.length; i++) {
    diff = Math.max(diff, Math.abs(Number(ours[i]) - Number(theirs[i])));
    scale = Math.max(scale, Math.abs(Number(ours[i])));
  }
  return diff / Math.max(scale, 1e-30);
}

const TOLERANCE = 1e-5;

/** The parity bound, with the measured difference in the test's output (the figure the docs quote). */
function assertParity(t: { diagnostic(message: string): void }, worst: number): void {
  t.diagnostic(`largest relative difference to ONNX Runtime: ${worst.toExponential(2)}`);
  assert.ok(worst <= TOLERANCE, `relative difference ${worst} exceeds ${TOLERANCE}`);
}

/** Smooth random images in [0, 1] (blobs), so the conv models learn something in a few steps. */
function images(n: number, [c, h, w]: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const x = tensor([n, c, h, w]);
  for (let i = 0; i < n; i++) {
    const cy = rng.uniform() * h;
    const cx = rng.uniform() * w;
    const r = 1.5 + rng.uniform() * (h / 3);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++) x.data[((i * c + ch) * h + y) * w + xx] = Math.exp(-((y - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r)) * (0.6 + 0.4 * rng.uniform());
  }
  return x;
}

function table(n: number, d: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const x = tensor([n, d]);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    for (let j = 0; j < d; j++) x.data[i * d + j] = 3 * Math.sin(j) * a + 0.5 * j * b + 10 * j + 0.1 * rng.normal();
  }
  return x;
}

async function run(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.shape);
  return session.run(inputs);
}

function rows(x: Tensor, n: number): Tensor {
  const per = x.data.length / x.shape[0];
  return { shape: [n, ...x.shape.slice(1)], data: x.data.slice(0, n * per) };
}

const BATCHES = [1, 17];

async function checkReconstructor(model: Autoencoder | PCA, x: Tensor): Promise<number> {
  let worst = 0;
  for (const n of BATCHES) {
    const batch = rows(x, n);
    const full = await run(toOnnx(model), { input: batch });
    worst = Math.max(worst, relativeDifference(model.reconstruct(batch).data, full.reconstruction.data as Float32Array));
    const codes = model.encode(batch);
    const enc = await run(toOnnx(model, { part: 'encoder' }), { input: batch });
    worst = Math.max(worst, relativeDifference(codes.data, enc.code.data as Float32Array));
    const dec = await run(toOnnx(model, { part: 'decoder' }), { code: codes });
    worst = Math.max(worst, relativeDifference(model.decode(codes).data, dec.reconstruction.data as Float32Array));
  }
  return worst;
}

test('a dense autoencoder with a StandardScaler exports whole and in halves, and ONNX Runtime matches it', async (t) => {
  const x = table(200, 12, 1);
  const ae = denseAutoencoder({ inputShape: [12], hidden: [16, 8], bottleneck: 3, activation: 'tanh', scaler: new StandardScaler(), seed: 2 });
  await ae.fit(x, { epochs: 3, batchSize: 32 });
  assertParity(t, await checkReconstructor(ae, x));
});

test('a conv autoencoder with BatchNorm, LeakyReLU and a dense waist matches ONNX Runtime', async (t) => {
  const x = images(64, [1, 12, 12], 3);
  const ae = convAutoencoder({ inputShape: [1, 12, 12], filters: [4, 8], bottleneck: 5, activation: 'leaky_relu', batchNorm: true, seed: 4 });
  await ae.fit(x, { epochs: 2, batchSize: 16 });
  assertParity(t, await checkReconstructor(ae, x));
});

test('average pooling, nearest upsampling, dropout and a MinMax scaler on RGB images match ONNX Runtime', async (t) => {
  const x = images(48, [3, 8, 10], 5);
  const encoder: Layer[] = [new Conv2d({ inChannels: 3, outChannels: 6, kernelSize: 3, padding: 1 }), new Activation('relu'), new Dropout(0.2), new AvgPool2d({ kernelSize: 2 })];
  const decoder: Layer[] = [new Upsampling2d({ scale: 2 }), new Conv2d({ inChannels: 6, outChannels: 3, kernelSize: 3, padding: 1 }), new BatchNorm2d({ numFeatures: 3 }), new Activation('sigmoid')];
  const ae = new Autoencoder({ inputShape: [3, 8, 10], encoder, decoder, scaler: new MinMaxScaler(), seed: 6 });
  await ae.fit(x, { epochs: 2, batchSize: 16 });
  assertParity(t, await checkReconstructor(ae, x));
});

test('PCA, whitened, with a scaler, on images, matches ONNX Runtime', async (t) => {
  const x = images(80, [1, 6, 6], 7);
  const pca = await new PCA({ nComponents: 5, whiten: true, scaler: new StandardScaler() }).fit(x);
  assertParity(t, await checkReconstructor(pca, x));
});

test('a classifier exports logits and probabilities, and its metadata names the classes', async (t) => {
  const x = images(60, [1, 8, 8], 8);
  const labels = Uint8Array.from({ length: 60 }, (_, i) => i % 3);
  const ae = convAutoencoder({ inputShape: [1, 8, 8], filters: [4], seed: 9 });
  await ae.fit(x, { epochs: 1, batchSize: 20 });
  const clf = classifierFromAutoencoder(ae, { classNames: ['a', 'b', 'c'], seed: 1 });
  await clf.fit(x, labels, { epochs: 2, batchSize: 20 });
  const bytes = toOnnx(clf);
  let worst = 0;
  for (const n of BATCHES) {
    const batch = rows(x, n);
    const out = await run(bytes, { input: batch });
    worst = Math.max(worst, relativeDifference(clf.logits(batch).data, out.logits.data as Float32Array));
    worst = Math.max(worst, relativeDifference(clf.predictProba(batch).data, out.probabilities.data as Float32Array));
  }
  assertParity(t, worst);
  const props = Object.fromEntries((decodeOnnxModel(bytes).metadataProps as { key: string; value: string }[]).map((p) => [p.key, p.value]));
  assert.equal(props.model_kind, 'classifier');
  assert.deepEqual(JSON.parse(props.class_names), ['a', 'b', 'c']);
  assert.throws(() => toOnnx(clf, { part: 'encoder' }), /exports whole/);
});

async function checkDetector(detector: AnomalyDetector, x: Tensor): Promise<number> {
  const bytes = toOnnx(detector);
  let worst = 0;
  for (const n of BATCHES) {
    const batch = rows(x, n);
    const out = await run(bytes, { input: batch });
    const score = detector.score(batch);
    worst = Math.max(worst, relativeDifference(score, out.score.data as Float32Array));
    worst = Math.max(worst, relativeDifference(detector.normalize(score), out.normalized_score.data as Float32Array));
    assert.deepEqual(Array.from(out.is_anomaly.data as Uint8Array, Number), Array.from(detector.predict(batch)));
    worst = Math.max(worst, relativeDifference(detector.explain(batch).map.data, out.error_map.data as Float32Array));
  }
  return worst;
}

test('a tabular detector (dense autoencoder, MSE) scores the same in ONNX Runtime, flags and normalised score included', async (t) => {
  const x = table(300, 10, 11);
  const model = denseAutoencoder({ inputShape: [10], hidden: [8], bottleneck: 3, scaler: new StandardScaler(), seed: 12 });
  const detector = await new AnomalyDetector({ model }).fit(x, { epochs: 3, batchSize: 32 });
  const outliers = table(17, 10, 13);
  for (let i = 0; i < outliers.data.length; i += 3) outliers.data[i] += 15;
  assertParity(t, await checkDetector(detector, outliers));
});

test('an image detector with smoothed-MSE + SSIM + the latent term scores the same in ONNX Runtime, error maps included', async (t) => {
  const x = images(80, [1, 12, 12], 14);
  const model = convAutoencoder({ inputShape: [1, 12, 12], filters: [4, 8], bottleneck: 4, seed: 15 });
  const detector = await new AnomalyDetector({ model, score: ['smoothed-mse', 'ssim'], latentWeight: 0.5 }).fit(x, { epochs: 2, batchSize: 16 });
  assertParity(t, await checkDetector(detector, images(17, [1, 12, 12], 16)));
});

test('a PCA detector scoring MAE scores the same in ONNX Runtime', async (t) => {
  const x = images(60, [1, 6, 6], 17);
  const detector = await new AnomalyDetector({ model: new PCA({ nComponents: 4 }), score: 'mae' }).fit(x);
  assertParity(t, await checkDetector(detector, images(17, [1, 6, 6], 18)));
});

test('a denoiser exports its model for images of its training size, with the output clipped to [0, 1]', async (t) => {
  const x = images(64, [1, 8, 8], 19);
  const denoiser = await new Denoiser({ noise: 'gaussian:0.2', imageShape: [1, 8, 8], hidden: [16], bottleneck: 6, seed: 2 }).fit(x, { epochs: 2, batchSize: 16 });
  let worst = 0;
  for (const n of BATCHES) {
    const batch = rows(x, n);
    const out = await run(toOnnx(denoiser), { input: batch });
    worst = Math.max(worst, relativeDifference(denoiser.denoise(batch).data, out.reconstruction.data as Float32Array));
  }
  assertParity(t, worst);
});

test('a codec exports its encoder and decoder halves, with the quantiser calibration in the metadata', async (t) => {
  const x = images(100, [1, 6, 6], 20);
  const codec = new Codec({ model: await new PCA({ nComponents: 4 }).fit(x), bits: 6 }).calibrate(x);
  const enc = await run(toOnnx(codec, { part: 'encoder' }), { input: rows(x, 17) });
  assertParity(t, relativeDifference(codec.model.encode(rows(x, 17)).data, enc.code.data as Float32Array));
  const props = Object.fromEntries((decodeOnnxModel(toOnnx(codec, { part: 'decoder' })).metadataProps as { key: string; value: string }[]).map((p) => [p.key, p.value]));
  assert.equal(props.codec_bits, '6');
  assert.equal(JSON.parse(props.codec_calibration).lo.length, 4);
});

test('exports carry opset 17, a dynamic batch axis, named inputs and outputs, and metadata', () => {
  const ae = denseAutoencoder({ inputShape: [5], hidden: [4], bottleneck: 2, scaler: null, seed: 1 });
  ae.markTrained({ epochs: [], stoppedEarly: false } as never);
  const m = decodeOnnxModel(toOnnx(ae)) as { irVersion: number; opsetImport: { version: number }[]; graph: { input: { name: string; type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[]; output: { name: string }[] }; metadataProps: { key: string; value: string }[] };
  assert.equal(m.irVersion, 8);
  assert.equal(m.opsetImport[0].version, 17);
  assert.equal(m.graph.input[0].name, 'input');
  assert.equal(m.graph.input[0].type.tensorType.shape.dim[0].dimParam, 'batch');
  assert.equal(m.graph.input[0].type.tensorType.shape.dim[1].dimValue, 5);
  assert.equal(m.graph.output[0].name, 'reconstruction');
  const props = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
  assert.equal(props.model_kind, 'autoencoder');
  assert.equal(props.input_shape, '[5]');
  assert.match(props.hourglass_version, /^\d+\.\d+\.\d+/);
});

test('bad exports: an unfitted model, and an output folder that does not exist, leave no file behind', async () => {
  const ae = denseAutoencoder({ inputShape: [5], hidden: [4], bottleneck: 2, scaler: null, seed: 1 });
  assert.throws(() => toOnnx(ae), (e: unknown) => e instanceof HourglassError && /not fitted/.test(e.message));
  ae.markTrained({ epochs: [], stoppedEarly: false } as never);
  const dir = mkdtempSync(path.join(tmpdir(), 'hourglass-onnx-'));
  await assert.rejects(exportOnnx(ae, path.join(dir, 'missing', 'model.onnx')), HourglassError);
  assert.deepEqual(readdirSync(dir), []);
});

const PYTHON = '/usr/bin/python3';
const hasOnnxChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

test('the ONNX checker (full check, shape inference included) accepts every kind of export', { skip: hasOnnxChecker ? false : `${PYTHON} has no onnx module (the setup script installs python3-onnx)` }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hourglass-onnx-check-'));
  const x = images(40, [1, 8, 8], 21);
  const conv = convAutoencoder({ inputShape: [1, 8, 8], filters: [4], bottleneck: 3, batchNorm: true, seed: 3 });
  await conv.fit(x, { epochs: 1, batchSize: 20 });
  const detector = await new AnomalyDetector({ model: conv, score: ['smoothed-mse', 'ssim'], latentWeight: 1 }).fit(x, { trainModel: false });
  const files: string[] = [];
  for (const [name, bytes] of [
    ['conv', toOnnx(conv)],
    ['encoder', toOnnx(conv, { part: 'encoder' })],
    ['decoder', toOnnx(conv, { part: 'decoder' })],
    ['detector', toOnnx(detector)],
    ['pca', toOnnx(await new PCA({ nComponents: 3, whiten: true }).fit(x))],
  ] as const) {
    const file = path.join(dir, `${name}.onnx`);
    writeFileSync(file, bytes);
    files.push(file);
  }
  const script = 'import onnx, sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\nprint("ok")';
  const result = spawnSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ok/);
});

test('a layer without an ONNX mapping is refused by name, with the layers that export', async () => {
  const { OnnxGraph } = await import('../src/models/export/onnx-graph.js');
  const { appendLayers } = await import('../src/models/export/layer-nodes.js');
  const custom = { config: () => ({ type: 'my_layer' }), params: () => [], buffers: () => [], outputShape: (s: number[]) => s } as unknown as Layer;
  assert.throws(
    () => appendLayers(new OnnxGraph(), 'input', [custom], [4], 'encoder'),
    (e: unknown) => e instanceof HourglassError && e.code === 'NOT_EXPORTABLE' && /layer encoder\.0 \(my_layer\) has no ONNX mapping; exportable layers: dense, relu/.test(e.message),
  );
});

test('hourglass export: a summary line on success; a file that is not a model, a missing folder, a wrong --part or --format: one error each and no file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hourglass-export-cli-'));
  const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../src/cli/main.js');
  const hourglass = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const ae = denseAutoencoder({ inputShape: [6], hidden: [5], bottleneck: 2, seed: 1 });
  await ae.fit(table(60, 6, 30), { epochs: 1 });
  const model = path.join(dir, 'ae.safetensors');
  await ae.save(model);
  const ok = hourglass('export', '--model', model, '--part', 'encoder', '--out', path.join(dir, 'enc.onnx'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /exported autoencoder \(encoder\) to .*enc\.onnx \([\d.]+ KiB, ONNX opset 17, dynamic batch axis\): input -> code/);
  const notModel = path.join(dir, 'notes.safetensors');
  writeFileSync(notModel, 'not a model at all');
  for (const [args, message] of [
    [['--model', notModel, '--out', path.join(dir, 'a.onnx')], /notes\.safetensors/],
    [['--model', model, '--out', path.join(dir, 'missing', 'b.onnx')], /does not exist/],
    [['--model', model, '--part', 'middle', '--out', path.join(dir, 'c.onnx')], /--part must be one of full, encoder, decoder/],
    [['--model', model, '--format', 'tflite', '--out', path.join(dir, 'd.onnx')], /--format must be onnx or html/],
    [['--model', model, '--out', path.join(dir, 'e.txt')], /--format onnx writes a \.onnx file/],
  ] as const) {
    const r = hourglass('export', ...args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, message);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['ae.safetensors', 'enc.onnx', 'notes.safetensors']);
});
