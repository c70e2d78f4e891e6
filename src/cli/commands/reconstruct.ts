import { invalid } from '../../core/errors.js';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { checkFiniteResult, sliceRows, type Tensor } from '../../core/tensor.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { DATA_HELP, loadData } from '../datasets.js';
import { describeReconstructor, loadReconstructor } from '../reconstructor.js';
import { imageGrid } from '../../report/image-grid.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

export const reconstructCommand: Command = {
  name: 'reconstruct',
  summary: 'write a PNG grid of originals (top row) above their reconstructions',
  options: [
    { name: 'model', type: 'string', description: 'autoencoder or PCA model file (.safetensors)', required: true },
    { name: 'data', type: 'string', description: `images: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'split', type: 'string', description: 'Fashion-MNIST split: train or test', default: 'test' },
    { name: 'count', type: 'number', description: 'number of images', default: 10 },
    { name: 'offset', type: 'number', description: 'index of the first image', default: 0 },
    { name: 'out', type: 'string', description: 'output PNG', default: 'reconstructions.png' },
    { name: 'overwrite', type: 'flag', description: 'replace --out if it exists' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    claimOutput(opt.string(o, 'out') as string, { inputs: { '--model': opt.string(o, 'model'), '--data': opt.string(o, 'data') }, overwrite: opt.flag(o, 'overwrite') });
    const count = opt.number(o, 'count') as number;
    const offset = opt.number(o, 'offset') as number;
    if (!Number.isInteger(count) || count < 1 || count > 100) throw invalid(`--count must be an integer in 1..100, got ${count}`);
    if (!Number.isInteger(offset) || offset < 0) throw invalid(`--offset must be a non-negative integer, got ${offset}`);
    const model = await loadReconstructor(opt.string(o, 'model') as string, 'reconstruct');
    const shape = model.sampleShape ?? [];
    if (shape.length !== 3) throw invalid(`this model's input is [${shape.join(', ')}], not images [c, h, w]: reconstruct draws pictures of image models only`);
    const split = opt.string(o, 'split') === 'train' ? 'train' : 'test';
    const data = await loadData(opt.string(o, 'data') as string, split, { limit: offset + count, dataDir: opt.string(o, 'data-dir'), images: imageReadOptions(o) });
    if (data.x.shape[0] <= offset) throw invalid(`--offset ${offset} is past the end of ${data.source} (${data.x.shape[0]} samples)`);
    const originals = sliceRows(data.x, offset, Math.min(data.x.shape[0], offset + count));
    const reconstructions = model.reconstruct(originals);
    const errors = model.reconstructionError(originals, 'mse');
    checkFiniteResult(errors, 'reconstruction error (MSE)', offset);
    const clip = (t: Tensor): Tensor => ({ shape: t.shape, data: t.data.map((v) => Math.min(1, Math.max(0, v))) });
    const png = await imageGrid([clip(originals), clip(reconstructions)], { scale: 3, labels: ['original', describeReconstructor(model)] });
    const out = opt.string(o, 'out') as string;
    await writeFileAtomic(out, png);
    process.stdout.write(`hourglass: wrote ${out} (${originals.shape[0]} originals above their reconstructions; MSE ${(errors.reduce((s, v) => s + v, 0) / errors.length).toFixed(5)})\n`);
  },
};
