import path from 'node:path';
import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { HourglassError, invalid } from '../../core/errors.js';
import { shapeToString, tensor, type Tensor } from '../../core/tensor.js';
import { readInputFile, inputFileError } from '../../data/input-file.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { imageErrorReason, openImage, type ImageInputOptions } from '../../io/image-header.js';

/** How to read an image: as one grey channel, as RGB, or as stored (grey if it has one colour channel). */
export type ColorMode = 'grey' | 'rgb' | 'auto';

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export function isImagePath(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/**
 * Reads a PNG or JPEG file (through sharp) as one image [1, c, h, w] with values in [0, 1].
 * Transparency is flattened onto white, since the models see no alpha channel.
 */
export async function readImage(file: string, mode: ColorMode = 'auto', options: ImageInputOptions = {}): Promise<Tensor> {
  const bytes = await readInputFile(file, 'image file');
  return decodeImage(bytes, file, mode, options);
}

/** Decodes image bytes; the format and the pixel count are checked first (io/image-header.ts, `maxPixels`). */
export async function decodeImage(bytes: Uint8Array, source: string, mode: ColorMode = 'auto', options: ImageInputOptions = {}): Promise<Tensor> {
  checkColorMode(mode);
  let grey = mode === 'grey';
  const opened = await openImage(bytes, source, options);
  try {
    if (mode === 'auto') grey = opened.channels === 1 || opened.channels === 2 || opened.space === 'b-w';
    let pipeline = opened.image.flatten({ background: '#ffffff' });
    pipeline = grey ? pipeline.greyscale() : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    const c = grey ? 1 : 3;
    if (info.channels !== c) throw new Error(`decoded ${info.channels} channels, expected ${c}`);
    const { width: w, height: h } = info;
    // sharp gives interleaved HWC bytes; models take planar CHW in [0, 1].
    const out = tensor([1, c, h, w]);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out.data[k * h * w + y * w + x] = data[(y * w + x) * c + k] / 255;
    return out;
  } catch (err) {
    if (err instanceof HourglassError) throw err;
    throw new HourglassError('BAD_FILE', `${source}: not a readable PNG or JPEG image (${imageErrorReason(err)})`);
  }
}

/** PNG or JPEG bytes of one image [1, c, h, w] or [c, h, w] (c = 1 or 3, values clamped to [0, 1]). */
export async function encodeImage(image: Tensor, format: 'png' | 'jpeg'): Promise<Buffer> {
  const shape = image.shape.length === 4 && image.shape[0] === 1 ? image.shape.slice(1) : image.shape;
  if (shape.length !== 3 || (shape[0] !== 1 && shape[0] !== 3))
    throw invalid(`an image file holds one image [c, h, w] with 1 or 3 channels; got ${shapeToString(image.shape)}`);
  const [c, h, w] = shape;
  const bytes = Buffer.alloc(c * h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const v = image.data[k * h * w + y * w + x];
        bytes[(y * w + x) * c + k] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
      }
  let pipeline = sharp(bytes, { raw: { width: w, height: h, channels: c } });
  if (c === 1) pipeline = pipeline.toColourspace('b-w');
  return format === 'png' ? pipeline.png().toBuffer() : pipeline.jpeg({ quality: 95 }).toBuffer();
}

/** Writes an image as PNG or JPEG, chosen by the file's extension; atomic. */
export async function writeImage(file: string, image: Tensor): Promise<void> {
  await writeFileAtomic(file, await encodeImage(image, imageFormatOf(file)));
}

export function imageFormatOf(file: string): 'png' | 'jpeg' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  throw invalid(`${file}: image files must end in .png, .jpg or .jpeg`);
}

/** The PNG and JPEG files directly inside a folder, sorted by name. */
export async function listImages(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw inputFileError(dir, err);
  }
  const files = names.filter(isImagePath).sort().map((n) => path.join(dir, n));
  if (files.length === 0) throw new HourglassError('BAD_DATA', `${dir} holds no .png, .jpg or .jpeg images`);
  return files;
}

function checkColorMode(mode: string): void {
  if (mode !== 'grey' && mode !== 'rgb' && mode !== 'auto') throw invalid(`color mode must be grey, rgb or auto, got '${mode}'`);
}
