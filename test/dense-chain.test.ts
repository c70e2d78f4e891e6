import test from 'node:test';
import assert from 'node:assert/strict';
import { HourglassError } from '../src/core/errors.js';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { addon } from '../src/core/native/addon.js';
import { denseChainMse, denseChainTrainStep, type ChainLayer } from '../src/core/native/dense-chain.js';
import { adamStepAll } from '../src/core/native/dense.js';
import { ReconstructionLoss } from '../src/train/loss.js';
import { fit } from '../src/train/fit.js';
import { MinMaxScaler, StandardScaler, type Scaler } from '../src/data/scaler.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import type { Autoencoder } from '../src/models/autoencoder.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';

const ACTIVATIONS = ['identity', 'relu', 'leaky_relu', 'sigmoid', 'tanh'] as const;

function randomLayer(rng: Rng, inFeatures: number, outFeatures: number, activation: ChainLayer['activation'], withBias: boolean): ChainLayer {
  const weight = new Float32Array(inFeatures * outFeatures).map(() => rng.normal() / Math.sqrt(inFeatures));
  const bias = withBias ? new Float32Array(outFeatures).map(() => 0.1 * rng.normal()) : null;
  const weightGrad = new Float32Array(weight.length);
  const biasGrad = bias ? new Float32Array(bias.length) : null;
  return { weight, bias, inFeatures, outFeatures, activation, negativeSlope: 0.05, weightGrad, biasGrad };
}

/** The chain and its error computed the plain way, in double. */
function referenceMse(x: Float32Array, n: number, d: number, scale: (v: number, k: number) => number, layers: ChainLayer[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    const input = Array.from({ length: d }, (_, k) => Math.fround(scale(x[r * d + k], k)));
    let h = input;
    for (const l of layers) {
      const next: number[] = [];
      for (let j = 0; j < l.outFeatures; j++) {
        let s = l.bias ? l.bias[j] : 0;
        for (let k = 0; k < l.inFeatures; k++) s += l.weight[j * l.inFeatures + k] * h[k];
        if (l.activation === 'relu') s = Math.max(0, s);
        else if (l.activation === 'leaky_relu') s = s > 0 ? s : s * l.negativeSlope;
        else if (l.activation === 'sigmoid') s = 1 / (1 + Math.exp(-s));
        else if (l.activation === 'tanh') s = Math.tanh(s);
        next.push(s);
      }
      h = next;
    }
    out.push(h.reduce((acc, v, k) => acc + (v - input[k]) ** 2, 0) / d);
  }
  return out;
}

function assertClose(actual: Float32Array, expected: number[], rel: number, label: string): void {
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= rel * Math.abs(expected[i]) + 1e-7, `${label}: sample ${i}: ${actual[i]} vs ${expected[i]}`);
}

test('denseChainMse matches a double-precision reference: every activation, odd widths, partial blocks, each scaling', () => {
  const rng = new Rng(3);
  for (const [n, d, widths] of [[37, 7, [5, 3]], [16, 30, [16, 5]], [1, 9, [13, 2, 11]], [50, 4, [4]]] as [number, number, number[]][]) {
    const sizes = [d, ...widths, ...widths.slice(0, -1).reverse(), d];
    const layers = sizes.slice(1).map((out, i) => randomLayer(rng, sizes[i], out, ACTIVATIONS[(i + n) % ACTIVATIONS.length], i % 2 === 0));
    const x = new Float32Array(n * d).map(() => 2 * rng.normal() + 1);
    const offset = new Float64Array(d).map(() => rng.normal());
    const factor = new Float64Array(d).map(() => 0.5 + rng.uniform());
    const cases: [Parameters<typeof denseChainMse>[3], (v: number, k: number) => number][] = [
      [null, (v) => v],
      [{ kind: 'subtract-divide', offset, factor }, (v, k) => (v - offset[k]) / factor[k]],
      [{ kind: 'multiply-add', offset, factor }, (v, k) => v * factor[k] + offset[k]],
    ];
    for (const [scaling, scale] of cases) {
      const out = new Float32Array(n);
      assert.equal(denseChainMse(x, n, d, scaling, layers, out), -1);
      assertClose(out, referenceMse(x, n, d, scale, layers), 1e-5, `n=${n} d=${d} ${scaling?.kind ?? 'unscaled'}`);
    }
  }
});

