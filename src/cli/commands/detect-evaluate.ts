import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { HourglassError, invalid } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { heatmapOverlay } from '../../report/heatmap-overlay.js';
import { maskPng } from '../../report/mask-png.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { DATA_HELP, loadData } from '../datasets.js';
import { imageOutputName } from '../image-output-name.js';
import { VOLUME_OPTIONS, volumeOptionsFrom } from '../volume-data.js';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { AnomalyDetector } from '../../apps/anomaly/anomaly-detector.js';
import { DEFAULT_AUPRO_FPR_LIMIT } from '../../metrics/aupro.js';
import { evaluatePixels, formatPixelEvaluation } from '../../apps/anomaly/pixel-evaluation.js';
import { parsePixelThreshold, pixelThreshold } from '../../apps/anomaly/pixel-threshold.js';
import { checkScoreKind, SCORE_KINDS, type ScoreKind } from '../../apps/anomaly/score-kind.js';
import type { ImageSet } from '../../data/image-set.js';

export const detectEvaluateCommand: Command = {
  name: 'detect evaluate',
  summary: 'pixel-level evaluation of a detector on images with ground-truth masks: image AUROC/AP, pixel AUROC, AUPRO, best Dice, per defect type; maps and masks as PNG',
  options: [
    { name: 'model', type: 'string', description: 'detector file (from detect fit)', required: true },
    { name: 'data', type: 'string', description: `images with ground-truth masks: ${DATA_HELP} (a volume with --masks; an MVTec or normal/anomalous folder with its masks)`, required: true },
    ...VOLUME_OPTIONS,
    // Whole images only: maps are compared with masks pixel by pixel.
    ...IMAGE_OPTIONS.filter((v) => v.name !== 'patch' && v.name !== 'stride'),
    { name: 'map', type: 'string', description: `anomaly map per pixel: the detector's own score (default) or one of ${SCORE_KINDS.join(', ')}` },
    { name: 'fpr-limit', type: 'number', description: 'AUPRO integrates up to this false-positive rate', default: DEFAULT_AUPRO_FPR_LIMIT },
    { name: 'pixel-threshold', type: 'string', description: "segmentation threshold: a number, 'best-f1' (on --validation with masks) or 'quantile:Q' (of --validation's normal pixels)" },
    { name: 'validation', type: 'string', description: 'validation images for --pixel-threshold best-f1 or quantile:Q' },
    { name: 'validation-masks', type: 'string', description: 'NIfTI: lesion masks of a --validation volume' },
    { name: 'limit', type: 'number', description: 'use only the first N images' },
    { name: 'out', type: 'string', description: 'evaluation JSON to write', default: 'evaluation.json' },
    { name: 'maps', type: 'string', description: 'write a heat-map overlay PNG of every image into this directory (named by image path)' },
    { name: 'pred-masks', type: 'string', description: 'with --pixel-threshold: write each predicted mask as a PNG into this directory' },
    { name: 'overwrite', type: 'flag', description: 'replace --out (and files in --maps, --pred-masks) if they exist' },
  ],
  async run(o) {
    const input = opt.string(o, 'data') as string;
    const out = opt.string(o, 'out') as string;
    const overwrite = opt.flag(o, 'overwrite');
    const inputs = { '--model': opt.string(o, 'model'), '--data': input, '--masks': opt.string(o, 'masks'), '--foreground': opt.string(o, 'foreground'), '--validation': opt.string(o, 'validation') };
    claimOutput(out, { inputs, overwrite });
    const mapsDir = opt.string(o, 'maps');
    const predDir = opt.string(o, 'pred-masks');
    if (mapsDir) claimOutput(mapsDir, { flag: '--maps', kind: 'directory', inputs: { ...inputs, '--out': out }, overwrite });
    if (predDir) claimOutput(predDir, { flag: '--pred-masks', kind: 'directory', inputs: { ...inputs, '--out': out }, overwrite });
    const thresholdText = opt.string(o, 'pixel-threshold');
    const rule = thresholdText === undefined ? null : parsePixelThreshold(thresholdText);
    if (predDir && !rule) throw invalid('--pred-masks writes masks cut at a pixel threshold: give --pixel-threshold too');
    const kindText = opt.string(o, 'map');
    const kind: ScoreKind | undefined = kindText === undefined ? undefined : checkScoreKind(kindText);
    const fprLimit = opt.number(o, 'fpr-limit') as number;
    if (!(fprLimit > 0 && fprLimit <= 1)) throw invalid(`--fpr-limit must be in (0, 1], got ${fprLimit}`);

    const detector = await AnomalyDetector.load(opt.string(o, 'model') as string);
    if (!detector.imageShape) throw invalid('detect evaluate measures anomaly maps of images; this detector scores table rows (use detect report with --label-file)');
    const volume = volumeOptionsFrom(o);
    const images = imageReadOptions(o);
    const data = await loadData(input, 'test', { volume, images, limit: opt.number(o, 'limit') });
    const set = requireMasks(data.images ?? null, input);
    const [n, , h, w] = set.x.shape;
    const { maps } = detector.anomalyMaps(set.x, kind);
    const imageScores = detector.score(set.x);
    const evaluation = evaluatePixels({ set, maps: maps.data, imageScores, n, h, w, fprLimit });
    const log = (line: string): void => void process.stdout.write(line + '\n');
    log(formatPixelEvaluation(evaluation));

    let threshold: number | null = null;
    let atThreshold: { dice: number; precision: number; recall: number } | null = null;
    if (rule) {
      let validation = null;
      const validationFile = opt.string(o, 'validation');
      if (validationFile) {
        const v = await loadData(validationFile, 'test', { images, volume: { ...volume, masks: opt.string(o, 'validation-masks') ?? null } });
        const vx = v.images?.x ?? v.x;
        const vm = detector.anomalyMaps(vx, kind).maps;
        validation = { maps: vm.data, n: vx.shape[0], h, w, masks: v.images?.masks?.data ?? null, foreground: v.images?.foreground?.data ?? null, labels: v.images?.labels ?? null };
      }
      threshold = pixelThreshold(rule, validation);
      atThreshold = diceAt(maps.data, set, threshold);
      log(`hourglass: pixel threshold ${threshold.toPrecision(5)} (${thresholdText}): Dice ${atThreshold.dice.toFixed(4)}, precision ${atThreshold.precision.toFixed(4)}, recall ${atThreshold.recall.toFixed(4)}`);
    }

    const plane = h * w;
    const files: [string, Buffer][] = [];
    for (let i = 0; i < n; i++) {
      const name = imageOutputName(set.paths[i]);
      if (mapsDir) {
        const grey = channelMeanOf(set.x.data, i, set.x.shape[1], plane);
        files.push([path.join(mapsDir, name), await heatmapOverlay(grey, maps.data.subarray(i * plane, (i + 1) * plane), h, w, 1)]);
      }
      if (predDir && threshold !== null) {
        const mask = new Uint8Array(plane);
        for (let p = 0; p < plane; p++) mask[p] = maps.data[i * plane + p] >= threshold ? 1 : 0;
        files.push([path.join(predDir, name), await maskPng(mask, h, w)]);
      }
    }
    for (const [file, png] of files) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, png);
    }
    const report = {
      source: input,
      map: kind ?? detector.scoreKinds.join('+'),
      evaluation,
      pixelThreshold: threshold === null ? null : { rule: thresholdText, value: threshold, ...atThreshold },
      images: set.paths.map((p, i) => ({ path: p, score: imageScores[i], label: set.labels ? set.labels[i] : null, group: set.groups ? set.groups[i] : null, map: mapsDir ? imageOutputName(p) : null })),
    };
    await writeFileAtomic(out, JSON.stringify(report, null, 2) + '\n');
    log(`hourglass: wrote ${out}${mapsDir ? `, ${n} heat maps in ${mapsDir}` : ''}${predDir ? `, ${n} predicted masks in ${predDir}` : ''}`);
  },
};

