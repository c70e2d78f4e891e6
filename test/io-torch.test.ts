import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { saveModelFile, type ModelFileContents } from '../src/io/model-file.js';
import { decodeNpy, encodeNpy } from '../src/data/npy.js';

/**
 * A model file written by hourglass must load into PyTorch (scripts/torch_model.py) with
 * strict state_dict names and give the same outputs as a plain TypeScript reference.
 */

const PYTHON = '/usr/bin/python3';
const here = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = path.resolve(here, '../../scripts/torch_model.py');

function torchMissingReason(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("torch") else 3)']);
  if (probe.error) return `${PYTHON} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} cannot import torch`;
  return undefined;
}

// ---- plain TypeScript reference of each layer, in float64 ----

function randomTensor(rng: Rng, shape: number[], scale = 0.5): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal() * scale;
  return t;
}

function map(x: Tensor, f: (v: number) => number): Tensor {
  return tensor(x.shape, x.data.map(f));
}

function dense(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const [n, inF] = x.shape;
  const outF = w.shape[0];
  const y = tensor([n, outF]);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < outF; o++) {
      let s = b ? b.data[o] : 0;
      for (let i = 0; i < inF; i++) s += x.data[r * inF + i] * w.data[o * inF + i];
      y.data[r * outF + o] = s;
    }
  return y;
}

function conv2d(x: Tensor, w: Tensor, b: Tensor, stride: number, pad: number): Tensor {
  const [n, ci, h, wd] = x.shape;
  const [co, , kh, kw] = w.shape;
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((wd + 2 * pad - kw) / stride) + 1;
  const y = tensor([n, co, oh, ow]);
  for (let s = 0; s < n; s++)
    for (let o = 0; o < co; o++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let acc = b.data[o];
          for (let c = 0; c < ci; c++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * stride - pad + ky;
                const ix = ox * stride - pad + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                acc += x.data[((s * ci + c) * h + iy) * wd + ix] * w.data[((o * ci + c) * kh + ky) * kw + kx];
              }
          y.data[((s * co + o) * oh + oy) * ow + ox] = acc;
        }
  return y;
}

/** Weight [in, out, kh, kw] as in PyTorch's ConvTranspose2d: every input pixel scatters a kernel-sized patch. */
function conv2dTranspose(x: Tensor, w: Tensor, b: Tensor, stride: number, pad: number, outPad: number): Tensor {
  const [n, ci, h, wd] = x.shape;
  const [, co, kh, kw] = w.shape;
  const oh = (h - 1) * stride - 2 * pad + kh + outPad;
  const ow = (wd - 1) * stride - 2 * pad + kw + outPad;
  const acc = new Float64Array(n * co * oh * ow);
  for (let s = 0; s < n; s++)
    for (let o = 0; o < co; o++) acc.fill(b.data[o], (s * co + o) * oh * ow, (s * co + o + 1) * oh * ow);
  for (let s = 0; s < n; s++)
    for (let c = 0; c < ci; c++)
      for (let iy = 0; iy < h; iy++)
        for (let ix = 0; ix < wd; ix++) {
          const v = x.data[((s * ci + c) * h + iy) * wd + ix];
          for (let o = 0; o < co; o++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const oy = iy * stride - pad + ky;
                const ox = ix * stride - pad + kx;
                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                acc[((s * co + o) * oh + oy) * ow + ox] += v * w.data[((c * co + o) * kh + ky) * kw + kx];
              }
        }
  return tensor([n, co, oh, ow], Float32Array.from(acc));
}

function pool2d(x: Tensor, k: number, stride: number, mode: 'max' | 'avg'): Tensor {
  const [n, c, h, w] = x.shape;
  const oh = Math.floor((h - k) / stride) + 1;
  const ow = Math.floor((w - k) / stride) + 1;
  const y = tensor([n, c, oh, ow]);
  for (let p = 0; p < n * c; p++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let acc = mode === 'max' ? -Infinity : 0;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const v = x.data[(p * h + oy * stride + ky) * w + ox * stride + kx];
            acc = mode === 'max' ? Math.max(acc, v) : acc + v / (k * k);
          }
        y.data[(p * oh + oy) * ow + ox] = acc;
      }
  return y;
}

