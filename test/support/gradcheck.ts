import assert from 'node:assert/strict';
import type { Layer } from '../../src/layers/layer.js';
import { tensor, type Tensor } from '../../src/core/tensor.js';
import { Rng } from '../../src/core/rng.js';

/**
 * Finite-difference gradient check of a layer. The scalar loss is L = sum(w * y) for a
 * fixed random w, so dL/dy = w. Central differences in float32 are noisy, so the check
 * uses a relative-or-absolute tolerance on a sample of coordinates.
 */
export function gradcheck(
  layer: Layer,
  inputShape: readonly number[],
  { seed = 1, eps = 1e-2, tolerance = 2e-2, samples = 40, training = true } = {},
): void {
  const rng = new Rng(seed);
  layer.initialize(rng);
  const x = tensor(inputShape);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  const outShape = [inputShape[0], ...layer.outputShape(inputShape.slice(1))];
  const w = tensor(outShape);
  for (let i = 0; i < w.data.length; i++) w.data[i] = rng.normal();

  const loss = (): number => {
    const y = layer.forward(x, training);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += y.data[i] * w.data[i];
    return s;
  };

  loss();
  const dx = layer.backward(w, true);
  assert.ok(dx, 'backward returned no input gradient');
  const analyticDx = Float32Array.from(dx.data);
  const analyticParams = layer.params().map((p) => Float32Array.from(p.grad.data));

  const check = (values: Float32Array, analytic: Float32Array, what: string): void => {
    const count = Math.min(samples, values.length);
    for (let s = 0; s < count; s++) {
      const i = count === values.length ? s : rng.int(values.length);
      const numeric = centralDifference(values, i, eps, loss);
      const diff = Math.abs(numeric - analytic[i]);
      const scale = Math.max(1, Math.abs(numeric), Math.abs(analytic[i]));
      assert.ok(diff / scale <= tolerance, `${what}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
    }
  };

  check(x.data, analyticDx, `${layer.type} dx`);
  layer.params().forEach((p, k) => check(p.value.data, analyticParams[k], `${layer.type} d${p.name}`));
}

/** (f() with values[i] + eps - f() with values[i] - eps) / (2 eps); values[i] is restored. */
export function centralDifference(values: Float32Array, i: number, eps: number, f: () => number): number {
  const saved = values[i];
  values[i] = saved + eps;
  const plus = f();
  values[i] = saved - eps;
  const minus = f();
  values[i] = saved;
  return (plus - minus) / (2 * eps);
}

export function randomTensor(shape: readonly number[], rng: Rng, scale = 1): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal() * scale;
  return t;
}
