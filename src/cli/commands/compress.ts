import path from 'node:path';
import { invalid } from '../../core/errors.js';
import { sizeOf, shapeToString } from '../../core/tensor.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { Codec, checkCoder } from '../../apps/codec/codec.js';
import { decodeHgc, ENTROPY_CODERS, hgcOverheadBytes } from '../../apps/codec/hgc-container.js';
import { checkBits } from '../../apps/codec/latent-quantizer.js';
import { readInputFile } from '../../data/input-file.js';
import { checkMaxPixels, DEFAULT_MAX_PIXELS } from '../../io/image-header.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { readSamples, SAMPLE_FILES_HELP, sampleFileKind, writeSamples } from '../codec-files.js';

export const compressCommand: Command = {
  name: 'compress',
  summary: 'compress an image or an array into an .hgc file with a codec model',
  options: [
    { name: 'model', type: 'string', description: "codec model (.safetensors from 'hourglass codec train' or 'codec calibrate')", required: true },
    { name: 'data', type: 'string', description: `input: ${SAMPLE_FILES_HELP}`, required: true, aliases: ['in'] },
    { name: 'out', type: 'string', description: 'output .hgc file', required: true },
    { name: 'bits', type: 'number', description: 'bits per latent value, 1-12 (default: the depth the codec was trained for)' },
    { name: 'coder', type: 'string', description: `entropy coder: ${ENTROPY_CODERS.join(', ')} (default: the codec's, normally range)` },
    { name: 'overwrite', type: 'flag', description: 'replace --out if it exists' },
    { name: 'max-pixels', type: 'number', description: `largest image read, width x height (default ${DEFAULT_MAX_PIXELS}); bigger images are refused before decoding` },
  ],
  async run(o) {
    const input = opt.string(o, 'data') as string;
    const out = opt.string(o, 'out') as string;
    claimOutput(out, { inputs: { '--model': opt.string(o, 'model'), '--data': input }, overwrite: opt.flag(o, 'overwrite') });
    sampleFileKind(input, 'input');
    const maxPixels = checkMaxPixels(opt.number(o, 'max-pixels') ?? DEFAULT_MAX_PIXELS);
    const bits = opt.number(o, 'bits');
    const coderName = opt.string(o, 'coder');
    const codec = await Codec.load(opt.string(o, 'model') as string, {
      bits: bits === undefined ? undefined : checkBits(bits),
      coder: coderName === undefined ? undefined : checkCoder(coderName),
    });
    const x = await readSamples(input, codec.sampleShape, { maxPixels });
    const bytes = codec.encode(x);
    await writeFileAtomic(out, bytes);
    const n = x.shape[0];
    const values = n * sizeOf(codec.sampleShape);
    const header = hgcOverheadBytes({ ...codec.header(n), sampleShape: decodeHgc(bytes, out).sampleShape });
    process.stdout.write(
      `hourglass: compressed ${input} (${n} sample${n === 1 ? '' : 's'} ${shapeToString(x.shape.slice(1))}) into ${out}: ` +
        `${bytes.length} bytes = ${((bytes.length * 8) / values).toFixed(3)} bits per value ` +
        `(${header} header + ${bytes.length - header} payload; ${codec.model.latentSize} latent values at ${codec.bits} bits, ${codec.coder} coder)\n`,
    );
  },
};

export const decompressCommand: Command = {
  name: 'decompress',
  summary: 'decompress an .hgc file into an image (.png) or an array (.npy, .idx)',
  options: [
    { name: 'model', type: 'string', description: 'the codec model that compressed the file', required: true },
    { name: 'data', type: 'string', description: 'input .hgc file', required: true, aliases: ['in'] },
    { name: 'out', type: 'string', description: 'output: .png (one image), .npy (float32) or .idx (uint8, values x 255)', required: true },
    { name: 'overwrite', type: 'flag', description: 'replace --out if it exists' },
  ],
  async run(o) {
    const input = opt.string(o, 'data') as string;
    const out = opt.string(o, 'out') as string;
    claimOutput(out, { inputs: { '--model': opt.string(o, 'model'), '--data': input }, overwrite: opt.flag(o, 'overwrite') });
    sampleFileKind(out, 'output');
    const bytes = await readInputFile(input);
    // Reading the header first gives a file-format error before the model is even loaded.
    const file = decodeHgc(bytes, input);
    const codec = await Codec.load(opt.string(o, 'model') as string);
    const x = codec.decode(bytes, input);
    await writeSamples(out, x);
    process.stdout.write(
      `hourglass: decompressed ${input} (${x.shape[0]} sample${x.shape[0] === 1 ? '' : 's'} ${shapeToString(x.shape.slice(1))}, ` +
        `${file.bits}-bit latent, ${file.coder} coder, model ${codec.hashHex}) into ${out}\n`,
    );
  },
};
