import { invalid } from '../core/errors.js';
import { tensor, type Tensor } from '../core/tensor.js';
import { Rng } from '../core/rng.js';
import { RANDOM_STREAMS } from '../core/random-streams.js';

/** A seeded synthetic data set with known low intrinsic dimension, in [0, 1]. */
export interface SyntheticData {
  x: Tensor;
  /** The latent coordinate(s) that generated each sample, binned into 10 classes for colouring plots. */
  labels: Uint8Array;
  intrinsicDimension: number;
  name: string;
}

export const SYNTHETIC_NAMES = ['curve', 'swiss-roll'] as const;
export type SyntheticName = (typeof SYNTHETIC_NAMES)[number];

/**
 * Data that lies on a curved low-dimensional manifold, where a linear method is bound to
 * fail: PCA with k components can only represent a k-dimensional plane.
 *  - 'curve': a closed-free 1-D curve in `dims` dimensions, x_j = (1 + sin(2π f_j t + φ_j)) / 2
 *    with t ∈ [0, 1] and low frequencies f_j ∈ [0.3, 1.2], so it bends in every direction.
 *  - 'swiss-roll': the classic 2-D sheet rolled up in 3-D, (t cos t, h, t sin t) with
 *    t ∈ [1.5π, 4.5π], placed in `dims` dimensions by a random orthonormal map and squashed into [0, 1].
 */
export function syntheticData(name: string, { samples = 5000, dims = 20, noise = 0.01, seed = 0 } = {}): SyntheticData {
  if (!(SYNTHETIC_NAMES as readonly string[]).includes(name)) throw invalid(`unknown synthetic data set '${name}' (use ${SYNTHETIC_NAMES.join(' or ')})`);
  if (!Number.isInteger(samples) || samples < 2) throw invalid(`synthetic data: samples must be an integer >= 2, got ${samples}`);
  if (!Number.isInteger(dims) || dims < 3) throw invalid(`synthetic data: dims must be an integer >= 3, got ${dims}`);
  // The manifold itself is fixed for a given name and dims; the seed draws the samples, so
  // training and test sets drawn with different seeds lie on the same curve or sheet.
  const shape = new Rng(RANDOM_STREAMS.syntheticManifold(dims));
  const rng = new Rng(seed);
  const x = tensor([samples, dims]);
  const labels = new Uint8Array(samples);
  if (name === 'curve') {
    const freq = Array.from({ length: dims }, () => 0.3 + 0.9 * shape.uniform());
    const phase = Array.from({ length: dims }, () => 2 * Math.PI * shape.uniform());
    for (let i = 0; i < samples; i++) {
      const t = rng.uniform();
      labels[i] = Math.min(9, Math.floor(t * 10));
      for (let j = 0; j < dims; j++) x.data[i * dims + j] = clamp01((1 + Math.sin(2 * Math.PI * freq[j] * t + phase[j])) / 2 + noise * rng.normal());
    }
    return { x, labels, intrinsicDimension: 1, name };
  }
  const basis = orthonormalColumns(dims, 3, shape);
  const lo = 1.5 * Math.PI;
  const hi = 4.5 * Math.PI;
  for (let i = 0; i < samples; i++) {
    const t = lo + (hi - lo) * rng.uniform();
    const h = 21 * rng.uniform();
    labels[i] = Math.min(9, Math.floor(((t - lo) / (hi - lo)) * 10));
    // Scaled so the roll spans about [-1, 1] before the map into [0, 1].
    const p = [(t * Math.cos(t)) / 15, h / 10.5 - 1, (t * Math.sin(t)) / 15];
    for (let j = 0; j < dims; j++) {
      const v = basis[j * 3] * p[0] + basis[j * 3 + 1] * p[1] + basis[j * 3 + 2] * p[2];
      x.data[i * dims + j] = clamp01(0.5 + 0.5 * v + noise * rng.normal());
    }
  }
  return { x, labels, intrinsicDimension: 2, name };
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** A random d x k matrix with orthonormal columns (Gram-Schmidt on Gaussian columns), row-major. */
function orthonormalColumns(d: number, k: number, rng: Rng): Float64Array {
  const m = new Float64Array(d * k);
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < d; r++) m[r * k + c] = rng.normal();
    for (let prev = 0; prev < c; prev++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += m[r * k + c] * m[r * k + prev];
      for (let r = 0; r < d; r++) m[r * k + c] -= dot * m[r * k + prev];
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += m[r * k + c] ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < d; r++) m[r * k + c] /= norm;
  }
  return m;
}
