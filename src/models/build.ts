import { invalid } from '../core/errors.js';
import type { Shape } from '../core/tensor.js';
import type { Scaler } from '../data/scaler.js';
import type { Autoencoder } from './autoencoder.js';
import { denseAutoencoder, type OutputActivation } from './dense-preset.js';
import { convAutoencoder, describeConvPreset, resolveConvPreset, type ConvActivation, type ConvAutoencoderOptions, type ConvDownsampling } from './conv-preset.js';

export interface BuildOptions {
  arch: string;
  inputShape: Shape;
  hidden?: number[];
  filters?: number[];
  /** conv: stages when filters are not given. */
  depth?: number;
  /** conv: 'pool' or 'stride'. Default: by input size. */
  downsample?: string;
  /** dense: units of the code; conv: the dense waist, 0 for none. Default: by input size (conv). */
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
      if (o.depth !== undefined || o.downsample !== undefined) throw invalid('--depth and --downsample apply to the conv architecture only');
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
    case 'conv':
      return convAutoencoder(convOptions(o));
    default:
      throw invalid(`unknown architecture '${o.arch}' (use dense or conv)`);
  }
}

/** The conv preset's options from the CLI's flat options, checked. */
function convOptions(o: BuildOptions): ConvAutoencoderOptions {
  if (o.inputShape.length !== 3)
    throw invalid(`the conv architecture needs images [channels, height, width]; this data has samples shaped [${o.inputShape.join(', ')}] (use --arch dense for tables)`);
  if (o.activation === 'sigmoid') throw invalid('the conv architecture supports relu, leaky_relu or tanh activations');
  if (o.downsample !== undefined && o.downsample !== 'pool' && o.downsample !== 'stride')
    throw invalid(`--downsample must be pool or stride, got '${o.downsample}'`);
  return {
    inputShape: o.inputShape,
    filters: o.filters,
    depth: o.depth,
    downsample: o.downsample as ConvDownsampling | undefined,
    bottleneck: o.bottleneck === 0 ? null : o.bottleneck,
    batchNorm: o.batchNorm,
    activation: o.activation as ConvActivation | undefined,
    outputActivation: o.outputActivation as OutputActivation | undefined,
    scaler: o.scaler,
    seed: o.seed,
  };
}

/** What buildAutoencoder picks for a conv model, defaults included, in one line; null for other architectures. */
export function describeBuild(o: BuildOptions): string | null {
  return o.arch === 'conv' ? describeConvPreset(resolveConvPreset(convOptions(o))) : null;
}
