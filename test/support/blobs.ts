import { Rng } from '../../src/core/rng.js';
import { tensor, type Tensor } from '../../src/core/tensor.js';

/** Three Gaussian blobs in 6-D (labels 0, 1, 2 in turn): separable, so a small classifier learns them quickly. */
export function blobs(n: number, seed: number, spread = 0.5): { x: Tensor; labels: number[] } {
  const rng = new Rng(seed);
  const centres = [0, 1, 2].map(() => Array.from({ length: 6 }, () => rng.normal() * 2));
  const x = tensor([n, 6]);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels.push(c);
    for (let j = 0; j < 6; j++) x.data[i * 6 + j] = centres[c][j] + rng.normal() * spread;
  }
  return { x, labels };
}