function upsampleNearest(x: Tensor, sh: number, sw: number): Tensor {
  const [n, c, h, w] = x.shape;
  const y = tensor([n, c, h * sh, w * sw]);
  for (let p = 0; p < n * c; p++)
    for (let oy = 0; oy < h * sh; oy++)
      for (let ox = 0; ox < w * sw; ox++)
        y.data[(p * h * sh + oy) * w * sw + ox] = x.data[(p * h + Math.floor(oy / sh)) * w + Math.floor(ox / sw)];
  return y;
}

function batchNormEval(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, eps: number): Tensor {
  const [n, c, h, w] = x.shape;
  const y = tensor(x.shape);
  for (let s = 0; s < n; s++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < h * w; i++) {
        const at = (s * c + ch) * h * w + i;
        y.data[at] = ((x.data[at] - mean.data[ch]) / Math.sqrt(variance.data[ch] + eps)) * gamma.data[ch] + beta.data[ch];
      }
  return y;
}

const relu = (v: number): number => Math.max(0, v);
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

// ---- the models ----

function denseModel(rng: Rng): { model: ModelFileContents; input: Tensor; expected: Tensor } {
  const w = (shape: number[]) => randomTensor(rng, shape);
  const t = {
    'encoder.0.weight': w([4, 6]),
    'encoder.0.bias': w([4]),
    'encoder.3.weight': w([2, 4]),
    'encoder.3.bias': w([2]),
    'decoder.0.weight': w([4, 2]),
    'decoder.0.bias': w([4]),
    'decoder.3.weight': w([6, 4]),
  };
  const model: ModelFileContents = {
    kind: 'autoencoder',
    architecture: {
      inputShape: [6],
      encoder: [
        { type: 'dense', inFeatures: 6, outFeatures: 4, bias: true, init: 'he' },
        { type: 'relu' },
        { type: 'dropout', p: 0.5 },
        { type: 'dense', inFeatures: 4, outFeatures: 2, bias: true },
        { type: 'tanh' },
      ],
      decoder: [
        { type: 'dense', inFeatures: 2, outFeatures: 4, bias: true },
        { type: 'leaky_relu', negativeSlope: 0.1 },
        { type: 'identity' },
        { type: 'dense', inFeatures: 4, outFeatures: 6, bias: false },
        { type: 'sigmoid' },
      ],
    },
    tensors: new Map(Object.entries(t)),
  };
  const input = randomTensor(rng, [5, 6], 1);
  let y = map(dense(input, t['encoder.0.weight'], t['encoder.0.bias']), relu);
  y = map(dense(y, t['encoder.3.weight'], t['encoder.3.bias']), Math.tanh);
  y = map(dense(y, t['decoder.0.weight'], t['decoder.0.bias']), (v) => (v > 0 ? v : 0.1 * v));
  y = map(dense(y, t['decoder.3.weight']), sigmoid);
  return { model, input, expected: y };
}

