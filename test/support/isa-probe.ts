// Runs every hand-written kernel once on fixed inputs and prints the results as JSON, with the
// engine's capabilities: test/isa-paths.test.ts runs it under each HOURGLASS_MAX_ISA level in a
// child process (the level is fixed for a process) and compares the paths.
import { Rng } from '../../src/core/rng.js';
import { cpuCapabilities } from '../../src/core/cpu-capabilities.js';
import {
  activationBackward, activationForward, adamStepAll, biasAdd, biasGrad, lossBackward, lossForward, sgdStep,
} from '../../src/core/native/dense.js';
import { denseChainMse, denseChainTrainStep, type ChainLayer } from '../../src/core/native/dense-chain.js';

const rng = new Rng(7);
// Odd sizes: every vector width leaves a remainder loop.
const N = 1037;
const random = (n: number, scale = 1) => new Float32Array(n).map(() => scale * rng.normal());
const unit = (n: number) => new Float32Array(n).map(() => rng.uniform());
const results: Record<string, number[]> = {};
const keep = (name: string, values: ArrayLike<number> | number) => (results[name] = typeof values === 'number' ? [values] : Array.from(values));

const x = random(N, 3);
for (const kind of ['relu', 'leaky_relu', 'sigmoid', 'tanh'] as const) {
  const y = new Float32Array(N);
  activationForward(kind, x, y, N, 0.1);
  keep(`activationForward ${kind}`, y);
  const dx = new Float32Array(N);
  activationBackward(kind, y, x, dx, N, 0.1);
  keep(`activationBackward ${kind}`, dx);
}
const pred = unit(N), target = unit(N);
for (const kind of ['mse', 'mae', 'bce'] as const) {
  const perSample = new Float32Array(17);
  keep(`lossForward ${kind}`, [lossForward(kind, pred.subarray(0, 17 * 61), target.subarray(0, 17 * 61), 17, 61, perSample), ...perSample]);
  const grad = new Float32Array(N);
  lossBackward(kind, pred, target, N, grad);
  keep(`lossBackward ${kind}`, grad);
}
{
  const rows = 13, cols = 71;
  const y = random(rows * cols), bias = random(cols);
  biasAdd(y, bias, rows, cols);
  keep('biasAdd', y);
  const dbias = new Float32Array(cols);
  biasGrad(y, rows, cols, dbias);
  keep('biasGrad', dbias);
}
{
  const param = random(N), grad = random(N), m = new Float32Array(N), v = new Float32Array(N);
  for (let step = 1; step <= 3; step++) adamStepAll([{ param, grad, m, v, lr: 1e-2 }], 0.9, 0.999, 1e-8, 1e-4, step);
  keep('adamStepAll', param);
  const p2 = random(N), velocity = new Float32Array(N);
  for (let step = 1; step <= 3; step++) sgdStep(p2, grad, velocity, N, 0.05, 0.9, 1e-4, true, step === 1);
  keep('sgdStep', p2);
}
const layer = (inF: number, outF: number, activation: ChainLayer['activation']): ChainLayer => ({
  weight: random(inF * outF, 1 / Math.sqrt(inF)), bias: random(outF, 0.1), inFeatures: inF, outFeatures: outF, activation,
  negativeSlope: 0.05, weightGrad: new Float32Array(inF * outF), biasGrad: new Float32Array(outF),
});
// Small chain: the fused 16-sample path; wide chain: the blocked sgemm path of the scorer.
const small = [layer(30, 16, 'tanh'), layer(16, 5, 'leaky_relu'), layer(5, 16, 'relu'), layer(16, 30, 'sigmoid')];
const wide = [layer(300, 256, 'relu'), layer(256, 300, 'sigmoid')];
for (const [name, chain, d] of [['small', small, 30], ['wide', wide, 300]] as const) {
  const n = 83;
  const data = unit(n * d);
  const out = new Float32Array(n);
  denseChainMse(data, n, d, { kind: 'subtract-divide', factor: new Float64Array(d).fill(0.25), offset: new Float64Array(d).fill(0.5) }, chain, out);
  keep(`denseChainMse ${name}`, out);
  keep(`denseChainTrainStep ${name} loss`, denseChainTrainStep(data, data, n, chain, 'float32'));
  keep(`denseChainTrainStep ${name} gradients`, chain.flatMap((l) => [...l.weightGrad!, ...l.biasGrad!]));
}
let bfloat16Error: string | null = null;
try {
  denseChainTrainStep(unit(64 * 30), unit(64 * 30), 64, small, 'bfloat16');
} catch (e) {
  bfloat16Error = (e as Error).message;
}
process.stdout.write(JSON.stringify({ capabilities: cpuCapabilities(), results, bfloat16Error }));
