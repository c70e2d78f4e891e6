import { invalid } from '../../core/errors.js';
import { opt, type Command } from '../command.js';
import { checkRunDirectory, defaultRunDirectory } from '../run-directory.js';
import { ProgressPrinter } from '../progress.js';
import { DENOISE_BENCH_DEFAULTS, runDenoiseBenchmark } from '../../apps/denoise/benchmark.js';
import type { DenoiserArch } from '../../apps/denoise/denoiser.js';

export const denoiseBenchCommand: Command = {
  name: 'denoise bench',
  summary: 'denoising benchmark on Fashion-MNIST: autoencoder vs median and Gaussian blur, PSNR/SSIM at sigma 0.1..0.5',
  positionals: 'fashion-mnist',
  options: [
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'limit', type: 'number', description: 'use only the first N training images (default all 60,000)' },
    { name: 'test-limit', type: 'number', description: 'score only the first N test images (default all 10,000)' },
    { name: 'epochs', type: 'number', description: 'training epochs', default: DENOISE_BENCH_DEFAULTS.epochs },
    { name: 'arch', type: 'string', description: 'dense or conv', default: 'dense' },
    { name: 'hidden', type: 'list', description: 'dense: encoder widths (default the denoiser preset)' },
    { name: 'bottleneck', type: 'number', description: 'dense: code size' },
    { name: 'filters', type: 'list', description: 'conv: filters per stage' },
    { name: 'seed', type: 'number', description: 'random seed', default: 0 },
    { name: 'out', type: 'string', description: 'run directory for the model and report (default runs/denoise-bench-<time>)' },
    { name: 'overwrite', type: 'flag', description: 'allow writing into an existing, non-empty run directory' },
    { name: 'json', type: 'flag', description: 'print the result as JSON instead of the table' },
    { name: 'progress', type: 'flag', description: 'live progress line (default on a terminal)' },
  ],
  async run(o, rest) {
    if (rest.length !== 1 || rest[0] !== 'fashion-mnist')
      throw invalid(`usage: hourglass denoise bench fashion-mnist [options]; the benchmark data set is fashion-mnist${rest.length ? `, got '${rest.join(' ')}'` : ''}`);
    const arch = opt.string(o, 'arch') as DenoiserArch;
    if (arch !== 'dense' && arch !== 'conv') throw invalid(`--arch must be dense or conv, got '${arch}'`);
    const epochs = opt.number(o, 'epochs') as number;
    const dir = opt.string(o, 'out') ?? defaultRunDirectory('denoise-bench');
    await checkRunDirectory(dir, opt.flag(o, 'overwrite'));
    const json = opt.flag(o, 'json');
    const printer = new ProgressPrinter(process.stderr, (o.progress as boolean | undefined) ?? process.stderr.isTTY === true);
    const result = await runDenoiseBenchmark({
      dataDir: opt.string(o, 'data-dir'),
      trainLimit: opt.number(o, 'limit'),
      testLimit: opt.number(o, 'test-limit'),
      epochs,
      arch,
      hidden: opt.list(o, 'hidden'),
      bottleneck: opt.number(o, 'bottleneck'),
      filters: opt.list(o, 'filters'),
      seed: opt.number(o, 'seed') as number,
      outDir: dir,
      log: json ? () => undefined : (line) => process.stdout.write(line + '\n'),
      onBatchEnd: printer.batch,
      onEpochEnd: (r) => printer.epoch(r, epochs),
    });
    if (json) {
      const { table: _table, training: _training, ...rest } = result;
      process.stdout.write(JSON.stringify(rest) + '\n');
      return;
    }
    const t = result.target;
    process.stdout.write(
      `\nPSNR (dB) / SSIM, mean over ${result.testImages} Fashion-MNIST test images; autoencoder trained at ${result.noise} (${result.epochs} epochs, ${result.trainSeconds.toFixed(0)}s):\n` +
        `${result.table}\n\n` +
        `target: at ${t.noise} the autoencoder (${t.autoencoderPsnr.toFixed(2)} dB) beats the best classic filter (${t.bestFilter === 'median' ? 'median 3x3' : 'Gaussian blur'}, ${t.bestFilterPsnr.toFixed(2)} dB) by ${t.margin.toFixed(2)} dB: ` +
        `${t.met ? 'met' : 'NOT met'} (needs ${t.required} dB)\n` +
        `hourglass: wrote the model and report to ${dir}\n`,
    );
  },
};