test('denseChainMse reports the first NaN or infinity instead of scoring it', () => {
  const rng = new Rng(4);
  const layers = [randomLayer(rng, 3, 2, 'relu', true), randomLayer(rng, 2, 3, 'identity', true)];
  const x = new Float32Array(40 * 3).fill(0.5);
  x[77] = Infinity;
  x[101] = NaN;
  assert.equal(denseChainMse(x, 40, 3, null, layers, new Float32Array(40)), 77);
});

function table(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const x = tensor([n, 12]);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    for (let j = 0; j < 12; j++) x.data[i * 12 + j] = 3 + a * Math.sin(j) + b * Math.cos(j) + 0.1 * rng.normal();
  }
  return x;
}

/** Per-sample MSE of model-space samples through the layers one by one (the general path). */
function layerByLayerMse(model: Autoencoder, x: Tensor): number[] {
  const perSample = new Float32Array(x.shape[0]);
  new ReconstructionLoss('mse').value(model.forward(x, false), x, perSample);
  return Array.from(perSample);
}

test('detector scores from the fused kernel equal the general path, with each scaler and activation', async () => {
  const cases: [Scaler | null, 'relu' | 'tanh' | 'leaky_relu', 'linear' | 'sigmoid'][] = [
    [new StandardScaler(), 'relu', 'linear'],
    [new MinMaxScaler(), 'tanh', 'sigmoid'],
    [null, 'leaky_relu', 'linear'],
  ];
  for (const [scaler, activation, outputActivation] of cases) {
    const model = denseAutoencoder({ inputDim: 12, hidden: [8], bottleneck: 3, activation, outputActivation, scaler, seed: 1 });
    assert.ok(model.denseChain(false), 'a dense model takes the fused path');
    const detector = await new AnomalyDetector({ model }).fit(table(400, 5), { epochs: 2, batchSize: 64, seed: 0 });
    const x = table(300, 6);
    const scaled = scaler ? scaler.transform(x) : x;
    const general = layerByLayerMse(model, scaled);
    assertClose(detector.score(x), general, 1e-5, `${scaler?.kind ?? 'no scaler'} ${activation}`);
  }
});

test('large dense detectors (the sgemm blocks of the kernel) score as the general path does', async () => {
  const model = denseAutoencoder({ inputShape: [1, 16, 16], hidden: [300, 64], bottleneck: 16, seed: 3 });
  const rng = new Rng(12);
  const images = (n: number): Tensor => {
    const x = tensor([n, 1, 16, 16]);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
    return x;
  };
  const detector = await new AnomalyDetector({ model }).fit(images(300), { epochs: 1, batchSize: 64, seed: 0 });
  const x = images(600);
  assertClose(detector.score(x), layerByLayerMse(model, x), 1e-5, 'large chain');
  model.scaler = null;
  assertClose(model.reconstructionError(x), layerByLayerMse(model, x), 1e-5, 'Autoencoder.reconstructionError');
  x.data[517 * 256 + 3] = Infinity;
  assert.throws(() => detector.score(x), (e: unknown) => e instanceof HourglassError && /sample 517, value 3 is Infinity/.test(e.message));
});

test('the fused path keeps the clear error for bad values, and declines models it cannot run', async () => {
  const model = denseAutoencoder({ inputDim: 12, hidden: [8], bottleneck: 3, outputActivation: 'linear', scaler: new StandardScaler(), seed: 1 });
  const detector = await new AnomalyDetector({ model }).fit(table(200, 7), { epochs: 1, batchSize: 64, seed: 0 });
  const x = table(50, 8);
  x.data[3 * 12 + 4] = NaN;
  assert.throws(() => detector.score(x), (e: unknown) => e instanceof HourglassError && e.code === 'BAD_DATA' && /sample 3, value 4 is NaN/.test(e.message));
  assert.equal(convAutoencoder({ inputShape: [1, 8, 8], filters: [4], seed: 0 }).denseChain(false), null, 'convolutions');

});

