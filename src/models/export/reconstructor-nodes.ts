import { sizeOf, type Shape } from '../../core/tensor.js';
import type { Reconstructor } from '../contract.js';
import type { Autoencoder } from '../autoencoder.js';
import type { PCA } from '../pca.js';
import { appendLayers } from './layer-nodes.js';
import type { OnnxGraph } from './onnx-graph.js';

/**
 * The two halves of any Reconstructor as graph operations in the model's (scaled) space,
 * the building blocks of every export that reconstructs: autoencoders, PCA, and the
 * detector, denoiser and codec built on them.
 */

/** Per-sample shape of the codes. */
export function codeShape(model: Reconstructor): Shape {
  return model.kind === 'autoencoder' ? [...(model as Autoencoder).latentShape] : [model.latentSize];
}

/** Per-sample shape of the inputs and reconstructions. */
export function sampleShapeOf(model: Reconstructor): Shape {
  return [...(model.sampleShape ?? [])];
}

/** Codes of scaled samples `x`. */
export function appendEncode(graph: OnnxGraph, x: string, model: Reconstructor): string {
  if (model.kind === 'autoencoder') {
    const ae = model as Autoencoder;
    return appendLayers(graph, x, ae.encoder.layers, ae.inputShape, 'encoder');
  }
  const { components, mean, sampleShape, whitening } = (model as PCA).linearMap();
  const [k, d] = components.shape;
  const flat = sampleShape.length === 1 ? x : graph.node('Flatten', [x], { axis: 1 }, 'pca.flatten');
  const centered = graph.node('Sub', [flat, graph.constant('pca.mean', mean, [d])], {}, 'pca.centered');
  const componentsT = new Float32Array(d * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) componentsT[j * k + c] = components.data[c * d + j];
  const codes = graph.node('MatMul', [centered, graph.constant('pca.components_t', componentsT, [d, k])], {}, 'pca.codes');
  return whitening ? graph.node('Div', [codes, graph.constant('pca.whitening', whitening, [k])], {}, 'pca.whitened') : codes;
}

/** Scaled reconstructions from codes `z`. */
export function appendDecode(graph: OnnxGraph, z: string, model: Reconstructor): string {
  if (model.kind === 'autoencoder') {
    const ae = model as Autoencoder;
    return appendLayers(graph, z, ae.decoder.layers, ae.latentShape, 'decoder');
  }
  const { components, mean, sampleShape, whitening } = (model as PCA).linearMap();
  const [k, d] = components.shape;
  const codes = whitening ? graph.node('Mul', [z, graph.constant('pca.whitening', whitening, [k])], {}, 'pca.unwhitened') : z;
  const projected = graph.node('MatMul', [codes, graph.constant('pca.components', components.data, [k, d])], {}, 'pca.projected');
  const rebuilt = graph.node('Add', [projected, graph.constant('pca.mean', mean, [d])], {}, 'pca.rebuilt');
  return sampleShape.length === 1 ? rebuilt : graph.node('Reshape', [rebuilt, graph.int64s('pca.sample_shape', [-1, ...sampleShape])], {}, 'pca.reshaped');
}

/** Number of values per sample. */
export function featuresOf(model: Reconstructor): number {
  return sizeOf(sampleShapeOf(model));
}
