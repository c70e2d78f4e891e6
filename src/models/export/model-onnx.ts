import { invalid } from '../../core/errors.js';
import type { Classifier } from '../classifier.js';
import type { Reconstructor } from '../contract.js';
import { appendLayers } from './layer-nodes.js';
import { OnnxGraph } from './onnx-graph.js';
import { appendDecode, appendEncode, codeShape, sampleShapeOf } from './reconstructor-nodes.js';
import { appendScaling } from './scaler-nodes.js';

/** Which computation of a reconstructing model an export holds. */
export type OnnxPart = 'full' | 'encoder' | 'decoder';
export const ONNX_PARTS: readonly OnnxPart[] = ['full', 'encoder', 'decoder'];

export function checkOnnxPart(part: unknown): OnnxPart {
  if (!(ONNX_PARTS as readonly unknown[]).includes(part)) throw invalid(`--part must be one of ${ONNX_PARTS.join(', ')}, got '${String(part)}'`);
  return part as OnnxPart;
}

/**
 * An autoencoder or PCA as a graph, in data units like reconstruct/encode/decode:
 * 'full' input -> reconstruction, 'encoder' input -> code, 'decoder' code -> reconstruction;
 * the model's scaler folded in where those calls apply it.
 */
export function reconstructorGraph(model: Reconstructor, part: OnnxPart = 'full', { clip }: { clip?: readonly [number, number] } = {}): OnnxGraph {
  const graph = new OnnxGraph();
  // A denoiser clips its output to the images' range; Clip keeps the export identical.
  const clipped = (v: string) => (clip ? graph.node('Clip', [v, graph.constant('clip.min', [clip[0]], []), graph.constant('clip.max', [clip[1]], [])], {}, 'clip') : v);
  const shape = sampleShapeOf(model);
  if (part === 'decoder') {
    const z = graph.input('code', codeShape(model), 'bottleneck codes');
    const rebuilt = clipped(appendScaling(graph, appendDecode(graph, z, model), model.scaler, shape, 'inverse'));
    graph.output(rebuilt, 'reconstruction', shape, undefined, 'reconstructions in data units');
    return graph;
  }
  const x = graph.input('input', shape, 'samples in data units');
  const code = appendEncode(graph, appendScaling(graph, x, model.scaler, shape, 'forward'), model);
  if (part === 'encoder') {
    graph.output(code, 'code', codeShape(model), undefined, 'bottleneck codes');
    return graph;
  }
  const rebuilt = clipped(appendScaling(graph, appendDecode(graph, code, model), model.scaler, shape, 'inverse'));
  graph.output(rebuilt, 'reconstruction', shape, undefined, 'reconstructions in data units');
  return graph;
}

/** A classifier as a graph: input -> logits and probabilities (softmax), as logits() and predictProba(). */
export function classifierGraph(model: Classifier): OnnxGraph {
  const graph = new OnnxGraph();
  const shape = [...model.inputShape];
  const x = graph.input('input', shape, 'samples in data units');
  const scaled = appendScaling(graph, x, model.scaler, shape, 'forward');
  const features = appendLayers(graph, scaled, model.encoder.layers, model.inputShape, 'encoder');
  const logits = appendLayers(graph, features, model.head.layers, model.featureShape, 'head');
  graph.output(logits, 'logits', [model.classes], undefined, 'one logit per class');
  graph.output(graph.node('Softmax', [logits], { axis: 1 }, 'softmax'), 'probabilities', [model.classes], undefined, 'class probabilities');
  return graph;
}