test('wrong native calls to denseChainMse throw a clear error and never crash', () => {
  const w = (n: number): Float32Array => new Float32Array(n).fill(0.1);
  const layers = (): unknown[] => [
    [w(6), w(2), 3, 2, 'relu', 0],
    [w(6), null, 2, 3, 'identity', 0],
  ];
  const valid = (): unknown[] => [w(12), 4, 3, 1, new Float64Array(3), new Float64Array(3).fill(1), layers(), w(4)];
  assert.equal(addon.denseChainMse(...valid()), -1);
  const edits: [number, (args: unknown[]) => void][] = [
    [0, (a) => (a[0] = w(11))],
    [0, (a) => (a[0] = new Float64Array(12))],
    [1, (a) => (a[1] = -1)],
    [2, (a) => (a[2] = 0)],
    [3, (a) => (a[3] = 3)],
    [4, (a) => (a[4] = null)],
    [5, (a) => (a[5] = new Float64Array(2))],
    [6, (a) => (a[6] = [])],
    [6, (a) => (a[6] = 'layers')],
    [6, (a) => ((a[6] as unknown[][])[0] = [w(6), w(2), 3, 2, 'relu'])],
    [6, (a) => ((a[6] as unknown[][])[0][0] = w(5))],
    [6, (a) => ((a[6] as unknown[][])[0][1] = w(3))],
    [6, (a) => ((a[6] as unknown[][])[0][2] = 4)],
    [6, (a) => ((a[6] as unknown[][])[0][3] = 1.5)],
    [6, (a) => ((a[6] as unknown[][])[0][4] = 'softmax')],
    [6, (a) => ((a[6] as unknown[][])[0][5] = NaN)],
    [6, (a) => ((a[6] as unknown[][])[1][3] = 2)],
    [7, (a) => (a[7] = w(3))],
  ];
  for (const [slot, edit] of edits) {
    const args = valid();
    edit(args);
    assert.throws(() => addon.denseChainMse(...args), /^Error: hourglass native: /, `argument ${slot}`);
  }
  assert.throws(() => addon.denseChainMse(...valid().slice(0, 7)), /expects 8 arguments/);
});

// ---------------------------------------------------------------- training step

test('denseChainTrainStep: loss and gradients equal forward + backward through the layers, on one thread and split', () => {
  for (const [n, activation, outputActivation] of [[5, 'relu', 'sigmoid'], [300, 'tanh', 'linear'], [257, 'leaky_relu', 'sigmoid']] as const) {
    const model = denseAutoencoder({ inputDim: 20, hidden: [12, 7], bottleneck: 3, activation, outputActivation, seed: 2 });
    const rng = new Rng(n);
    const x = tensor([n, 20]);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
    const loss = new ReconstructionLoss('mse');
    const out = model.forward(x, true);
    const expectedLoss = loss.value(out, x);
    const dy = tensor(out.shape);
    loss.gradient(out, x, dy);
    model.backward(dy);
    const expected = model.params().map((p) => Float32Array.from(p.grad.data));
    for (const p of model.params()) p.grad.data.fill(NaN); // every gradient must be overwritten
    const fusedLoss = model.fusedTrainStep(x, x, loss);
    assert.ok(fusedLoss !== null);
    assert.ok(Math.abs(fusedLoss - expectedLoss) <= 1e-6 * expectedLoss, `loss ${fusedLoss} vs ${expectedLoss}`);
    model.params().forEach((p, i) => {
      const scale = Math.max(...expected[i].map(Math.abs));
      for (let j = 0; j < expected[i].length; j++)
        assert.ok(Math.abs(p.grad.data[j] - expected[i][j]) <= 1e-5 * scale + 1e-9, `n=${n} ${p.name}[${j}]: ${p.grad.data[j]} vs ${expected[i][j]}`);
    });
  }
});

