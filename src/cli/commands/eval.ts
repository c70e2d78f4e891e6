import { checkFiniteResult } from '../../core/tensor.js';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { opt, type Command } from '../command.js';
import { DATA_HELP, loadData } from '../datasets.js';
import { loadReconstructor } from '../reconstructor.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'reconstruction error of a trained model on a data set (default: the Fashion-MNIST test split)',
  options: [
    { name: 'model', type: 'string', description: 'autoencoder or PCA model file (.safetensors)', required: true },
    { name: 'data', type: 'string', description: `data: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'split', type: 'string', description: 'Fashion-MNIST split: train or test', default: 'test' },
    { name: 'limit', type: 'number', description: 'use only the first N samples' },
    { name: 'json', type: 'flag', description: 'print the result as JSON' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const model = await loadReconstructor(opt.string(o, 'model') as string, 'eval');
    const split = opt.string(o, 'split') === 'train' ? 'train' : 'test';
    const data = await loadData(opt.string(o, 'data') as string, split, { limit: opt.number(o, 'limit'), dataDir: opt.string(o, 'data-dir'), images: imageReadOptions(o) });
    const errors = model.reconstructionError(data.x, 'mse');
    checkFiniteResult(errors, 'reconstruction error (MSE)');
    const sorted = Float64Array.from(errors).sort();
    const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
    const result = {
      data: data.source,
      samples: sorted.length,
      mse: mean,
      mae: model.reconstructionError(data.x, 'mae').reduce((s, v) => s + v, 0) / sorted.length,
      medianMse: sorted[Math.floor(sorted.length / 2)],
      p99Mse: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))],
    };
    if (opt.flag(o, 'json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else
      process.stdout.write(
        `${result.data}: ${result.samples} samples  MSE ${result.mse.toFixed(5)}  MAE ${result.mae.toFixed(5)}  median MSE ${result.medianMse.toFixed(5)}  p99 MSE ${result.p99Mse.toFixed(5)}\n`,
      );
  },
};
