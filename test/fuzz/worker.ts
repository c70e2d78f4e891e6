// The in-process half of the fuzz runner, in its own process: it reads cases with the library
// readers (readNumericCsv, readNpy, readIdx, loadModel, decodeHgc + Codec.decode, the image
// readers) so a native crash or an allocation blow-up ends this process, not the test runner.
// Protocol: one JSON case per stdin line; one JSON result per stdout line.
import { createInterface } from 'node:readline';
import { HourglassError } from '../../src/core/errors.js';
import { fuzzerFor } from './formats.js';
import type { Outcome, SeedFiles } from './types.js';

const CODES = ['INVALID_ARGUMENT', 'SHAPE_MISMATCH', 'FILE_NOT_FOUND', 'BAD_FILE', 'BAD_DATA', 'MODEL_MISMATCH', 'TRAINING_DIVERGED', 'ABORTED', 'NATIVE'];

export interface WorkerRequest { id: number; format: string; file: string; seed: string; ext: string }
export interface WorkerReply { id: number; outcome: Outcome; detail: string; maxRssMB: number }

/** Classifies a thrown value: a HourglassError with a known code and a one-line message is a clean rejection. */
export function classifyError(e: unknown): { outcome: Outcome; detail: string } {
  if (e instanceof HourglassError) {
    if (!CODES.includes(e.code)) return { outcome: 'bad-message', detail: `unknown code ${e.code}: ${e.message}` };
    if (e.message.includes('\n') || e.message.trim() === '') return { outcome: 'bad-message', detail: `${e.code}: ${JSON.stringify(e.message)}` };
    return { outcome: 'rejected', detail: `${e.code}: ${e.message}` };
  }
  const err = e as Error;
  return { outcome: 'uncaught', detail: `${err?.name ?? typeof e}: ${err?.message ?? String(e)} ${(err?.stack ?? '').split('\n').slice(1, 3).join(' ').trim()}` };
}

async function handle(req: WorkerRequest, seeds: SeedFiles): Promise<WorkerReply> {
  const fuzzer = fuzzerFor(req.format);
  let result: { outcome: Outcome; detail: string };
  try {
    const value = await fuzzer.read(req.file, req, seeds);
    try {
      fuzzer.sanity(value);
      result = { outcome: 'ok', detail: '' };
    } catch (e) {
      result = { outcome: 'insane', detail: (e as Error).message };
    }
  } catch (e) {
    result = classifyError(e);
  }
  return { id: req.id, ...result, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

if (!process.env.NODE_TEST_CONTEXT && process.argv[2]) {
  const seeds = JSON.parse(process.argv[2]) as SeedFiles;
  const lines = createInterface({ input: process.stdin });
  // One case at a time: the parent times each one and restarts the worker after a hang.
  const queue: string[] = [];
  let busy = false;
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (queue.length) {
      const reply = await handle(JSON.parse(queue.shift()!) as WorkerRequest, seeds);
      process.stdout.write(JSON.stringify(reply) + '\n');
    }
    busy = false;
  };
  lines.on('line', (line) => {
    queue.push(line);
    void pump();
  });
}