function convModel(rng: Rng): { model: ModelFileContents; input: Tensor; expected: Tensor } {
  const w = (shape: number[]) => randomTensor(rng, shape);
  const positive = (shape: number[]) => map(randomTensor(rng, shape), (v) => 0.5 + Math.abs(v));
  const t = {
    'encoder.0.weight': w([2, 1, 3, 3]),
    'encoder.0.bias': w([2]),
    'encoder.3.weight': w([3, 2, 3, 3]),
    'encoder.3.bias': w([3]),
    'encoder.4.weight': positive([3]),
    'encoder.4.bias': w([3]),
    'encoder.4.running_mean': w([3]),
    'encoder.4.running_var': positive([3]),
    'encoder.4.num_batches_tracked': tensor([], new Float32Array([17])),
    'encoder.6.weight': w([4, 27]),
    'encoder.6.bias': w([4]),
    'decoder.0.weight': w([18, 4]),
    'decoder.0.bias': w([18]),
    'decoder.2.weight': w([2, 2, 3, 3]),
    'decoder.2.bias': w([2]),
    'decoder.5.weight': w([1, 2, 3, 3]),
    'decoder.5.bias': w([1]),
  };
  const eps = 1e-3;
  const model: ModelFileContents = {
    kind: 'autoencoder',
    architecture: {
      inputShape: [1, 6, 6],
      encoder: [
        { type: 'conv2d', inChannels: 1, outChannels: 2, kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], bias: true },
        { type: 'relu' },
        { type: 'max_pool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] },
        { type: 'conv2d', inChannels: 2, outChannels: 3, kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], bias: true },
        { type: 'batch_norm2d', numFeatures: 3, eps, momentum: 0.1 },
        { type: 'flatten' },
        { type: 'dense', inFeatures: 27, outFeatures: 4, bias: true },
      ],
      decoder: [
        { type: 'dense', inFeatures: 4, outFeatures: 18, bias: true },
        { type: 'reshape', shape: [2, 3, 3] },
        {
          type: 'conv2d_transpose',
          inChannels: 2,
          outChannels: 2,
          kernelSize: [3, 3],
          stride: [2, 2],
          padding: [1, 1],
          outputPadding: [1, 1],
          bias: true,
        },
        { type: 'avg_pool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] },
        { type: 'upsampling2d', scale: [2, 2] },
        { type: 'conv2d', inChannels: 2, outChannels: 1, kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], bias: true },
        { type: 'sigmoid' },
      ],
    },
    tensors: new Map(Object.entries(t)),
  };
  const input = randomTensor(rng, [3, 1, 6, 6], 1);
  let y = map(conv2d(input, t['encoder.0.weight'], t['encoder.0.bias'], 1, 1), relu);
  y = pool2d(y, 2, 2, 'max');
  y = conv2d(y, t['encoder.3.weight'], t['encoder.3.bias'], 1, 1);
  y = batchNormEval(y, t['encoder.4.weight'], t['encoder.4.bias'], t['encoder.4.running_mean'], t['encoder.4.running_var'], eps);
  y = dense(tensor([3, 27], y.data), t['encoder.6.weight'], t['encoder.6.bias']);
  y = dense(y, t['decoder.0.weight'], t['decoder.0.bias']);
  y = conv2dTranspose(tensor([3, 2, 3, 3], y.data), t['decoder.2.weight'], t['decoder.2.bias'], 2, 1, 1);
  y = pool2d(y, 2, 2, 'avg');
  y = upsampleNearest(y, 2, 2);
  y = map(conv2d(y, t['decoder.5.weight'], t['decoder.5.bias'], 1, 1), sigmoid);
  return { model, input, expected: y };
}

/** A whitened PCA as hourglass saves it (components, mean, explained_variance); the test asks for the codes. */
function pcaModel(rng: Rng): { model: ModelFileContents; input: Tensor; expected: Tensor } {
  const components = randomTensor(rng, [2, 5]);
  const mean = randomTensor(rng, [5]);
  const variance = tensor([2], new Float32Array([2.5, 0.36]));
  const input = randomTensor(rng, [4, 5], 1);
  const expected = tensor([4, 2]);
  for (let r = 0; r < 4; r++)
    for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let j = 0; j < 5; j++) s += (input.data[r * 5 + j] - mean.data[j]) * components.data[k * 5 + j];
      expected.data[r * 2 + k] = s / Math.sqrt(variance.data[k]);
    }
  return {
    model: {
      kind: 'pca',
      architecture: { components: 2, features: 5, whiten: true },
      tensors: new Map([['components', components], ['mean', mean], ['explained_variance', variance]]),
      extra: { pca_fit: { samples: 100 } },
    },
    input,
    expected,
  };
}

