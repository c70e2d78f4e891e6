// Forward, backward and optimizer steps of a dense autoencoder against numbers PyTorch
// computed for the same weights (test/fixtures/make_dense_fixtures.py made the fixtures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { tensor } from '../src/core/tensor.js';
import { Autoencoder } from '../src/models/autoencoder.js';
import { Dense } from '../src/layers/dense.js';
import { Activation } from '../src/layers/activation.js';
import { ReconstructionLoss, type LossKind } from '../src/train/loss.js';
import { Optimizer } from '../src/train/optimizer.js';

const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/dense');

interface Fixture {
  loss_name: LossKind;
  optimizer: 'adam' | 'sgd';
  input: number[];
  input_shape: number[];
  weights: Record<string, number[]>;
  output: number[];
  loss: number;
  grads: Record<string, number[]>;
  weights_after_two_steps: Record<string, number[]>;
}

function build(): Autoencoder {
  return new Autoencoder({
    inputShape: [12],
    encoder: [new Dense({ inFeatures: 12, outFeatures: 8 }), new Activation('relu'), new Dense({ inFeatures: 8, outFeatures: 5 }), new Activation('leaky_relu', 0.1), new Dense({ inFeatures: 5, outFeatures: 3 })],
    decoder: [new Dense({ inFeatures: 3, outFeatures: 5 }), new Activation('tanh'), new Dense({ inFeatures: 5, outFeatures: 8 }), new Activation('relu'), new Dense({ inFeatures: 8, outFeatures: 12 }), new Activation('sigmoid')],
  });
}

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs torch ${expected[i]}`);
}

for (const name of ['mse-adam', 'bce-sgd', 'mae-adam']) {
  test(`dense autoencoder matches PyTorch: ${name}`, () => {
    const f = JSON.parse(readFileSync(path.join(fixtureDir, `${name}.json`), 'utf8')) as Fixture;
    const model = build();
    const params = model.params();
    assert.deepEqual(params.map((p) => p.name).sort(), Object.keys(f.weights).sort(), 'parameter names follow the state_dict');
    for (const p of params) p.value.data.set(f.weights[p.name]);

    const x = tensor(f.input_shape, Float32Array.from(f.input));
    const loss = new ReconstructionLoss(f.loss_name);
    const y = model.forward(x, true);
    assertClose(y.data, f.output, 1e-5, 'output');
    assert.ok(Math.abs(loss.value(y, x) - f.loss) < 1e-5 * Math.max(1, f.loss), 'loss');

    const grad = tensor(y.shape);
    loss.gradient(y, x, grad);
    model.backward(grad);
    for (const p of params) assertClose(p.grad.data, f.grads[p.name], 1e-4, `grad ${p.name}`);

    const optimizer = f.optimizer === 'adam'
      ? new Optimizer({ kind: 'adam', learningRate: 1e-2, weightDecay: 1e-3 })
      : new Optimizer({ kind: 'sgd', learningRate: 1e-1, momentum: 0.9, weightDecay: 1e-3 });
    optimizer.update(params);
    const y2 = model.forward(x, true);
    loss.gradient(y2, x, grad);
    model.backward(grad);
    optimizer.update(params);
    for (const p of params) assertClose(p.value.data, f.weights_after_two_steps[p.name], 2e-4, `after two steps ${p.name}`);
  });
}
