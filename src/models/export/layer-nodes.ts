import { HourglassError } from '../../core/errors.js';
import type { Shape } from '../../core/tensor.js';
import type { Layer, LayerConfig } from '../../layers/layer.js';
import type { OnnxGraph } from './onnx-graph.js';

/**
 * Appends a layer's inference computation to `graph`, from value `x` of per-sample shape
 * `shape`; returns the output value. Parameters become initializers under the layer's
 * state-dict prefix (`encoder.3.weight`). Layers that do nothing at inference (dropout,
 * identity) add no node.
 */
type LayerExporter = (graph: OnnxGraph, x: string, layer: Layer, c: LayerConfig, shape: Shape, prefix: string) => string;

const pair = (v: unknown) => v as [number, number];
const pads = (p: [number, number]) => [p[0], p[1], p[0], p[1]];

/** The layer's learned tensors (params, then buffers) by their state-dict name. */
function tensors(layer: Layer): Map<string, { data: Float32Array; shape: Shape }> {
  const all = [...layer.params().map((p) => [p.name, p.value] as const), ...layer.buffers().map((b) => [b.name, b.value] as const)];
  return new Map(all.map(([name, t]) => [name, { data: t.data, shape: t.shape }]));
}

function weights(graph: OnnxGraph, layer: Layer, prefix: string, names: readonly string[]): string[] {
  const own = tensors(layer);
  return names.filter((n) => own.has(n)).map((n) => graph.constant(`${prefix}.${n}`, own.get(n)!.data, own.get(n)!.shape));
}

const activation = (op: string): LayerExporter => (g, x, _l, _c, _s, prefix) => g.node(op, [x], {}, prefix);

const EXPORTERS: Record<string, LayerExporter> = {
  dense: (g, x, layer, _c, shape, prefix) => {
    // Gemm takes [batch, features]; a dense layer always sees flat samples.
    const flat = shape.length === 1 ? x : g.node('Flatten', [x], { axis: 1 }, `${prefix}.flatten`);
    return g.node('Gemm', [flat, ...weights(g, layer, prefix, ['weight', 'bias'])], { transB: 1 }, prefix);
  },
  relu: activation('Relu'),
  sigmoid: activation('Sigmoid'),
  tanh: activation('Tanh'),
  leaky_relu: (g, x, _l, c, _s, prefix) => g.node('LeakyRelu', [x], { alpha: { float: c.negativeSlope as number } }, prefix),
  dropout: (_g, x) => x,
  identity: (_g, x) => x,
  flatten: (g, x, _l, _c, _s, prefix) => g.node('Flatten', [x], { axis: 1 }, prefix),
  reshape: (g, x, _l, c, _s, prefix) => g.node('Reshape', [x, g.int64s(`${prefix}.shape`, [-1, ...(c.shape as number[])])], {}, prefix),
  conv2d: (g, x, layer, c, _s, prefix) =>
    g.node('Conv', [x, ...weights(g, layer, prefix, ['weight', 'bias'])], {
      kernel_shape: pair(c.kernelSize),
      strides: pair(c.stride),
      pads: pads(pair(c.padding)),
    }, prefix),
  conv2d_transpose: (g, x, layer, c, _s, prefix) =>
    g.node('ConvTranspose', [x, ...weights(g, layer, prefix, ['weight', 'bias'])], {
      kernel_shape: pair(c.kernelSize),
      strides: pair(c.stride),
      pads: pads(pair(c.padding)),
      output_padding: pair(c.outputPadding),
    }, prefix),
  max_pool2d: (g, x, _l, c, _s, prefix) =>
    g.node('MaxPool', [x], { kernel_shape: pair(c.kernelSize), strides: pair(c.stride), pads: pads(pair(c.padding)) }, prefix),
  // The engine's average pooling divides by the whole window, padding included.
  avg_pool2d: (g, x, _l, c, _s, prefix) =>
    g.node('AveragePool', [x], { kernel_shape: pair(c.kernelSize), strides: pair(c.stride), pads: pads(pair(c.padding)), count_include_pad: 1 }, prefix),
  // Integer-factor nearest upsampling: every pixel becomes a block, which is Resize with
  // asymmetric coordinates rounded down.
  upsampling2d: (g, x, _l, c, _s, prefix) => {
    const [sh, sw] = pair(c.scale);
    return g.node('Resize', [x, '', g.constant(`${prefix}.scales`, [1, 1, sh, sw], [4])], {
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    }, prefix);
  },
  // Inference uses the running statistics, as BatchNormalization does.
  batch_norm2d: (g, x, layer, c, _s, prefix) =>
    g.node('BatchNormalization', [x, ...weights(g, layer, prefix, ['weight', 'bias', 'running_mean', 'running_var'])], {
      epsilon: { float: c.eps as number },
    }, prefix),
};

/** The layer types the exporter maps to ONNX operators. */
export const ONNX_LAYER_TYPES: readonly string[] = Object.keys(EXPORTERS);

/** Appends `layers` (a Sequential's, in order) starting from value `x` of per-sample shape `inputShape`. */
export function appendLayers(graph: OnnxGraph, x: string, layers: readonly Layer[], inputShape: Shape, prefix: string): string {
  let value = x;
  let shape = inputShape;
  layers.forEach((layer, i) => {
    const config = layer.config();
    const exporter = EXPORTERS[config.type];
    if (!exporter)
      throw new HourglassError(
        'NOT_EXPORTABLE',
        `layer ${prefix}.${i} (${config.type}) has no ONNX mapping; exportable layers: ${ONNX_LAYER_TYPES.join(', ')}`,
      );
    value = exporter(graph, value, layer, config, shape, `${prefix}.${i}`);
    shape = layer.outputShape(shape);
  });
  return value;
}
