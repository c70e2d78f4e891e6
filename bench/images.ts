// Image folders: training from a folder (streamed: decoded on the fly, with prefetch) against
// training from the same images already in memory, in paired interleaved rounds; and the peak
// RSS of training on a folder whose decoded float32 size is far above 1 GB. The folders are
// generated under the system temp dir (never in the repository) and removed afterwards.
import { mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { mapBounded } from '../src/data/bounded-map.js';
import { distBench, median, runJson, table, writeResult } from './common.js';

export interface ImagesBenchOptions {
  /** Paired speed rounds: images, side, epochs per round. */
  speedImages?: number;
  speedSize?: number;
  rounds?: number;
  /** The large folder: images and side; its float32 size is images x 3 x side^2 x 4 bytes. 0 images skips it (as 0 speed images skips the rounds). */
  largeImages?: number;
  largeSize?: number;
  /** The large run's model (a small one: the point is the memory of the data path) and batch. */
  largeFilters?: string;
  largeBatch?: number;
}

interface WorkerResult {
  mode: string;
  images: number;
  decodeSeconds: number;
  trainSeconds: number;
  samplesPerSecond: number;
  loss: number;
  peakRssMb: number;
}

/** A folder of `n` distinct RGB JPEG photos-to-be: smooth gradients with per-image offsets and noise, so each decodes like a real photo would. */
async function generateFolder(dir: string, n: number, side: number): Promise<number> {
  mkdirSync(dir, { recursive: true });
  await mapBounded(Array.from({ length: n }, (_, i) => i), 4, async (i) => {
    const data = Buffer.alloc(side * side * 3);
    let s = (i * 2654435761) >>> 0;
    for (let p = 0; p < side * side; p++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      const x = p % side;
      const y = (p / side) | 0;
      for (let c = 0; c < 3; c++) data[p * 3 + c] = (x * (c + 1) + y * 2 + i * 7 + (s >>> 28)) & 255;
    }
    await sharp(data, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(dir, `${String(i).padStart(6, '0')}.jpg`));
  });
  return readdirSync(dir).reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
}

const worker = (args: string[]) => runJson<WorkerResult>(process.execPath, [path.join(distBench, 'images-worker.js'), ...args]);

export async function benchImages({ speedImages = 512, speedSize = 128, rounds = 5, largeImages = 8_000, largeSize = 256, largeFilters = '4', largeBatch = 16 }: ImagesBenchOptions = {}): Promise<void> {
  const base = path.join(os.tmpdir(), `hourglass-bench-images-${process.pid}`);
  try {
    let speed: Record<string, number> | null = null;
    const pairs: { memory: WorkerResult; folder: WorkerResult; cached: WorkerResult; ratio: number; cachedRatio: number }[] = [];
    if (speedImages > 0) {
    console.log(`\nImage folders: ${speedImages} JPEGs ${speedSize}x${speedSize} RGB, conv autoencoder (filters 32,64), batch 32, 1 epoch per run; memory, folder (decoded each epoch) and folder with a warm decoded cache, interleaved`);
    const speedDir = path.join(base, 'speed');
    await generateFolder(speedDir, speedImages, speedSize);
    const size = `${speedSize}`;
    for (let r = 0; r < rounds; r++) {
      // Interleaved: memory, folder, memory, folder, ... so drift on the shared machine hits both.
      const memory = await worker(['memory', speedDir, size, '1', '32,64', '32']);
      const folder = await worker(['folder', speedDir, size, '1', '32,64', '32']);
      const cached = await worker(['cached', speedDir, size, '1', '32,64', '32', path.join(base, `cache-${r}`)]);
      pairs.push({ memory, folder, cached, ratio: folder.trainSeconds / memory.trainSeconds, cachedRatio: cached.trainSeconds / memory.trainSeconds });
      console.log(
        `  round ${r + 1}: memory ${memory.trainSeconds.toFixed(2)}s (+${memory.decodeSeconds.toFixed(2)}s decoding first), folder ${folder.trainSeconds.toFixed(2)}s (ratio ${(folder.trainSeconds / memory.trainSeconds).toFixed(3)}), ` +
          `cached ${cached.trainSeconds.toFixed(2)}s (ratio ${(cached.trainSeconds / memory.trainSeconds).toFixed(3)})`,
      );
    }
    const ratios = pairs.map((p) => p.ratio);
    speed = {
      images: speedImages,
      size: speedSize,
      rounds,
      medianRatio: median(ratios),
      minRatio: Math.min(...ratios),
      maxRatio: Math.max(...ratios),
      cachedMedianRatio: median(pairs.map((p) => p.cachedRatio)),
      cachedMinRatio: Math.min(...pairs.map((p) => p.cachedRatio)),
      cachedMaxRatio: Math.max(...pairs.map((p) => p.cachedRatio)),
      memorySamplesPerSecond: median(pairs.map((p) => p.memory.samplesPerSecond)),
      folderSamplesPerSecond: median(pairs.map((p) => p.folder.samplesPerSecond)),
      memoryPeakRssMb: median(pairs.map((p) => p.memory.peakRssMb)),
      folderPeakRssMb: median(pairs.map((p) => p.folder.peakRssMb)),
    };
    rmSync(speedDir, { recursive: true, force: true });
    }
    let largeResult: (WorkerResult & { size: number; float32Gb: number; diskMb: number; machineRamGb: number }) | null = null;
    if (largeImages > 0) {

    const float32Gb = (largeImages * 3 * largeSize * largeSize * 4) / 2 ** 30;
    console.log(`\nLarge folder: ${largeImages.toLocaleString('en-US')} JPEGs ${largeSize}x${largeSize} RGB = ${float32Gb.toFixed(1)} GB as float32; streamed, conv autoencoder (filters ${largeFilters}), batch ${largeBatch}, 1 epoch`);
    const largeDir = path.join(base, 'large');
    const started = performance.now();
    const diskBytes = await generateFolder(largeDir, largeImages, largeSize);
    console.log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)}s, ${(diskBytes / 2 ** 20).toFixed(0)} MB on disk`);
    const large = await worker(['folder', largeDir, String(largeSize), '1', largeFilters, String(largeBatch)]);
    largeResult = { size: largeSize, float32Gb, diskMb: diskBytes / 2 ** 20, machineRamGb: os.totalmem() / 2 ** 30, ...large };

    }
    const rows: [string, string][] = [];
    if (speed)
      rows.push(
            [`folder / memory training time (median of ${rounds} paired rounds)`, `${speed.medianRatio.toFixed(3)} (range ${speed.minRatio.toFixed(3)}-${speed.maxRatio.toFixed(3)})`],
        ['folder with a warm decoded cache / memory', `${speed.cachedMedianRatio.toFixed(3)} (range ${speed.cachedMinRatio.toFixed(3)}-${speed.cachedMaxRatio.toFixed(3)})`],
        ['samples/s in memory, from the folder (medians)', `${speed.memorySamplesPerSecond.toFixed(1)}, ${speed.folderSamplesPerSecond.toFixed(1)}`],
        ['peak RSS in memory, from the folder (MB, medians)', `${speed.memoryPeakRssMb.toFixed(0)}, ${speed.folderPeakRssMb.toFixed(0)}`],
      );
    if (largeResult)
      rows.push([
        `large folder: ${largeImages} images, ${largeResult.float32Gb.toFixed(1)} GB float32 (RAM ${largeResult.machineRamGb.toFixed(0)} GB)`,
        `peak RSS ${largeResult.peakRssMb.toFixed(0)} MB, ${largeResult.trainSeconds.toFixed(0)}s, ${largeResult.samplesPerSecond.toFixed(1)} samples/s`,
      ]);
    console.log('\n' + table(['image folder bench', 'value'], rows));
    // A run of one part writes its own file, so the other part's results stay.
    const file = writeResult(speed && largeResult ? 'images' : speed ? 'images-speed' : 'images-large', { speed, rounds: pairs, large: largeResult });
    console.log(`wrote ${file}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
