import { type Command } from '../command.js';
import { TRAIN_OPTIONS, trainRunOptions } from './train.js';
import { trainRun } from '../train-run.js';

/**
 * The reference job: 784-256-64-32-64-256-784 dense autoencoder (ReLU, linear bottleneck,
 * sigmoid output), MSE, Adam 1e-3, batch 256, 20 epochs on Fashion-MNIST; writes the report to runs/demo.
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'train the reference dense autoencoder on Fashion-MNIST and write its report to runs/demo',
  options: TRAIN_OPTIONS.map((spec) => (spec.name === 'out' ? { ...spec, default: 'runs/demo' } : spec.name === 'overwrite' ? { ...spec, default: true } : spec)),
  async run(o) {
    const result = await trainRun(trainRunOptions(o));
    process.stdout.write(`hourglass demo: open ${result.dir}/reconstructions.png and ${result.dir}/loss-curve.png\n`);
  },
};
