import { invalid } from '../core/errors.js';
import { layerFromConfig } from '../layers/registry.js';
import type { Autoencoder } from '../models/autoencoder.js';
import { convAutoencoder } from '../models/conv-preset.js';
import { denseAutoencoder } from '../models/dense-preset.js';

export type PretrainArch = 'auto' | 'conv' | 'dense';

/**
 * The autoencoders the fine-tuning experiment pre-trains on 28x28 images, chosen for the
 * classifier built on their encoder, not for the lowest reconstruction error (measured
 * in docs/finetune.md):
 * - conv: the conv preset, 32 and 64 filters, no dense waist: the head sees the 64x7x7
 *   conv features, which keep where things are in the image;
 * - dense: 784-512-256-128, a wide bottleneck, since a narrow code throws away detail
 *   that reconstruction does not need but classification does.
 */
export function pretrainForClassification({ arch = 'auto', seed = 0 }: { arch?: PretrainArch; seed?: number }): { model: Autoencoder; arch: 'conv' | 'dense' } {
  if (arch !== 'auto' && arch !== 'conv' && arch !== 'dense') throw invalid(`architecture must be auto, conv or dense, got '${String(arch)}'`);
  const useConv = arch === 'conv' || (arch === 'auto' && convLayersLoadable());
  if (arch === 'conv' && !convLayersLoadable()) throw invalid('this build cannot save and reload convolutional layers yet; use --arch dense');
  if (useConv) return { model: convAutoencoder({ inputShape: [1, 28, 28], filters: [32, 64], seed }), arch: 'conv' };
  return { model: denseAutoencoder({ inputShape: [1, 28, 28], hidden: [512, 256], bottleneck: 128, seed }), arch: 'dense' };
}

/** Whether model files can rebuild conv layers (the classifier copies its encoder through layer configs). */
export function convLayersLoadable(): boolean {
  try {
    layerFromConfig({ type: 'conv2d', inChannels: 1, outChannels: 1, kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], bias: true });
    layerFromConfig({ type: 'max_pool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] });
    return true;
  } catch {
    return false;
  }
}
