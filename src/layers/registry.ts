import { HourglassError } from '../core/errors.js';
import type { Layer, LayerConfig } from './layer.js';
import { Dense } from './dense.js';
import { Activation } from './activation.js';
import { Dropout } from './dropout.js';
import { Flatten, Identity, Reshape } from './reshape.js';

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
