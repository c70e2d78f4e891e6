import { invalid } from '../../core/errors.js';
import { statSync } from 'node:fs';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { Denoiser } from '../../apps/denoise/denoiser.js';
import { applyDenoiser } from '../../apps/denoise/apply.js';
import { checkMaxPixels, DEFAULT_MAX_PIXELS } from '../../io/image-header.js';
import { formatCorruption } from '../../apps/denoise/corruption.js';

export const denoiseApplyCommand: Command = {
  name: 'denoise apply',
  summary: 'denoise a PNG/JPEG image, a folder of them, or an image array (.npy, .idx) with a trained denoiser',
  options: [
    { name: 'model', type: 'string', description: "denoiser model file (from 'hourglass denoise train')", required: true },
    { name: 'data', type: 'string', description: 'a .png/.jpg image, a folder of images, or a .npy/.idx array', required: true, aliases: ['in'] },
    { name: 'out', type: 'string', description: 'output image, folder or array (same kind as --data)', required: true },
    { name: 'stride', type: 'number', description: 'tile step in pixels for images larger than the model input (default half a tile)' },
    { name: 'overwrite', type: 'flag', description: 'replace an existing output file, or write into a non-empty output folder' },
    { name: 'max-pixels', type: 'number', description: `largest image read, width x height (default ${DEFAULT_MAX_PIXELS}); bigger images are refused before decoding` },
  ],
  async run(o) {
    const input = opt.string(o, 'data') as string;
    const folder = (() => { try { return statSync(input).isDirectory(); } catch { return false; } })();
    claimOutput(opt.string(o, 'out') as string, { kind: folder ? 'directory' : 'file', inputs: { '--model': opt.string(o, 'model'), '--data': input }, overwrite: opt.flag(o, 'overwrite') });
    const stride = opt.number(o, 'stride');
    if (stride !== undefined && (!Number.isInteger(stride) || stride < 1)) throw invalid(`--stride must be a positive integer, got ${stride}`);
    const denoiser = await Denoiser.load(opt.string(o, 'model') as string);
    const [c, h, w] = denoiser.imageShape;
    if (stride !== undefined && (stride > h || stride > w)) throw invalid(`--stride ${stride} is larger than the model's ${h}x${w} tiles`);
    const started = performance.now();
    const result = await applyDenoiser(denoiser, input, opt.string(o, 'out') as string, {
      stride: stride !== undefined ? [stride, stride] : undefined,
      overwrite: opt.flag(o, 'overwrite'),
      maxPixels: checkMaxPixels(opt.number(o, 'max-pixels') ?? DEFAULT_MAX_PIXELS),
    });
    const [, ic, ih, iw] = result.shape;
    const how = ih === h && iw === w ? 'directly' : `in overlapping ${h}x${w} tiles`;
    const channels = ic !== c ? `, ${ic} channels one at a time through the grey model` : '';
    const trained = denoiser.noise ? ` (trained at ${formatCorruption(denoiser.noise)})` : '';
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const where = result.input === 'folder' ? `${result.outputs.length} files in ${opt.string(o, 'out')}` : result.outputs[0];
    process.stdout.write(`hourglass: denoised ${result.images} ${ih}x${iw} image${result.images === 1 ? '' : 's'} ${how}${channels}${trained} in ${seconds}s -> ${where}\n`);
  },
};
