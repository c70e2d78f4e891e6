import { invalid } from '../../core/errors.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import { convAutoencoder } from '../../models/conv-preset.js';
import { denseAutoencoder } from '../../models/dense-preset.js';

export type PretrainArch = 'auto' | 'conv' | 'dense';

/**
 * The autoencoders the fine-tuning experiment pre-trains on 28x28 images, chosen for the
 * classifier built on their encoder rather than for the lowest reconstruction error
 * (validation accuracy of a head on the frozen features, 100 labels; docs/finetune.md):
 * - conv: the conv preset, 32 and 64 filters and a dense waist of 64; the classifier takes
 *   the 64x7x7 conv maps before the waist (`featureLayers`): 75.6%, against 74.1% for the
 *   waist's 64-value code and 73.6-74.4% for the maps of an autoencoder without a waist.
 * - dense: 784-512-256-128, denoising: 75.4%, against 72.6% for the classic 784-256-64-32
 *   with plain reconstruction (and 61.7% for that network untrained).
 */
export function pretrainForClassification({ arch = 'auto', seed = 0 }: { arch?: PretrainArch; seed?: number }): { model: Autoencoder; arch: 'conv' | 'dense' } {
  if (arch !== 'auto' && arch !== 'conv' && arch !== 'dense') throw invalid(`architecture must be auto, conv or dense, got '${String(arch)}'`);
  if (arch !== 'dense') return { model: convAutoencoder({ inputShape: [1, 28, 28], filters: [32, 64], bottleneck: 64, seed }), arch: 'conv' };
  return { model: denseAutoencoder({ inputShape: [1, 28, 28], hidden: [512, 256], bottleneck: 128, seed }), arch: 'dense' };
}

/** How many encoder layers the classifier keeps: up to the dense waist of a conv encoder, else all. */
export function featureLayers(model: Autoencoder): number {
  const flatten = model.encoder.layers.findIndex((l) => l.type === 'flatten');
  return flatten > 0 && model.encoder.layers[0].type === 'conv2d' ? flatten : model.encoder.layers.length;
}
