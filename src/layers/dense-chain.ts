import type { Tensor } from '../core/tensor.js';
import { DENSE_CHAIN_MAX_WIDTH, denseChainMse, type ChainLayer } from '../core/native/dense-chain.js';
import type { Scaler } from '../data/scaler.js';
import { Activation } from './activation.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import type { Layer } from './layer.js';
import { Flatten, Identity, Reshape } from './reshape.js';

/**
 * Layers as a chain of Dense layers, each with the activation that follows it, for the fused
 * native kernels (native/src/dense_chain_score.cc and dense_chain_train.cc); null when the layers are something else:
 * convolutions, batch norm, two activations in a row, an activation before any Dense layer,
 * or Dropout when `training` (at inference Dropout is the identity). Flatten, Reshape and
 * Identity do not change the values. Also null when a layer is wider than the fused kernels
 * accept (DENSE_CHAIN_MAX_WIDTH, 16,384 features): the layer-by-layer path has no such limit.
 * The arrays are the layers' own, not copies.
 */
export function denseChainOf(layers: readonly Layer[], training: boolean): ChainLayer[] | null {
  const chain: ChainLayer[] = [];
  for (const layer of layers) {
    if (layer instanceof Dense) {
      if (layer.inFeatures > DENSE_CHAIN_MAX_WIDTH || layer.outFeatures > DENSE_CHAIN_MAX_WIDTH) return null;
      chain.push({
        weight: layer.weight.value.data,
        bias: layer.bias?.value.data ?? null,
        inFeatures: layer.inFeatures,
        outFeatures: layer.outFeatures,
        activation: 'identity',
        negativeSlope: 0,
        weightGrad: layer.weight.grad.data,
        biasGrad: layer.bias?.grad.data ?? null,
      });
    } else if (layer instanceof Activation) {
      const last = chain.at(-1);
      if (!last || last.activation !== 'identity') return null;
      last.activation = layer.type;
      last.negativeSlope = layer.negativeSlope;
    } else if (layer instanceof Dropout) {
      if (training) return null;
    } else if (!(layer instanceof Flatten || layer instanceof Reshape || layer instanceof Identity)) {
      return null;
    }
  }
  return chain.length > 0 ? chain : null;
}

/**
 * Per-sample MSE between the scaled samples and their reconstruction by the chain, in one
 * native call (denseChainMse). Null when x holds a NaN or infinity, or the scaler is not
 * fitted: the caller then takes its general path, which reports those the usual way.
 */
export function chainMse(chain: readonly ChainLayer[], scaler: Scaler | null, x: Tensor): Float32Array | null {
  if (scaler && !scaler.fitted) return null;
  const n = x.shape[0];
  const out = new Float32Array(n);
  if (n === 0) return out;
  return denseChainMse(x.data, n, x.data.length / n, scaler ? scaler.affineForm() : null, chain, out) < 0 ? out : null;
}
