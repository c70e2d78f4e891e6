import path from 'node:path';
import { sliceRows, type Tensor } from '../core/tensor.js';
import type { Autoencoder } from '../models/autoencoder.js';
import type { TrainingRecord } from '../train/fit.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { imageGrid, MAX_GRID_PIXELS } from './image-grid.js';
import { linePlot, svgToPng } from './line-plot.js';

/** The linear baseline next to an autoencoder: PCA with as many components as the bottleneck. */
export interface PcaBaseline {
  components: number;
  testMse: number;
  reconstruct(x: Tensor): Tensor;
}

/**
 * Originals in the top row, their reconstructions below: the classic autoencoder figure;
 * with a PCA baseline, a third row shows what PCA makes of the same images.
 */
export async function reconstructionGrid(model: Autoencoder, originals: Tensor, pca: PcaBaseline | null = null, scale = 3): Promise<Buffer> {
  const clip = (t: Tensor): Tensor => ({ shape: t.shape, data: t.data.map((v) => Math.min(1, Math.max(0, v))) });
  const rows = [clip(originals), clip(model.reconstruct(originals))];
  const labels = ['original', `${model.preset} autoencoder`];
  if (pca) {
    rows.push(clip({ shape: originals.shape, data: pca.reconstruct(originals).data }));
    labels.push(`PCA, ${pca.components} components`);
  }
  return imageGrid(rows, { scale, labels });
}

export function lossCurve(record: TrainingRecord, title: string): string {
  const x = record.epochs.map((e) => e.epoch);
  const series = [{ name: 'loss', x, y: record.epochs.map((e) => e.loss) }];
  if (record.epochs.some((e) => e.valLoss !== undefined)) series.push({ name: 'val_loss', x, y: record.epochs.map((e) => e.valLoss ?? NaN) });
  return linePlot({ title, xLabel: 'epoch', yLabel: 'loss', series, logY: true });
}

/** metrics.json, loss-curve.png and, for image data, reconstructions.png in a run directory. */
export async function writeTrainingReport(
  dir: string,
  { model, record, test, testMse, train, pca }: {
    model: Autoencoder;
    record: TrainingRecord;
    test: { x: Tensor; source: string; imageShape: number[] | null };
    testMse: number;
    train: string;
    pca: PcaBaseline | null;
  },
): Promise<void> {
  const metrics = {
    train,
    test: test.source,
    testMse,
    testSamples: test.x.shape[0],
    pcaBaseline: pca ? { components: pca.components, testMse: pca.testMse } : null,
    preset: model.preset,
    inputShape: model.inputShape,
    bottleneck: model.latentSize,
    parameters: model.params().reduce((s, p) => s + p.value.data.length, 0),
    training: record,
  };
  await writeFileAtomic(path.join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  const title = `${model.preset} autoencoder, bottleneck ${model.latentSize}: test MSE ${testMse.toFixed(5)}`;
  await writeFileAtomic(path.join(dir, 'loss-curve.png'), await svgToPng(lossCurve(record, title)));
  if (test.imageShape) {
    // Small images (Fashion-MNIST) are enlarged 3x; large ones are shown at their own size, and
    // fewer of them when ten would not fit the grid's limit (MAX_GRID_PIXELS).
    const [, h, w] = test.imageShape;
    const scale = Math.max(1, Math.min(3, Math.floor(96 / Math.max(h, w))));
    const rows = pca ? 3 : 2;
    const fits = Math.floor(MAX_GRID_PIXELS / ((w * scale + 2) * rows * (h * scale + 2) + 1));
    const originals = sliceRows(test.x, 0, Math.max(1, Math.min(10, fits, test.x.shape[0])));
    await writeFileAtomic(path.join(dir, 'reconstructions.png'), await reconstructionGrid(model, originals, pca, scale));
  }
}
