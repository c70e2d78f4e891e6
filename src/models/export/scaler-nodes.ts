import type { Shape } from '../../core/tensor.js';
import type { Scaler } from '../../data/scaler.js';
import type { OnnxGraph } from './onnx-graph.js';

/**
 * A model's scaler as graph operations, so the exported file takes data in the user's units
 * as hourglass's own calls do. The factors are shaped like one sample and broadcast over
 * the batch; the operations are those of data/scaler.ts, in the same order.
 */
export function appendScaling(graph: OnnxGraph, x: string, scaler: Scaler | null, sampleShape: Shape, direction: 'forward' | 'inverse'): string {
  if (!scaler) return x;
  const form = scaler.affineForm();
  const factor = graph.constant(`scaler.${direction}.factor`, form.factor, sampleShape);
  const offset = graph.constant(`scaler.${direction}.offset`, form.offset, sampleShape);
  // multiply-add: y = x * factor + offset; subtract-divide: y = (x - offset) / factor; each inverse is the other.
  const multiplyAdd = (form.kind === 'multiply-add') === (direction === 'forward');
  if (multiplyAdd) return graph.node('Add', [graph.node('Mul', [x, factor], {}, `scaler.${direction}`), offset], {}, `scaler.${direction}`);
  return graph.node('Div', [graph.node('Sub', [x, offset], {}, `scaler.${direction}`), factor], {}, `scaler.${direction}`);
}