test('fit takes the fused step for dense autoencoders under MSE: same training as layer by layer, deterministic', async () => {
  const data = table(600, 9);
  const train = async (fused: boolean, optimizer: 'adam' | 'sgd'): Promise<{ loss: number; weights: Float32Array }> => {
    const model = denseAutoencoder({ inputDim: 12, hidden: [10], bottleneck: 3, outputActivation: 'linear', seed: 4 });
    model.scaler = null;
    if (!fused) model.fusedTrainStep = () => null;
    const record = await fit(model, data, null, { epochs: 3, batchSize: 128, seed: 1, optimizer, learningRate: optimizer === 'sgd' ? 1e-2 : 1e-3 });
    return { loss: record.epochs.at(-1)!.loss, weights: Float32Array.from(model.params().flatMap((p) => [...p.value.data])) };
  };
  // Adam is applied inside the fused step, SGD after it: both as layer by layer.
  for (const optimizer of ['adam', 'sgd'] as const) {
    const fused = await train(true, optimizer);
    const general = await train(false, optimizer);
    assert.ok(Math.abs(fused.loss - general.loss) <= 1e-4 * general.loss, `${optimizer}: final loss ${fused.loss} vs ${general.loss}`);
    let largest = 0;
    fused.weights.forEach((w, i) => (largest = Math.max(largest, Math.abs(w - general.weights[i]))));
    assert.ok(largest < 1e-4, `${optimizer}: weights differ by up to ${largest}`);
    assert.deepEqual((await train(true, optimizer)).weights, fused.weights, `${optimizer}: same seed, same weights`);
  }
  // Not taken: another loss, dropout, convolutions.
  const model = denseAutoencoder({ inputDim: 12, hidden: [10], bottleneck: 3, dropout: 0.2, seed: 4, outputActivation: 'sigmoid' });
  assert.equal(model.fusedTrainStep(data, data, new ReconstructionLoss('mse')), null, 'dropout');
  assert.equal(denseAutoencoder({ inputDim: 12, hidden: [10], bottleneck: 3, seed: 4, outputActivation: 'sigmoid' }).fusedTrainStep(data, data, new ReconstructionLoss('mae')), null, 'mae');
});

/** True when this CPU runs bfloat16 matrix products (oneDNN says so by failing to plan one otherwise). */
function hasBf16(): boolean {
  const layer = randomLayer(new Rng(0), 4, 4, 'identity', true);
  try {
    denseChainTrainStep(new Float32Array(4), new Float32Array(4), 1, [layer], 'bfloat16');
    return true;
  } catch (e) {
    assert.match((e as Error).message, /bfloat16 training needs a CPU with bfloat16 matrix products/);
    return false;
  }
}

test('bfloat16 training step: gradients within bfloat16 rounding of float32, and training converges like float32', { skip: !hasBf16() && 'no bfloat16 matrix products on this CPU' }, async () => {
  const model = denseAutoencoder({ inputDim: 40, hidden: [24], bottleneck: 6, seed: 5, outputActivation: 'sigmoid' });
  const rng = new Rng(7);
  const x = tensor([200, 40]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
  const loss = new ReconstructionLoss('mse');
  const f32Loss = model.fusedTrainStep(x, x, loss, 'float32')!;
  const f32 = model.params().map((p) => Float32Array.from(p.grad.data));
  const bf16Loss = model.fusedTrainStep(x, x, loss, 'bfloat16')!;
  assert.ok(Math.abs(bf16Loss - f32Loss) <= 0.01 * f32Loss, `loss ${bf16Loss} vs ${f32Loss}`);
  model.params().forEach((p, i) => {
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < f32[i].length; j++) {
      diff += (p.grad.data[j] - f32[i][j]) ** 2;
      norm += f32[i][j] ** 2;
    }
    assert.ok(Math.sqrt(diff / norm) < 0.02, `${p.name}: relative gradient error ${Math.sqrt(diff / norm)}`);
  });
  const data = table(1000, 11);
  const finalLoss = async (precision: 'float32' | 'bfloat16') => {
    const m = denseAutoencoder({ inputDim: 12, hidden: [10], bottleneck: 3, outputActivation: 'linear', seed: 4 });
    m.scaler = null;
    return (await fit(m, data, null, { epochs: 4, batchSize: 100, seed: 1, precision })).epochs.at(-1)!.loss;
  };
  const [a, b] = [await finalLoss('float32'), await finalLoss('bfloat16')];
  assert.ok(Math.abs(a - b) <= 0.05 * a, `final loss float32 ${a}, bfloat16 ${b}`);
});

