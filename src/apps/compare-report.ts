import path from 'node:path';
import type { Tensor } from '../core/tensor.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { CompareEntry, CompareMethod } from './compare.js';
import { firstRows } from './compare.js';
import { imageGrid } from '../report/image-grid.js';
import { linePlot } from '../report/line-plot.js';
import { scatterPlot } from '../report/scatter-plot.js';
import { svgRow, svgToPng } from '../report/svg.js';

const METHOD_NAMES: Record<CompareMethod, string> = { pca: 'PCA', dense: 'dense autoencoder', conv: 'conv autoencoder' };

/** The sweep as a text table: one row per bottleneck size, one column per method. */
export function compareTable(entries: readonly CompareEntry[]): string {
  const methods = [...new Set(entries.map((e) => e.method))];
  const sizes = [...new Set(entries.map((e) => e.size))];
  const header = ['bottleneck', ...methods.map((m) => `${METHOD_NAMES[m]} MSE`)];
  if (methods.includes('pca') && methods.length > 1) header.push('best vs PCA');
  const rows = sizes.map((size) => {
    const bySize = entries.filter((e) => e.size === size);
    const cells = [String(size), ...methods.map((m) => bySize.find((e) => e.method === m)?.testMse.toFixed(5) ?? '-')];
    const pca = bySize.find((e) => e.method === 'pca');
    const others = bySize.filter((e) => e.method !== 'pca');
    if (pca && others.length) {
      const best = others.reduce((a, b) => (b.testMse < a.testMse ? b : a));
      cells.push(`${(((best.testMse - pca.testMse) / pca.testMse) * 100).toFixed(1)}%`);
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * Writes the comparison report: results.json, mse-vs-bottleneck.png, a reconstruction grid
 * per size for images (original / PCA / dense / conv rows), and latent-2d.png (PCA's two
 * components next to a 2-unit autoencoder's codes, coloured by class) when size 2 was run.
 */
export async function writeCompareReport(
  dir: string,
  { entries, test, labels, classNames, imageShape, source, epochs }: {
    entries: readonly CompareEntry[];
    test: Tensor;
    labels: Uint8Array | null;
    classNames: string[] | null;
    imageShape: number[] | null;
    source: string;
    epochs: number;
  },
): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, data: Uint8Array | string) => {
    await writeFileAtomic(path.join(dir, name), data);
    written.push(name);
  };
  const methods = [...new Set(entries.map((e) => e.method))];
  const sizes = [...new Set(entries.map((e) => e.size))];
  await write(
    'results.json',
    JSON.stringify({ data: source, epochs, results: entries.map(({ method, size, testMse, seconds }) => ({ method, size, testMse, seconds })) }, null, 2) + '\n',
  );
  const plot = linePlot({
    title: `Test reconstruction MSE vs bottleneck size (${source})`,
    xLabel: 'bottleneck size (units / components)',
    yLabel: 'test MSE',
    logY: true,
    series: methods.map((m) => ({ name: METHOD_NAMES[m], x: sizes, y: sizes.map((s) => entries.find((e) => e.method === m && e.size === s)?.testMse ?? NaN) })),
  });
  await write('mse-vs-bottleneck.png', await svgToPng(plot));

  if (imageShape) {
    const originals = firstRows(test, 10);
    const clip = (t: Tensor): Tensor => ({ shape: originals.shape, data: t.data.map((v) => Math.min(1, Math.max(0, v))) });
    for (const size of sizes) {
      const rows = [originals];
      const rowLabels = ['original'];
      for (const e of entries.filter((x) => x.size === size)) {
        rows.push(clip(e.reconstruct(originals)));
        rowLabels.push(`${METHOD_NAMES[e.method]} (${e.testMse.toFixed(4)})`);
      }
      await write(`reconstructions-k${size}.png`, await imageGrid(rows, { scale: 3, labels: rowLabels }));
    }
  }

  const pca2 = entries.find((e) => e.method === 'pca' && e.size === 2);
  const ae2 = entries.find((e) => e.method !== 'pca' && e.size === 2);
  if (pca2 && ae2 && labels) {
    const sample = firstRows(test, 3000);
    const scatter = (entry: CompareEntry) => {
      const codes = entry.encode(sample);
      return scatterPlot({
        title: `${METHOD_NAMES[entry.method]}, 2-D code (test MSE ${entry.testMse.toFixed(4)})`,
        points: Array.from({ length: codes.shape[0] }, (_, i) => ({ x: codes.data[2 * i], y: codes.data[2 * i + 1], label: labels[i] })),
        classNames: classNames ?? undefined,
      });
    };
    await write('latent-2d.png', await svgToPng(svgRow([scatter(pca2), scatter(ae2)])));
  }
  return written;
}
