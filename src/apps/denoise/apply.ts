import path from 'node:path';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { HourglassError, invalid } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { Denoiser } from './denoiser.js';
import { imageFormatOf, isImagePath, listImages, readImage, writeImage, type ColorMode } from './image-file.js';
import { arrayFormatOf, readImageArray, writeImageArray } from './array-file.js';

export interface ApplyOptions {
  /** Tile step for images larger than the model's input, [y, x]; default half a tile. */
  stride?: readonly [number, number];
  /** Allow writing into a non-empty output folder. */
  overwrite?: boolean;
  /** Largest image (width x height) read; default DEFAULT_MAX_PIXELS of io/image-header.ts. */
  maxPixels?: number;
}

export interface ApplyResult {
  input: 'image' | 'folder' | 'array';
  images: number;
  /** Shape [n, c, h, w] of the last batch denoised, for messages. */
  shape: number[];
  outputs: string[];
}

/**
 * Denoises a PNG/JPEG file, a folder of them, or an image array (.npy, .idx), chosen by what
 * `input` is. Every input is read and checked before anything is written, and every output
 * is written atomically; a folder goes to a temporary sibling renamed into place at the end,
 * so a failure leaves no partial output behind.
 */
export async function applyDenoiser(denoiser: Denoiser, input: string, output: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const kind = await inputKind(input);
  if (kind === 'folder') return denoiseFolder(denoiser, input, output, options);
  if (kind === 'array') return denoiseArrayFile(denoiser, input, output, options);
  return denoiseImageFile(denoiser, input, output, options);
}

export async function denoiseImageFile(denoiser: Denoiser, input: string, output: string, { stride, maxPixels }: ApplyOptions = {}): Promise<ApplyResult> {
  imageFormatOf(output);
  const image = await readImage(input, colorModeFor(denoiser), { maxPixels });
  const out = denoiser.denoise(image, { stride });
  await writeImage(output, out);
  return { input: 'image', images: 1, shape: [...image.shape], outputs: [output] };
}

export async function denoiseArrayFile(denoiser: Denoiser, input: string, output: string, { stride }: ApplyOptions = {}): Promise<ApplyResult> {
  const array = await readImageArray(input, denoiser.imageShape);
  if (arrayFormatOf(output) !== array.format)
    throw invalid(`--out ${output}: the input is a .${array.format} array, so the output must be one too`);
  const out = denoiser.denoise(array.images, { stride });
  await writeImageArray(output, out, array);
  return { input: 'array', images: array.images.shape[0], shape: [...array.images.shape], outputs: [output] };
}

export async function denoiseFolder(denoiser: Denoiser, input: string, output: string, { stride, overwrite = false, maxPixels }: ApplyOptions = {}): Promise<ApplyResult> {
  const existing = await directoryEntries(output);
  if (existing && existing.length > 0 && !overwrite) throw invalid(`output folder ${output} already exists and is not empty: choose another --out or pass --overwrite`);
  if (path.resolve(output) === path.resolve(input)) throw invalid('--out must differ from --in: denoised images never replace their originals');
  const files = await listImages(input);
  const results: { name: string; image: Tensor }[] = [];
  let shape: number[] = [];
  for (const file of files) {
    const image = await readImage(file, colorModeFor(denoiser), { maxPixels });
    shape = [...image.shape];
    results.push({ name: path.basename(file), image: denoiser.denoise(image, { stride }) });
  }
  if (existing && existing.length > 0) {
    for (const r of results) await writeImage(path.join(output, r.name), r.image);
  } else {
    const parent = path.dirname(path.resolve(output));
    await mkdir(parent, { recursive: true });
    const temp = await mkdtemp(path.join(parent, `.${path.basename(output)}.tmp-`));
    try {
      for (const r of results) await writeImage(path.join(temp, r.name), r.image);
      // rename() replaces an empty directory atomically, and creates the folder otherwise.
      await rename(temp, output);
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      if (err instanceof HourglassError) throw err;
      throw new HourglassError('INVALID_ARGUMENT', `cannot write ${output}: ${(err as Error).message}`);
    }
  }
  return { input: 'folder', images: results.length, shape, outputs: results.map((r) => path.join(output, r.name)) };
}

/** RGB models read every image as RGB; grey models read images as stored (colour goes through channel by channel). */
function colorModeFor(denoiser: Denoiser): ColorMode {
  return denoiser.imageShape[0] === 3 ? 'rgb' : 'auto';
}

async function inputKind(input: string): Promise<'image' | 'folder' | 'array'> {
  let info;
  try {
    info = await stat(input);
  } catch {
    throw new HourglassError('FILE_NOT_FOUND', `${input}: no such file or folder`);
  }
  if (info.isDirectory()) return 'folder';
  if (arrayFormatOf(input)) return 'array';
  if (isImagePath(input)) return 'image';
  throw invalid(`${input}: give a .png/.jpg/.jpeg image, a folder of them, or a .npy/.idx array`);
}

async function directoryEntries(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw invalid(`--out ${dir} is a file; a folder of images needs a folder`);
    return null;
  }
}