test('fit refuses bfloat16 where only float32 exists, and unknown precisions', async () => {
  const data = tensor([64, 1, 8, 8]);
  data.data.fill(0.5);
  const conv = convAutoencoder({ inputShape: [1, 8, 8], filters: [4], seed: 0 });
  await assert.rejects(fit(conv, data, null, { epochs: 1, precision: 'bfloat16' }), /precision 'bfloat16' is available for dense autoencoders/);
  const dense = denseAutoencoder({ inputDim: 12, hidden: [10], bottleneck: 3, seed: 4, outputActivation: 'sigmoid' });
  await assert.rejects(fit(dense, table(64, 1), null, { epochs: 1, precision: 'float16' as 'float32' }), /precision must be float32 or bfloat16, got 'float16'/);
});

test('denseChainTrainStep gathers rows itself and applies Adam itself: the same numbers as gathering and adamStepAll apart', () => {
  const rng = new Rng(21);
  const data = new Float32Array(500 * 9).map(() => rng.uniform());
  const targets = new Float32Array(500 * 4).map(() => rng.uniform());
  const rows = Uint32Array.from({ length: 300 }, () => Math.floor(rng.uniform() * 500));
  const pick = (from: Float32Array, width: number) => {
    const out = new Float32Array(rows.length * width);
    rows.forEach((r, i) => out.set(from.subarray(r * width, (r + 1) * width), i * width));
    return out;
  };
  for (const [label, y, width] of [['reconstruction', data, 9], ['other targets', targets, 4]] as const) {
    const layers = () => {
      const r = new Rng(5);
      return [randomLayer(r, 9, 6, 'relu', true), randomLayer(r, 6, 3, 'tanh', false), randomLayer(r, 3, width, 'sigmoid', true)];
    };
    const params = (chain: ChainLayer[]) => chain.flatMap((l) => [[l.weight, l.weightGrad], ...(l.bias ? [[l.bias, l.biasGrad!]] : [])]);
    // Adam over every parameter but the first layer's bias (frozen), and an array outside the chain.
    const extra = () => ({ param: new Float32Array(40).fill(1), grad: new Float32Array(40).fill(0.5), m: new Float32Array(40), v: new Float32Array(40), lr: 1e-2 });
    const entriesOf = (chain: ChainLayer[], outside: ReturnType<typeof extra>) => [
      ...params(chain).filter((_, i) => i !== 1).map(([param, grad]) => ({ param, grad, m: new Float32Array(param.length), v: new Float32Array(param.length), lr: 1e-2 })),
      outside,
    ];
    const apart = layers(), fused = layers();
    const apartOutside = extra(), fusedOutside = extra();
    const apartEntries = entriesOf(apart, apartOutside), fusedEntries = entriesOf(fused, fusedOutside);
    for (let step = 1; step <= 3; step++) {
      const expectedLoss = denseChainTrainStep(pick(data, 9), pick(y, width), rows.length, apart);
      adamStepAll(apartEntries, 0.9, 0.999, 1e-8, 1e-3, step);
      const loss = denseChainTrainStep(data, y, rows.length, fused, 'float32', { rows, update: { entries: fusedEntries, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3, step } });
      assert.equal(loss, expectedLoss, `${label}, step ${step}: loss`);
    }
    params(fused).forEach(([value, grad], i) => {
      assert.deepEqual(value, params(apart)[i][0], `${label}: parameter ${i}`);
      assert.deepEqual(grad, params(apart)[i][1], `${label}: gradient ${i}`);
    });
    fusedEntries.forEach((e, i) => assert.deepEqual([e.m, e.v], [apartEntries[i].m, apartEntries[i].v], `${label}: moments ${i}`));
    assert.deepEqual(fusedOutside.param, apartOutside.param, `${label}: the array outside the chain`);
    assert.ok(fused[0].biasGrad!.some((g) => g !== 0), 'the first bias has a gradient');
    assert.deepEqual(fused[0].bias, layers()[0].bias, `${label}: the frozen bias is left alone`);
  }
  const chain = [randomLayer(rng, 9, 9, 'identity', true)];
  assert.throws(() => denseChainTrainStep(data, data, 4, chain, 'float32', { rows: Uint32Array.of(1, 2, 3) }), (e: unknown) => e instanceof HourglassError && /rows must be a Uint32Array of n = 4 row indices/.test(e.message));
  assert.throws(() => denseChainTrainStep(data, data, 2, chain, 'float32', { rows: Uint32Array.of(1, 500) }), /rows\[1\] is 500, but x has 500 rows/);
});