function requireMasks(set: ImageSet | null, input: string): ImageSet {
  if (!set || !set.masks)
    throw new HourglassError('BAD_DATA', `${input}: pixel metrics need ground-truth masks; give a volume with --masks LESIONS.nii.gz (or a folder whose layout has masks)`);
  return set;
}

function channelMeanOf(data: Float32Array, i: number, c: number, plane: number): Float32Array {
  const out = new Float32Array(plane);
  for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) out[p] += data[(i * c + k) * plane + p] / c;
  return out;
}

/** Dice, precision and recall of the masks `map >= threshold` over every counted pixel of the set. */
function diceAt(maps: Float32Array, set: ImageSet, threshold: number): { dice: number; precision: number; recall: number } {
  const masks = set.masks!.data;
  const fg = set.foreground?.data ?? null;
  let tp = 0, fp = 0, fn = 0;
  for (let p = 0; p < maps.length; p++) {
    if (fg && !(fg[p] > 0.5)) continue;
    const predicted = maps[p] >= threshold;
    const truth = masks[p] > 0.5;
    if (predicted && truth) tp++;
    else if (predicted) fp++;
    else if (truth) fn++;
  }
  return { dice: tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 1, precision: tp + fp > 0 ? tp / (tp + fp) : 0, recall: tp + fn > 0 ? tp / (tp + fn) : 0 };
}
