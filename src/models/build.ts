import { invalid } from '../core/errors.js';
import type { Shape } from '../core/tensor.js';
import type { Scaler } from '../data/scaler.js';
import type { Autoencoder } from './autoencoder.js';
import { denseAutoencoder, type OutputActivation } from './dense-preset.js';
import { convAutoencoder } from './conv-preset.js';

export interface BuildOptions {
  arch: string;
  inputShape: Shape;
  hidden?: number[];
  filters?: number[];
  bottleneck?: number;
  batchNorm?: boolean;
  activation?: string;
  /** Default: by the kind of data (src/models/defaults.ts). */
  outputActivation?: string;
  dropout?: number;
  /** Default: by the kind of data (src/models/defaults.ts); null for none. */
  scaler?: Scaler | null;
  seed?: number;
}

const ACTIVATIONS = ['relu', 'leaky_relu', 'tanh', 'sigmoid'] as const;

/** Builds an autoencoder from the CLI's flat options (dense or conv preset). */
export function buildAutoencoder(o: BuildOptions): Autoencoder {
  const activation = o.activation ?? 'relu';
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) throw invalid(`activation must be one of ${ACTIVATIONS.join(', ')}, got '${activation}'`);
  // Unset, the presets choose by the kind of data (src/models/defaults.ts).
  const outputActivation = o.outputActivation as OutputActivation | undefined;
  switch (o.arch) {
    case 'dense':
      if (o.batchNorm) throw invalid('--batch-norm applies to the conv architecture only');
      return denseAutoencoder({
        inputShape: o.inputShape,
        hidden: o.hidden,
        bottleneck: o.bottleneck ?? 32,
        activation: activation as (typeof ACTIVATIONS)[number],
        outputActivation,
        dropout: o.dropout,
        scaler: o.scaler,
        seed: o.seed,
      });
    case 'conv': {
      if (o.inputShape.length !== 3)
        throw invalid(`the conv architecture needs images [channels, height, width]; this data has samples shaped [${o.inputShape.join(', ')}] (use --arch dense for tables)`);
      if (activation === 'sigmoid') throw invalid('the conv architecture supports relu, leaky_relu or tanh activations');
      return convAutoencoder({
        inputShape: o.inputShape,
        filters: o.filters,
        bottleneck: o.bottleneck,
        batchNorm: o.batchNorm,
        activation: activation as 'relu' | 'leaky_relu' | 'tanh',
        outputActivation,
        scaler: o.scaler,
        seed: o.seed,
      });
    }
    default:
      throw invalid(`unknown architecture '${o.arch}' (use dense or conv)`);
  }
}
