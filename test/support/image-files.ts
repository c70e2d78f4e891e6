import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** Writes a w x h image whose pixel (x, y) channel c is `value(x, y, c)` (0..255); the format follows the extension. */
export async function writeImage(file: string, width: number, height: number, channels: 1 | 3, value: (x: number, y: number, c: number) => number): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = value(x, y, c);
  const raw = sharp(data, { raw: { width, height, channels } });
  // A one-channel buffer is written as a grayscale file (sharp would otherwise save it as sRGB).
  const image = channels === 1 ? raw.toColourspace('b-w') : raw;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') await image.jpeg({ quality: 95 }).toFile(file);
  else if (ext === '.webp') await image.webp({ lossless: true }).toFile(file);
  else if (ext === '.tif' || ext === '.tiff') await image.tiff().toFile(file);
  else await image.png().toFile(file);
}

/** A smooth, slightly varying texture: what the normal images of a fixture look like. */
export const texture = (seed: number) => (x: number, y: number, c: number): number => 90 + ((x * 3 + y * 5 + seed * 7 + c * 20) % 60);

/**
 * A tiny MVTec-style folder: train/good (n), test/good (2), test/scratch (2, a bright bar)
 * with masks in ground_truth/scratch/<name>_mask.png.
 */
export async function writeMvtecFolder(root: string, { n = 12, size = 24 }: { n?: number; size?: number } = {}): Promise<void> {
  const name = (i: number) => String(i).padStart(3, '0');
  const bar = (x: number, y: number) => x >= 6 && x < 18 && y >= 8 && y < 12;
  for (let i = 0; i < n; i++) await writeImage(path.join(root, 'train/good', `${name(i)}.png`), size, size, 3, texture(i));
  for (let i = 0; i < 2; i++) await writeImage(path.join(root, 'test/good', `${name(i)}.png`), size, size, 3, texture(100 + i));
  for (let i = 0; i < 2; i++) {
    await writeImage(path.join(root, 'test/scratch', `${name(i)}.png`), size, size, 3, (x, y, c) => (bar(x, y) ? 250 : texture(200 + i)(x, y, c)));
    await writeImage(path.join(root, 'ground_truth/scratch', `${name(i)}_mask.png`), size, size, 1, (x, y) => (bar(x, y) ? 255 : 0));
  }
}
