import path from 'node:path';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { mkdir } from 'node:fs/promises';
import { invalid } from '../../core/errors.js';
import { sliceRows, type Tensor } from '../../core/tensor.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { saveModelFile } from '../../io/model-file.js';
import { PCA, type PcaSolver } from '../../models/pca.js';
import { scalerByName } from '../../data/scaler.js';
import { DATA_DEFAULTS } from '../../models/defaults.js';
import { imageGrid } from '../../report/image-grid.js';
import { linePlot, svgToPng } from '../../report/line-plot.js';
import { opt, type Command } from '../command.js';
import { DATA_HELP, loadData, type LoadedData } from '../datasets.js';
import { ID_COLUMN_HELP } from '../id-column.js';
import { checkRunDirectory, defaultRunDirectory } from '../run-directory.js';

/** Components listed one by one on the terminal; the rest are summed up in the cumulative line. */
const LISTED_COMPONENTS = 10;
/** Test images in the reconstruction grid. */
const GRID_IMAGES = 10;

function meanOf(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : NaN;
}

function percent(v: number): string {
  return `${(100 * v).toFixed(2)}%`;
}

export const pcaCommand: Command = {
  name: 'pca',
  summary: 'fit PCA (the linear baseline of every autoencoder): explained variance, test error, model and pictures',
  options: [
    { name: 'data', type: 'string', description: `training data: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)' },
    { name: 'id-column', type: 'string', description: ID_COLUMN_HELP },
    { name: 'test-data', type: 'string', description: 'test data file (default: the Fashion-MNIST test split; none for a file)' },
    { name: 'limit', type: 'number', description: 'use only the first N training samples' },
    { name: 'components', type: 'number', description: 'number of components (integer >= 1) or fraction of the variance to keep (in (0, 1))', default: 32 },
    { name: 'solver', type: 'string', description: 'full (exact), randomized, or auto (randomized for large data and few components)', default: 'auto' },
    { name: 'scaler', type: 'string', description: `per-column scaling before PCA: none, minmax or standard (default: ${DATA_DEFAULTS.images.scaler} for images, ${DATA_DEFAULTS.table.scaler} for tables, as in train); saved in the model file` },
    { name: 'whiten', type: 'flag', description: 'scale projections to unit variance' },
    { name: 'seed', type: 'number', description: 'seed of the randomized solver', default: 0 },
    { name: 'out', type: 'string', description: 'run directory (default runs/pca-<time>)' },
    { name: 'overwrite', type: 'flag', description: 'allow writing into an existing, non-empty run directory' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const solver = opt.string(o, 'solver') as string;
    if (solver !== 'full' && solver !== 'randomized' && solver !== 'auto')
      throw invalid(`--solver must be full, randomized or auto, got '${solver}'`);
    const components = opt.number(o, 'components') as number;
    const seed = opt.number(o, 'seed') as number;
    if (!Number.isInteger(seed)) throw invalid(`--seed must be an integer, got ${seed}`);
    if (opt.string(o, 'scaler') !== undefined) scalerByName(opt.string(o, 'scaler') as string); // a bad name fails before the data is read
    // Options are checked before the data is read; the scaler's default depends on the data.
    new PCA({ nComponents: components, solver: solver as PcaSolver, whiten: opt.flag(o, 'whiten'), seed });

    const data = opt.string(o, 'data') as string;
    const dataDir = opt.string(o, 'data-dir');
    const dir = opt.string(o, 'out') ?? defaultRunDirectory('pca');
    await checkRunDirectory(dir, opt.flag(o, 'overwrite'), { '--data': data, '--test-data': opt.string(o, 'test-data') });
    const idColumn = opt.string(o, 'id-column');
    const train = await loadData(data, 'train', { limit: opt.number(o, 'limit'), dataDir, idColumn, images: imageReadOptions(o) });
    const scalerName = opt.string(o, 'scaler') ?? DATA_DEFAULTS[train.imageShape !== null ? 'images' : 'table'].scaler;
    const pca = new PCA({ nComponents: components, solver: solver as PcaSolver, whiten: opt.flag(o, 'whiten'), seed, scaler: scalerByName(scalerName) });
    const testData = opt.string(o, 'test-data');
    const test: LoadedData | null = testData
      ? await loadData(testData, 'test', { dataDir, idColumn: testData.toLowerCase().endsWith('.csv') ? idColumn : undefined, images: imageReadOptions(o) })
      : data === 'fashion-mnist'
        ? await loadData('fashion-mnist', 'test', { dataDir })
        : null;

    const [n, ...sampleShape] = train.x.shape;
    const d = sampleShape.reduce((a, b) => a * b, 1);
    const log = (line: string) => process.stdout.write(line + '\n');
    log(`hourglass: PCA of ${train.source} (${n} samples x ${d} features), components ${components}, solver ${solver}, scaler ${scalerName} -> ${dir}`);
    const start = process.hrtime.bigint();
    await pca.fit(train.x);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const k = pca.nComponents;
    log(`fitted ${k} components in ${seconds.toFixed(3)} s (${pca.fittedSolver} solver)`);

    const ratio = pca.explainedVarianceRatio;
    const variance = pca.explainedVariance;
    const cumulative: number[] = [];
    for (const r of ratio) cumulative.push((cumulative.at(-1) ?? 0) + r);
    log('component  explained variance  ratio     cumulative');
    for (let i = 0; i < Math.min(k, LISTED_COMPONENTS); i++)
      log(`${String(i + 1).padStart(9)}  ${variance[i].toPrecision(6).padStart(18)}  ${percent(ratio[i]).padStart(8)}  ${percent(cumulative[i]).padStart(10)}`);
    if (k > LISTED_COMPONENTS) log(`${'...'.padStart(9)}`);
    log(`${k} components explain ${percent(cumulative[k - 1])} of the variance`);

    const trainMse = meanOf(pca.reconstructionError(train.x));
    log(`train reconstruction MSE ${trainMse.toPrecision(5)}`);
    let testMse: number | null = null;
    if (test) {
      testMse = meanOf(pca.reconstructionError(test.x));
      log(`test reconstruction MSE ${testMse.toPrecision(5)} (${test.source}, ${test.x.shape[0]} samples)`);
    }

    await mkdir(dir, { recursive: true });
    await saveModelFile(path.join(dir, 'pca.safetensors'), pca.toModelFile());
    const metrics = {
      train: train.source,
      test: test?.source ?? null,
      samples: n,
      features: d,
      components: k,
      solver: pca.fittedSolver,
      whiten: pca.whiten,
      scaler: scalerName,
      fitSeconds: seconds,
      explainedVariance: [...variance],
      explainedVarianceRatio: [...ratio],
      totalVariance: pca.totalVariance,
      trainMse,
      testMse,
    };
    await writeFileAtomic(path.join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    const x = cumulative.map((_, i) => i + 1);
    const plot = linePlot({
      title: `PCA of ${train.source}: cumulative explained variance`,
      xLabel: 'components',
      yLabel: 'explained variance ratio',
      series: [
        { name: 'cumulative', x, y: cumulative },
        { name: 'per component', x, y: [...ratio] },
      ],
    });
    await writeFileAtomic(path.join(dir, 'explained-variance.png'), await svgToPng(plot));
    const written = ['pca.safetensors', 'metrics.json', 'explained-variance.png'];

    const shown = test ?? train;
    if (shown.imageShape) {
      const originals = sliceRows(shown.x, 0, Math.min(GRID_IMAGES, shown.x.shape[0]));
      const rebuilt: Tensor = pca.inverseTransform(pca.transform(originals));
      const grid = await imageGrid([originals, rebuilt], { scale: 3, labels: ['original', `PCA k=${k}`] });
      await writeFileAtomic(path.join(dir, 'reconstructions.png'), grid);
      written.push('reconstructions.png');
    }
    log(`hourglass: wrote ${written.map((f) => path.join(dir, f)).join(', ')}`);
  },
};
