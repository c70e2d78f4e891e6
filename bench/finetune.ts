// Pre-training pays off when labels are few: Fashion-MNIST, an autoencoder pre-trained on the
// 60,000 training images without labels, then N class-balanced labelled images for
// (a) frozen encoder + head, (b) fine-tuned, (c) same network from scratch, (d) PCA +
// softmax regression, (e) fine-tuned on every training image with the N labels propagated
// along a k-NN graph of the pre-trained features; test accuracy over 3 seeds (or more), plus one run
// with all 60,000 labels. The table's last columns are the gains (b) - (c) and (e) - (c).
// Long (tens of minutes on two cores): run it alone, `npm run bench finetune`.
import path from 'node:path';
import { experimentTable, runFinetuneExperiment, type FinetuneExperimentResult } from '../src/apps/finetune/experiment.js';
import type { PretrainArch } from '../src/apps/finetune/pretrain.js';
import { repoRoot, resultsDir, writeResult } from './common.js';
import { quickRun } from './capabilities.js';

/** A quick run's experiment: 100 labels, one seed, one pre-training epoch, a tenth of the data. */
const QUICK = { sizes: [100], seeds: 1, pretrainEpochs: 1, trainLimit: 6000, testLimit: 2000 };

// HOURGLASS_FINETUNE_ARCH=dense runs it with the dense preset (no all-labels line);
// HOURGLASS_PRETRAINED=file reuses a pre-trained autoencoder; HOURGLASS_FINETUNE_SEEDS=10
// runs more seeds than the default 3 (the gains' standard error shrinks with their root).
export async function benchFinetune({
  pretrained = process.env.HOURGLASS_PRETRAINED,
  arch = (process.env.HOURGLASS_FINETUNE_ARCH ?? 'auto') as PretrainArch,
  seeds = process.env.HOURGLASS_FINETUNE_SEEDS ? Number(process.env.HOURGLASS_FINETUNE_SEEDS) : undefined,
}: { pretrained?: string; arch?: PretrainArch; seeds?: number } = {}): Promise<FinetuneExperimentResult> {
  console.log('\n## Fine-tuning a pre-trained encoder with few labels, Fashion-MNIST');
  const dense = arch === 'dense';
  const quick = quickRun();
  const outDir = path.join(resultsDir(), dense ? 'finetune-dense' : 'finetune');
  const result = await runFinetuneExperiment({ outDir, pretrained, arch, ...(quick ? QUICK : {}), ...(seeds ? { seeds } : {}), allLabels: !dense && !quick, log: (line) => console.log(line) });
  console.log(
    `\npre-trained: ${result.pretrained.arch} autoencoder (${result.pretrained.description}), test MSE ${result.pretrained.testMse.toFixed(5)}; ` +
      `the classifier takes its [${result.pretrained.classifierFeatures.join('x')}] features`,
  );
  console.log(experimentTable(result));
  const file = writeResult(dense ? 'finetune-dense' : 'finetune', result);
  console.log(`(wrote ${path.relative(repoRoot, file)} and ${path.relative(repoRoot, outDir)}/accuracy-vs-labels.png)`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFinetune();
