import path from 'node:path';
import { HourglassError, invalid } from '../../core/errors.js';
import { shapeToString, type Shape, type Tensor } from '../../core/tensor.js';
import { readSampleArray } from '../../data/array-file.js';
import { writeNpy } from '../../data/npy.js';
import { isIdxFileName, writeIdx } from '../../data/idx.js';

/** An array file of images, as read: the images in [0, 1] and what is needed to write results back alike. */
export interface ImageArrayFile {
  /** [n, c, h, w], values in [0, 1]. */
  images: Tensor;
  format: 'npy' | 'idx';
  /** The array's own shape (e.g. [n, h, w] or [n, 784]), restored on output. */
  shape: Shape;
  /** Stored as bytes 0..255 (uint8): results are written back as bytes. */
  bytes: boolean;
}

export function isArrayPath(file: string): boolean {
  return arrayFormatOf(file) !== null;
}

export function arrayFormatOf(file: string): 'npy' | 'idx' | null {
  const lower = path.basename(file).toLowerCase();
  if (lower.endsWith('.npy')) return 'npy';
  if (isIdxFileName(lower)) return 'idx';
  return null;
}

/**
 * Reads images from a .npy or .idx[.gz] file. Shapes: [n, h, w] (grey), [n, c, h, w]
 * (c = 1 or 3), or rows [n, c * h * w] of flattened images of `imageShape` (e.g. Fashion-MNIST
 * rows of 784 pixels). uint8 arrays are divided by 255 (the uint8 rule of data/array-file.ts);
 * other arrays must already be in [0, 1].
 */
export async function readImageArray(file: string, imageShape?: Shape): Promise<ImageArrayFile> {
  const format = arrayFormatOf(file);
  if (!format) throw invalid(`${file}: arrays must be .npy or .idx[.gz] files`);
  const array = await readSampleArray(file, format);
  const data = array.data.data;
  const shape = [...array.data.shape];
  const bytes = array.scaledFromBytes;
  if (!bytes)
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!(v >= 0 && v <= 1))
        throw new HourglassError('BAD_DATA', `${file} holds ${v} at position ${i}: float images must be in [0, 1] (or store bytes as uint8)`);
    }
  return { images: { shape: foldImages(shape, file, imageShape), data }, format, shape, bytes };
}

/** Writes denoised images [n, c, h, w] in [0, 1] in the input's format, shape and element type. */
export async function writeImageArray(file: string, images: Tensor, like: ImageArrayFile): Promise<void> {
  const format = arrayFormatOf(file);
  if (format !== like.format) throw invalid(`--out ${file}: write the result as a .${like.format === 'npy' ? 'npy' : 'idx'} file like the input`);
  const out = like.bytes ? Uint8Array.from(images.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)) : images.data;
  if (format === 'npy') await writeNpy(file, { shape: like.shape, data: out });
  else await writeIdx(file, like.shape, out);
}

function foldImages(shape: number[], file: string, imageShape?: Shape): number[] {
  if (shape.length === 4 && (shape[1] === 1 || shape[1] === 3)) return shape;
  if (shape.length === 3) return [shape[0], 1, shape[1], shape[2]];
  const per = imageShape ? imageShape[0] * imageShape[1] * imageShape[2] : 0;
  if (shape.length === 2 && imageShape && shape[1] === per) return [shape[0], ...imageShape];
  if (shape.length === 2 && imageShape)
    throw new HourglassError(
      'SHAPE_MISMATCH',
      `${file} has shape ${shapeToString(shape)}: rows of ${shape[1]} values, but this model's images have ${per} (${imageShape.join('x')}); give images as [n, h, w] or [n, c, h, w] (one image: [1, h, w])`,
    );
  throw new HourglassError('SHAPE_MISMATCH', `${file} has shape ${shapeToString(shape)}; image arrays are [n, h, w] (grey) or [n, c, h, w] with c = 1 or 3`);
}
