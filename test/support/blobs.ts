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

/** 12x12 grey images of a soft blob; `defect` paints a bright square in a corner. Values are whole bytes. */
export function blobImages(n: number, defect: boolean, seed: number): Tensor {
  const rng = new Rng(seed);
  const x = tensor([n, 1, 12, 12]);
  for (let i = 0; i < n; i++) {
    const cy = 3 + rng.uniform() * 6;
    const cx = 3 + rng.uniform() * 6;
    for (let y = 0; y < 12; y++)
      for (let xx = 0; xx < 12; xx++) {
        let v = Math.exp(-((y - cy) ** 2 + (xx - cx) ** 2) / 8);
        if (defect && y >= 1 && y <= 3 && xx >= 8 && xx <= 10) v = 1;
        x.data[i * 144 + y * 12 + xx] = Math.round(255 * v) / 255;
      }
  }
  return x;
}
