import { HourglassError } from '../core/errors.js';
import type { Layer, LayerConfig } from './layer.js';
import { Dense } from './dense.js';
import { Activation } from './activation.js';
import { Dropout } from './dropout.js';
import { Flatten, Identity, Reshape } from './reshape.js';
import { Conv2d } from './conv2d.js';
import { Conv2dTranspose } from './conv2d-transpose.js';
import { MaxPool2d } from './max-pool2d.js';
import { AvgPool2d } from './avg-pool2d.js';
import { Upsampling2d } from './upsampling2d.js';
import { BatchNorm2d } from './batch-norm2d.js';

/** Rebuilds a layer from its config() JSON; the inverse used when loading model files. */
const builders: Record<string, (c: LayerConfig) => Layer> = {
  dense: Dense.fromConfig,
  relu: Activation.fromConfig,
  leaky_relu: Activation.fromConfig,
  sigmoid: Activation.fromConfig,
  tanh: Activation.fromConfig,
  dropout: Dropout.fromConfig,
  identity: () => new Identity(),
  flatten: () => new Flatten(),
  reshape: Reshape.fromConfig,
  conv2d: Conv2d.fromConfig,
  conv2d_transpose: Conv2dTranspose.fromConfig,
  max_pool2d: MaxPool2d.fromConfig,
  avg_pool2d: AvgPool2d.fromConfig,
  upsampling2d: Upsampling2d.fromConfig,
  batch_norm2d: BatchNorm2d.fromConfig,
};

export function layerFromConfig(config: LayerConfig): Layer {
  const build = typeof config?.type === 'string' ? builders[config.type] : undefined;
  if (!build)
    throw new HourglassError('BAD_FILE', `unknown layer type '${String(config?.type)}' (known: ${Object.keys(builders).join(', ')})`);
  try {
    return build(config);
  } catch (e) {
    throw new HourglassError('BAD_FILE', `invalid ${config.type} layer config ${JSON.stringify(config)}: ${(e as Error).message}`);
  }
}

/** Copies weights and buffers layer by layer between layers built from the same configs (shapes agree). */
export function copyLayerTensors(from: readonly Layer[], to: readonly Layer[]): void {
  from.forEach((layer, i) => {
    const src = [...layer.params().map((p) => p.value), ...layer.buffers().map((b) => b.value)];
    const dst = [...to[i].params().map((p) => p.value), ...to[i].buffers().map((b) => b.value)];
    src.forEach((t, k) => dst[k].data.set(t.data));
  });
}

/** Independent copies of layers, weights and buffers included. */
export function cloneLayers(layers: readonly Layer[]): Layer[] {
  const copies = layers.map((layer) => layerFromConfig(layer.config()));
  copyLayerTensors(layers, copies);
  return copies;
}
