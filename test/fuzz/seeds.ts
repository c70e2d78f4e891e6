import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { encodeNpy } from '../../src/data/npy.js';
import { encodeIdx } from '../../src/data/idx.js';
import type { SeedFiles } from './types.js';

const run = promisify(execFile);
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

/** Image side of the seed images and of the codec and denoiser models: tiny, so every case is fast. */
export const SIDE = 8;
const ROWS = 16;

/** The environment of child processes: without NODE_TEST_CONTEXT, which would make them act as test files. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1' };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

async function hourglass(cwd: string, ...args: string[]): Promise<void> {
  await run(process.execPath, [CLI, ...args], { cwd, env: childEnv(), timeout: 120_000 });
}

/**
 * Makes small valid inputs of every format and tiny models trained for one epoch on them.
 * Nothing is committed: a run builds its seeds in `dir` in a few seconds.
 */
export async function makeSeeds(dir: string): Promise<SeedFiles> {
  await mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);

  let csv = 'temperature,pressure,flow,vibration\n';
  const table = new Float32Array(ROWS * 4);
  for (let i = 0; i < ROWS; i++) {
    const row = [20 + (i % 5), 1 + ((i * 3) % 7) / 10, i / 4, ((i * i) % 11) / 3];
    table.set(row, i * 4);
    csv += row.join(',') + '\n';
  }
  await writeFile(f('table.csv'), csv);
  await writeFile(f('table.npy'), encodeNpy({ shape: [ROWS, 4], data: table }));
  await writeFile(f('table.idx'), encodeIdx([ROWS, 4], table));

  const pixels = new Uint8Array(ROWS * SIDE * SIDE).map((_, i) => (i * 37 + (i >> 3) * 11) % 256);
  const images = Float32Array.from(pixels, (p) => p / 255);
  await writeFile(f('images.npy'), encodeNpy({ shape: [ROWS, 1, SIDE, SIDE], data: images }));
  await writeFile(f('images-u1.npy'), encodeNpy({ shape: [ROWS, SIDE, SIDE], data: pixels }));
  const idx = encodeIdx([ROWS, SIDE, SIDE], pixels);
  await writeFile(f('images.idx'), idx);
  await writeFile(f('images.idx.gz'), gzipSync(idx));

  const grey = sharp(Buffer.from(pixels.subarray(0, SIDE * SIDE)), { raw: { width: SIDE, height: SIDE, channels: 1 } });
  await writeFile(f('image.png'), await grey.clone().png().toBuffer());
  await writeFile(f('image.jpg'), await grey.clone().jpeg().toBuffer());
  await writeFile(f('image.webp'), await grey.clone().webp().toBuffer());
  const rgb = sharp(Buffer.from(pixels.subarray(0, SIDE * SIDE * 3)), { raw: { width: SIDE, height: SIDE, channels: 3 } });
  await writeFile(f('image-rgb.png'), await rgb.png().toBuffer());

  const small = ['--epochs', '1', '--seed', '1'];
  await Promise.all([
    (async () => {
      await hourglass(dir, 'train', '--data', 'table.csv', '--hidden', '3', '--bottleneck', '2', ...small, '--out', 'ae-run', '--no-progress');
      await copyFile(f('ae-run/model.safetensors'), f('ae.safetensors'));
      await hourglass(dir, 'pca', '--data', 'table.csv', '--components', '2', '--out', 'pca-run');
      await copyFile(f('pca-run/pca.safetensors'), f('pca.safetensors'));
      await hourglass(dir, 'detect', 'fit', '--data', 'table.csv', '--hidden', '3', '--bottleneck', '2', ...small, '--out', 'detector.safetensors');
    })(),
    (async () => {
      await hourglass(dir, 'codec', 'train', '--data', 'images.npy', '--hidden', '8', '--bottleneck', '4', ...small,
        '--anneal-epochs', '0', '--decoder-epochs', '0', '--out', 'codec.safetensors');
      await hourglass(dir, 'compress', '--model', 'codec.safetensors', '--data', 'images.npy', '--out', 'multi.hgc');
      await hourglass(dir, 'compress', '--model', 'codec.safetensors', '--data', 'image.png', '--out', 'single.hgc');
      await hourglass(dir, 'denoise', 'train', '--data', 'images.npy', '--hidden', '8', '--bottleneck', '4', ...small, '--out', 'dn-run');
      await copyFile(f('dn-run/model.safetensors'), f('denoiser.safetensors'));
    })(),
  ]);

  const names = [
    'table.csv', 'table.npy', 'table.idx', 'images.npy', 'images-u1.npy', 'images.idx', 'images.idx.gz',
    'image.png', 'image.jpg', 'image.webp', 'image-rgb.png',
    'ae.safetensors', 'pca.safetensors', 'detector.safetensors', 'codec.safetensors', 'denoiser.safetensors',
    'multi.hgc', 'single.hgc',
  ];
  return { dir, files: Object.fromEntries(names.map((n) => [n, f(n)])) };
}