// ---- running the script ----

interface ScriptResult {
  code: number;
  stderr: string;
  output?: Tensor;
}

async function runTorch(dir: string, name: string, model: ModelFileContents, input: Tensor, part = 'full'): Promise<ScriptResult> {
  const modelPath = path.join(dir, `${name}.safetensors`);
  const inputPath = path.join(dir, `${name}-in.npy`);
  const outputPath = path.join(dir, `${name}-out.npy`);
  await saveModelFile(modelPath, model);
  await writeFile(inputPath, encodeNpy(input));
  return new Promise((resolve) => {
    execFile(PYTHON, [SCRIPT, modelPath, '--input', inputPath, '--output', outputPath, '--part', part], (error, _stdout, stderr) => {
      const code = error ? Number(error.code ?? 1) : 0;
      if (code !== 0) return resolve({ code, stderr });
      readFile(outputPath).then((bytes) => resolve({ code, stderr, output: decodeNpy(bytes, outputPath) }));
    });
  });
}

function assertClose(actual: Tensor, expected: Tensor, tolerance: number): void {
  assert.deepEqual([...actual.shape], [...expected.shape]);
  for (let i = 0; i < expected.data.length; i++) {
    const diff = Math.abs(actual.data[i] - expected.data[i]);
    assert.ok(diff <= tolerance, `element ${i}: torch ${actual.data[i]}, reference ${expected.data[i]} (|diff| ${diff})`);
  }
}

const skipReason = torchMissingReason();

test('scripts/torch_model.py runs hourglass model files in PyTorch', { skip: skipReason, concurrency: true }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-torch-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const rng = new Rng(2024);
  const denseCase = denseModel(rng);
  const convCase = convModel(rng);
  const pcaCase = pcaModel(rng);
  // Each run starts a Python with torch (about a second); running them side by side keeps the file fast.
  const subtests: Promise<void>[] = [];

  subtests.push(t.test('dense autoencoder: same output as the TypeScript reference', async () => {
    const result = await runTorch(dir, 'dense', denseCase.model, denseCase.input);
    assert.equal(result.code, 0, result.stderr);
    assertClose(result.output!, denseCase.expected, 1e-5);
  }));

  subtests.push(t.test('convolutional autoencoder (conv, pools, transpose, batch norm, upsampling)', async () => {
    const result = await runTorch(dir, 'conv', convCase.model, convCase.input);
    assert.equal(result.code, 0, result.stderr);
    assertClose(result.output!, convCase.expected, 1e-5);
  }));

  subtests.push(t.test('whitened pca model: --part encoder gives the codes', async () => {
    const result = await runTorch(dir, 'pca', pcaCase.model, pcaCase.input, 'encoder');
    assert.equal(result.code, 0, result.stderr);
    assertClose(result.output!, pcaCase.expected, 1e-5);
  }));

  subtests.push(t.test('an unknown layer type is a clear error', async () => {
    const arch = denseCase.model.architecture as { encoder: object[] };
    const broken = { ...denseCase.model, architecture: { ...arch, encoder: [...arch.encoder.slice(0, 4), { type: 'gelu' }] } };
    const result = await runTorch(dir, 'broken', broken, denseCase.input);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /architecture\.encoder\[4\]: unknown layer type 'gelu'/);
  }));

  subtests.push(t.test('a missing weight fails load_state_dict(strict=True)', async () => {
    const tensors = new Map(denseCase.model.tensors);
    tensors.delete('decoder.0.bias');
    const result = await runTorch(dir, 'missing', { ...denseCase.model, tensors }, denseCase.input);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Missing key\(s\) in state_dict: "decoder\.0\.bias"/);
  }));

  await Promise.all(subtests);
});
