import type { Tensor } from '../../core/tensor.js';
import { denseChainMse, type ChainLayer } from '../../core/native/dense-chain.js';
import type { Scaler } from '../../data/scaler.js';
import { chainWeights, denseChainOf } from '../../layers/dense-chain.js';
import type { Autoencoder } from '../../models/autoencoder.js';

/**
 * Weights (floats) up to which the fused native kernel scores faster than one sgemm per layer:
 * 256 KB stays in the second-level cache, which the kernel streams once per 16 samples. A
 * 30-16-5 table model (1,120 weights) scores 3-5x faster fused; the 784-256-64-32 image model
 * (438,000 weights) is faster through sgemm, which blocks its weights for the caches.
 */
const MAX_FUSED_WEIGHTS = 1 << 16;

/** The autoencoder as a chain for the fused scoring kernel, or null (see denseChainOf) when it is not one or too large. */
export function fusedDenseChain(model: Autoencoder): ChainLayer[] | null {
  const chain = denseChainOf([...model.encoder.layers, ...model.decoder.layers], false);
  return chain && chainWeights(chain) <= MAX_FUSED_WEIGHTS ? chain : null;
}

/**
 * Per-sample MSE between the scaled input and its reconstruction, computed by the fused
 * kernel. Returns null when x holds a NaN or infinity, for the caller to report it the
 * usual way (the scaler names the row and column).
 */
export function fusedChainMse(chain: readonly ChainLayer[], scaler: Scaler | null, x: Tensor): Float32Array | null {
  const n = x.shape[0];
  const d = n > 0 ? x.data.length / n : chain[0].inFeatures;
  const out = new Float32Array(n);
  if (n === 0) return out;
  return denseChainMse(x.data, n, d, scaler ? scaler.affineForm() : null, chain, out) < 0 ? out : null;
}