test('wrong native calls to denseChainTrainStep throw a clear error and never crash', () => {
  const w = (n: number): Float32Array => new Float32Array(n).fill(0.1);
  const noUpdate = [null, 0, 0, 0, 0, 0];
  const entry = (n: number): unknown[] => [w(n), w(n), w(n), w(n), 1e-3];
  const update = (): unknown[] => [[entry(6), entry(2)], 0.9, 0.999, 1e-8, 0, 1];
  const valid = (): unknown[] => [w(12), w(12), 4, [[w(6), w(2), 3, 2, 'relu', 0, w(6), w(2)], [w(6), null, 2, 3, 'identity', 0, w(6), null]], 'float32', null, ...noUpdate];
  assert.equal(typeof addon.denseChainTrainStep(...valid()), 'number');
  const gathered = valid();
  gathered[5] = Uint32Array.of(3, 0, 3, 1);
  gathered.splice(6, 6, ...update());
  assert.equal(typeof addon.denseChainTrainStep(...gathered), 'number');
  assert.throws(() => addon.denseChainTrainStep(...valid().slice(0, 11)), /expects 12 arguments/);
  const edits: ((a: unknown[]) => void)[] = [
    (a) => (a[0] = w(11)),
    (a) => (a[1] = w(11)),
    (a) => (a[2] = 0),
    (a) => (a[2] = 2.5),
    (a) => (a[3] = []),
    (a) => ((a[3] as unknown[][])[0].length = 6),
    (a) => ((a[3] as unknown[][])[0][6] = w(5)),
    (a) => ((a[3] as unknown[][])[0][7] = null),
    (a) => ((a[3] as unknown[][])[1][7] = w(3)),
    (a) => ((a[3] as unknown[][])[1][2] = 3),
    (a) => (a[4] = 'float16'),
    (a) => (a[4] = 32),
    // rows: a Uint32Array of n indices, each naming a whole row of x and y
    (a) => (a[5] = [0, 1, 2, 3]),
    (a) => (a[5] = Int32Array.of(0, 1, 2, 3)),
    (a) => (a[5] = Uint32Array.of(0, 1, 2)),
    (a) => (a[5] = Uint32Array.of(0, 1, 2, 4)),
    (a) => ((a[0] = w(13)), (a[1] = w(8)), (a[5] = Uint32Array.of(0, 1, 2, 4))),
    // the update: adamStepAll's arguments
    (a) => a.splice(6, 6, ...update().slice(0, 5), -1),
    (a) => a.splice(6, 6, 'entries', ...update().slice(1)),
    (a) => a.splice(6, 6, [[w(6), w(6), w(5), w(6), 1e-3]], ...update().slice(1)),
    (a) => a.splice(6, 6, [[w(6), w(6), w(6), w(6), -1]], ...update().slice(1)),
    (a) => a.splice(6, 6, update()[0], 1, ...update().slice(2)),
  ];
  edits.forEach((edit, i) => {
    const args = valid();
    edit(args);
    assert.throws(() => addon.denseChainTrainStep(...args), /^Error: hourglass native: /, `case ${i}`);
  });
});
