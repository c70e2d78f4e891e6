import path from 'node:path';
import { statSync } from 'node:fs';
import { invalid } from '../../core/errors.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { loadModel } from '../../apps/load-model.js';
import { exportOnnx } from '../../apps/export-onnx.js';
import { writeScoringPage } from '../../apps/anomaly/scoring-page.js';
import { checkOnnxPart, ONNX_PARTS } from '../../models/export/model-onnx.js';

/** What each kind of model's export computes, for the summary line. */
const OUTPUTS: Record<string, string> = {
  'autoencoder/full': 'input -> reconstruction',
  'autoencoder/encoder': 'input -> code',
  'autoencoder/decoder': 'code -> reconstruction',
  classifier: 'input -> logits, probabilities',
  detector: 'input -> score, normalized_score, is_anomaly, error_map',
};

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a trained model as an ONNX file (opset 17) that ONNX Runtime runs with the same results, in Python, C#, Java, a browser, ...',
  options: [
    { name: 'model', type: 'string', description: 'any hourglass model file (.safetensors): autoencoder, pca, classifier, detector, denoiser, codec', required: true },
    { name: 'format', type: 'string', description: 'onnx (the model as an ONNX file), or html (a detector as a self-contained page that scores dropped CSV rows or images in the browser)', default: 'onnx' },
    { name: 'part', type: 'string', description: `for models that reconstruct: ${ONNX_PARTS.join(', ')}`, default: 'full' },
    { name: 'out', type: 'string', description: 'output file (.onnx)', required: true },
    { name: 'overwrite', type: 'flag', description: 'replace --out if it exists' },
  ],
  async run(o) {
    const format = opt.string(o, 'format');
    if (format !== 'onnx' && format !== 'html') throw invalid(`--format must be onnx or html, got '${format}'`);
    const out = opt.string(o, 'out') as string;
    const extension = format === 'onnx' ? '.onnx' : '.html';
    if (path.extname(out).toLowerCase() !== extension) throw invalid(`--out ${out}: --format ${format} writes a ${extension} file`);
    const part = checkOnnxPart(opt.string(o, 'part'));
    const modelPath = opt.string(o, 'model') as string;
    claimOutput(out, { inputs: { '--model': modelPath }, overwrite: opt.flag(o, 'overwrite') });
    const model = await loadModel(modelPath);
    if (format === 'html') {
      if (model.kind !== 'detector') throw invalid(`--format html makes a scoring page for an anomaly detector; ${modelPath} holds a model of kind '${model.kind}' (export it with --format onnx)`);
      await writeScoringPage(model, out);
      const mb = (statSync(out).size / 2 ** 20).toFixed(1);
      process.stdout.write(`wrote ${out} (${mb} MiB): open it in a browser and drop CSV rows or images to score them there; nothing leaves the page\n`);
      return;
    }
    await exportOnnx(model, out, { part });
    const kind = model.kind === 'pca' || model.kind === 'denoiser' || model.kind === 'codec' ? 'autoencoder' : model.kind;
    const what = OUTPUTS[kind === 'autoencoder' ? `autoencoder/${part}` : kind];
    const kb = (statSync(out).size / 1024).toFixed(1);
    process.stdout.write(`exported ${model.kind}${part === 'full' ? '' : ` (${part})`} to ${out} (${kb} KiB, ONNX opset 17, dynamic batch axis): ${what}\n`);
  },
};
