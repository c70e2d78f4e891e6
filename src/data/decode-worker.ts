import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { HourglassError } from '../core/errors.js';
import { mapBounded } from './bounded-map.js';
import { decodeImageFile, type ImageDecodeOptions } from './image-decode.js';

/**
 * The decoding thread of an ImageFolderSource (image-folder-source.ts). It lives in a worker
 * because training steps are synchronous native calls that hold the main thread's event loop
 * for the whole step: decodes driven from there would advance only between batches. Here
 * they run while the batch trains, and a finished batch waits as one message.
 *
 * workerData: the files, the decode options, the sample size, the files decoded at once and
 * the decoded cache (its file and the shared filled-rows bitmap), if any.
 */
export interface DecodeWorkerData {
  files: string[];
  decode: ImageDecodeOptions;
  width: number;
  height: number;
  inFlight: number;
  cache: { file: string; filled: SharedArrayBuffer } | null;
}

/** A request: decode these rows into one batch. */
export interface DecodeRequest {
  id: number;
  rows: Uint32Array;
}

export type DecodeReply = { id: number; data: Float32Array } | { id: number; error: { code: string; message: string } };

const data = workerData as DecodeWorkerData;
sharp.concurrency(1);
sharp.cache(false);
const per = data.decode.channels * data.width * data.height;
const cacheFd = data.cache ? openSync(data.cache.file, 'r+') : null;
const filled = data.cache ? new Uint8Array(data.cache.filled) : null;

async function decodedRow(row: number): Promise<Uint8Array> {
  if (cacheFd !== null && filled![row] === 1) {
    const bytes = new Uint8Array(per);
    if (readSync(cacheFd, bytes, 0, per, row * per) !== per) throw new HourglassError('BAD_FILE', `${data.cache!.file}: the decoded cache is shorter than it says (row ${row}); delete it and run again`);
    return bytes;
  }
  const file = data.files[row];
  const image = await decodeImageFile(file, file, data.decode);
  if (image.width !== data.width || image.height !== data.height)
    throw new HourglassError('BAD_DATA', `${file} is ${image.width}x${image.height}, the other images ${data.width}x${data.height}; pass --size WxH to resize them to one`);
  if (cacheFd !== null) {
    writeSync(cacheFd, image.data, 0, per, row * per);
    filled![row] = 1;
  }
  return image.data;
}

parentPort!.on('message', async (request: DecodeRequest | 'close') => {
  if (request === 'close') {
    if (cacheFd !== null) closeSync(cacheFd);
    parentPort!.close();
    return;
  }
  try {
    const out = new Float32Array(request.rows.length * per);
    await mapBounded(Array.from(request.rows), data.inFlight, async (row, i) => {
      const bytes = await decodedRow(row);
      for (let j = 0; j < per; j++) out[i * per + j] = bytes[j] / 255;
    });
    parentPort!.postMessage({ id: request.id, data: out } satisfies DecodeReply, [out.buffer]);
  } catch (e) {
    const code = e instanceof HourglassError ? e.code : 'BAD_FILE';
    parentPort!.postMessage({ id: request.id, error: { code, message: e instanceof Error ? e.message : String(e) } } satisfies DecodeReply);
  }
});
