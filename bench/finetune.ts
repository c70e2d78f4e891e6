// Pre-training pays off when labels are few: Fashion-MNIST, an autoencoder pre-trained on the
// 60,000 training images without labels, then N class-balanced labelled images for
// (a) frozen encoder + head, (b) fine-tuned, (c) same network from scratch, (d) PCA +
// softmax regression; test accuracy over 3 seeds, plus one run with all 60,000 labels.
// Long (tens of minutes on two cores): run it alone, `npm run bench finetune`.
import path from 'node:path';
import { experimentTable, runFinetuneExperiment, type FinetuneExperimentResult } from '../src/apps/finetune-experiment.js';
import { repoRoot, writeResult } from './common.js';

export async function benchFinetune({ pretrained = process.env.HOURGLASS_PRETRAINED }: { pretrained?: string } = {}): Promise<FinetuneExperimentResult> {
  console.log('\n## Fine-tuning a pre-trained encoder with few labels, Fashion-MNIST');
  const outDir = path.join(repoRoot, 'bench/results/finetune');
  const result = await runFinetuneExperiment({ outDir, pretrained, allLabels: true, log: (line) => console.log(line) });
  console.log(`\npre-trained: ${result.pretrained.arch} autoencoder (${result.pretrained.description}), test MSE ${result.pretrained.testMse.toFixed(5)}`);
  console.log(experimentTable(result));
  const file = writeResult('finetune', result);
  console.log(`(wrote ${path.relative(repoRoot, file)} and ${path.relative(repoRoot, outDir)}/accuracy-vs-labels.png)`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFinetune();
