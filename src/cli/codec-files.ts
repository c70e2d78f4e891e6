import path from 'node:path';
import sharp from 'sharp';
import { HourglassError, invalid } from '../core/errors.js';
import { sizeOf, shapeToString, type Shape, type Tensor } from '../core/tensor.js';
import { readInputFile } from '../data/input-file.js';
import { imageErrorReason, openImage, type ImageInputOptions } from '../io/image-header.js';
import { writeNpy } from '../data/npy.js';
import { isIdxFileName, writeIdx } from '../data/idx.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadData } from './datasets.js';

/** What `hourglass compress` reads and `hourglass decompress` writes, by file extension. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif'];
export const SAMPLE_FILES_HELP = 'an image (.png, .jpg, .webp) or an array (.npy, .idx[.gz])';

type SampleFileKind = 'image' | 'npy' | 'idx';

export function sampleFileKind(file: string, role: 'input' | 'output'): SampleFileKind {
  const lower = file.toLowerCase();
  if (lower.endsWith('.npy')) return 'npy';
  if (isIdxFileName(lower)) return 'idx';
  if (role === 'output' ? lower.endsWith('.png') : IMAGE_EXTENSIONS.some((e) => lower.endsWith(e))) return 'image';
  const accepted = role === 'output' ? '.png, .npy or .idx' : `${IMAGE_EXTENSIONS.join(', ')}, .npy or .idx`;
  throw invalid(`${file}: cannot tell the ${role} format from the extension '${path.extname(file) || file}'; use ${accepted}`);
}

/**
 * Samples to compress. An image becomes one sample [1, c, h, w] with values in [0, 1]; it must
 * already have the model's height and width (nothing is resized behind the user's back), and
 * is converted to grey or RGB to match the model's channels. Arrays are read as
 * `hourglass train` reads them (uint8 IDX scaled to [0, 1]).
 */
export async function readSamples(file: string, inputShape: Shape, options: ImageInputOptions = {}): Promise<Tensor> {
  const kind = sampleFileKind(file, 'input');
  if (kind !== 'image') return (await loadData(file, 'test')).x;
  if (inputShape.length !== 3 || (inputShape[0] !== 1 && inputShape[0] !== 3))
    throw invalid(`${file}: this model takes samples shaped ${shapeToString(inputShape)}, not grey or RGB images [1 or 3, h, w]; give an .npy or .idx array`);
  const [channels, height, width] = inputShape;
  const bytes = await readInputFile(file, 'image file');
  // Format and pixel count are checked from the header before any pixel is decoded.
  const { image, width: imageWidth, height: imageHeight } = await openImage(bytes, file, options).catch((e: unknown) => {
    if (e instanceof HourglassError && e.code === 'BAD_FILE' && e.message.startsWith(`${file}: `))
      throw new HourglassError('BAD_FILE', `${file}: cannot read the image (${e.message.slice(file.length + 2)})`);
    throw e;
  });
  let raw: { data: Buffer; info: { channels: number } };
  try {
    const meta = { width: imageWidth, height: imageHeight };
    if (meta.width !== width || meta.height !== height)
      throw new HourglassError(
        'SHAPE_MISMATCH',
        `${file} is ${meta.width}x${meta.height} pixels; this model compresses ${width}x${height} images (resize or crop it first)`,
      );
    const converted = channels === 1 ? image.flatten({ background: '#ffffff' }).greyscale() : image.flatten({ background: '#ffffff' }).toColourspace('srgb');
    raw = await converted.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (e instanceof HourglassError) throw e;
    throw new HourglassError('BAD_FILE', `${file}: cannot read the image (${imageErrorReason(e)})`);
  }
  const got = raw.info.channels;
  const data = new Float32Array(channels * height * width);
  const plane = height * width;
  // sharp gives interleaved pixels (HWC); the model wants planes (CHW).
  for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) data[c * plane + p] = raw.data[p * got + Math.min(c, got - 1)] / 255;
  return { shape: [1, channels, height, width], data };
}

/** Writes decompressed samples: a PNG (one grey or RGB image), an .npy (float32, as decoded) or an .idx (uint8, values x 255). */
export async function writeSamples(file: string, x: Tensor): Promise<void> {
  const kind = sampleFileKind(file, 'output');
  if (kind === 'npy') return writeNpy(file, x);
  const sample = x.shape.slice(1);
  if (kind === 'idx') {
    const dims = sample.length === 3 && sample[0] === 1 ? [x.shape[0], sample[1], sample[2]] : [...x.shape];
    return writeIdx(file, dims, toBytes(x.data));
  }
  if (sample.length !== 3 || (sample[0] !== 1 && sample[0] !== 3))
    throw invalid(`${file}: the decoded samples are shaped ${shapeToString(sample)}, not images [1 or 3, h, w]; write an .npy or .idx file instead`);
  if (x.shape[0] !== 1) throw invalid(`${file}: the .hgc file holds ${x.shape[0]} images and a PNG holds one; write an .npy or .idx file instead`);
  const [channels, height, width] = sample;
  const plane = height * width;
  const bytes = toBytes(x.data);
  const pixels = Buffer.alloc(sizeOf(sample));
  for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) pixels[p * channels + c] = bytes[c * plane + p];
  const image = sharp(pixels, { raw: { width, height, channels: channels as 1 | 3 } });
  // Without an explicit colour space sharp writes one-channel data as an RGB PNG.
  const png = await (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
  await writeFileAtomic(file, png);
}

function toBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 255);
  return out;
}
