import { invalid } from '../../core/errors.js';
import { opt, type Command } from '../command.js';
import { checkRunDirectory, defaultRunDirectory } from '../run-directory.js';
import { experimentTable, runFinetuneExperiment } from '../../apps/finetune/experiment.js';
import type { PretrainArch } from '../../apps/finetune/pretrain.js';

export const finetuneBenchCommand: Command = {
  name: 'finetune bench',
  summary: 'experiment: pre-train without labels, then frozen / fine-tuned / from scratch / PCA / propagated labels for N labels (fashion-mnist)',
  positionals: 'fashion-mnist',
  options: [
    { name: 'out', type: 'string', description: 'output directory (default runs/finetune-bench-<time>)' },
    { name: 'pretrained', type: 'string', description: 'reuse this pre-trained autoencoder instead of pre-training one' },
    { name: 'arch', type: 'string', description: 'pre-training architecture: auto (conv when available), conv or dense', default: 'auto' },
    { name: 'pretrain-epochs', type: 'number', description: 'pre-training epochs (default 5 conv, 15 dense)' },
    { name: 'sizes', type: 'list', description: 'numbers of labelled training images', default: [100, 1000, 10000] },
    { name: 'seeds', type: 'number', description: 'seeds per size (labelled sample, initialisation, batch order)', default: 3 },
    { name: 'pca-components', type: 'number', description: 'PCA components of method (d)', default: 64 },
    { name: 'all-labels', type: 'flag', description: 'also fine-tune on all training labels (--no-all-labels to skip)', default: true },
    { name: 'all-label-epochs', type: 'number', description: 'epochs of the all-labels run (default from the recipe)' },
    { name: 'train-limit', type: 'number', description: 'use only the first N training images (quick runs)' },
    { name: 'test-limit', type: 'number', description: 'use only the first N test images (quick runs)' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'overwrite', type: 'flag', description: 'allow writing into an existing, non-empty directory' },
  ],
  async run(o, rest) {
    const dataset = rest[0] ?? 'fashion-mnist';
    if (dataset !== 'fashion-mnist' || rest.length > 1)
      throw invalid(`'hourglass finetune bench' runs on fashion-mnist only, got '${rest.join(' ')}'`);
    const out = opt.string(o, 'out') ?? defaultRunDirectory('finetune-bench');
    await checkRunDirectory(out, opt.flag(o, 'overwrite'), { '--pretrained': opt.string(o, 'pretrained') });
    const result = await runFinetuneExperiment({
      outDir: out,
      pretrained: opt.string(o, 'pretrained'),
      arch: opt.string(o, 'arch') as PretrainArch,
      pretrainEpochs: opt.number(o, 'pretrain-epochs'),
      sizes: opt.list(o, 'sizes'),
      seeds: opt.number(o, 'seeds'),
      pcaComponents: opt.number(o, 'pca-components'),
      allLabels: opt.flag(o, 'all-labels'),
      allLabelEpochs: opt.number(o, 'all-label-epochs'),
      trainLimit: opt.number(o, 'train-limit'),
      testLimit: opt.number(o, 'test-limit'),
      dataDir: opt.string(o, 'data-dir'),
    });
    process.stdout.write(`\n${experimentTable(result)}\n\nhourglass: ${result.testImages} test images, ${result.seeds} seeds, ${(result.seconds / 60).toFixed(1)} min; wrote ${out}/results.json, results.md, accuracy-vs-labels.png\n`);
  },
};
