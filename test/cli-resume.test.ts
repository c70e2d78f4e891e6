import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { loadModelFile } from '../src/io/model-file.js';
import { loadCheckpoint } from '../src/train/checkpoint-file.js';
import { cliRunner } from './support/cli.js';

// The scenario: a real `train` process on 2,000 Fashion-MNIST images, killed with
// SIGKILL, then resumed, must end with the uninterrupted run's model, every weight equal.
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'hourglass-resume-'));
const hourglass = cliRunner(work);
// --threads explicitly: results are reproducible for a given thread count only.
const RUN = ['train', '--threads', '2', '--limit', '2000', '--hidden', '256,64', '--bottleneck', '16', '--batch-size', '64', '--epochs', '6', '--seed', '11', '--no-progress'];
const CHECKPOINT = 'checkpoint.safetensors';
// Seeded, so a failure replays: HOURGLASS_TEST_SEED picks another kill point.
const rng = new Rng(Number(process.env.HOURGLASS_TEST_SEED ?? 2024));

async function weightsOf(dir: string): Promise<Map<string, number[]>> {
  const { tensors } = await loadModelFile(path.join(dir, 'model.safetensors'));
  return new Map([...tensors].map(([name, t]) => [name, Array.from(t.data)]));
}

let reference: Promise<Map<string, number[]>> | null = null;
/** The uninterrupted run (no checkpoints either: writing them must change nothing), made once. */
function uninterrupted(): Promise<Map<string, number[]>> {
  reference ??= (async () => {
    const r = hourglass(...RUN, '--out', 'straight');
    assert.equal(r.code, 0, r.stderr);
    return weightsOf(path.join(work, 'straight'));
  })();
  return reference;
}

/** Starts a checkpointing run and SIGKILLs it when `killWhen` says so (polled every millisecond); resolves once it is dead. */
async function killedRun(dir: string, killWhen: () => boolean): Promise<{ killed: boolean; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...RUN, '--checkpoint-every', '1', '--out', dir], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    if (killWhen()) {
      child.kill('SIGKILL');
      await exited;
      return { killed: true, stderr };
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { killed: false, stderr };
}

async function resumeAndCompare(dir: string, what: string): Promise<void> {
  const r = hourglass('train', '--threads', '2', '--resume', dir, '--no-progress');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /resuming after epoch \d/);
  const [resumed, straight] = [await weightsOf(path.join(work, dir)), await uninterrupted()];
  assert.deepEqual([...resumed.keys()], [...straight.keys()]);
  for (const [name, values] of straight) assert.deepEqual(resumed.get(name), values, `${what}: tensor ${name} differs from the uninterrupted run's`);
}

test('the uninterrupted run, the reference of the resumed ones', { timeout: 30_000 }, async () => {
  assert.ok((await uninterrupted()).size > 0);
});

test('train --resume after a SIGKILL at a random point ends with the uninterrupted run\'s weights, bit for bit', { timeout: 30_000 }, async (t) => {
  const dir = 'killed';
  const checkpoint = path.join(work, dir, CHECKPOINT);
  // Training takes about a second here; the kill lands anywhere from just after the first checkpoint to past the end of training.
  const delay = rng.uniform() * 1200;
  let seenAt = 0;
  const { killed, stderr } = await killedRun(dir, () => {
    if (!seenAt && existsSync(checkpoint)) seenAt = performance.now();
    return seenAt > 0 && performance.now() - seenAt >= delay;
  });
  assert.ok(killed, `the run ended before the kill ${delay.toFixed(0)} ms after the first checkpoint: ${stderr}`);
  const { state } = await loadCheckpoint(checkpoint);
  assert.ok(state.epoch >= 1 && state.epoch <= 6);
  t.diagnostic(`killed ${delay.toFixed(0)} ms after the first checkpoint; the checkpoint holds epoch ${state.epoch}`);
  await resumeAndCompare(dir, `killed ${delay.toFixed(0)} ms after the first checkpoint, resumed after epoch ${state.epoch}`);
});

test('a SIGKILL during a checkpoint write leaves the previous checkpoint whole, and the resume still ends on the same weights', { timeout: 30_000 }, async () => {
  const dir = 'killed-mid-write';
  const runDir = path.join(work, dir);
  const writing = () => existsSync(runDir) && readdirSync(runDir).some((f) => f.startsWith(`.${CHECKPOINT}.`) && f.endsWith('.tmp'));
  // Kill while the second (or a later) checkpoint is being written: the first one is already there.
  const { killed, stderr } = await killedRun(dir, () => existsSync(path.join(runDir, CHECKPOINT)) && writing());
  assert.ok(killed, `never saw a checkpoint being written: ${stderr}`);
  const { state } = await loadCheckpoint(path.join(runDir, CHECKPOINT));
  assert.ok(state.epoch >= 1 && state.epoch < 6, `epoch ${state.epoch}`);
  await resumeAndCompare(dir, `killed while writing the checkpoint after epoch ${state.epoch + 1}`);
  assert.ok(!writing(), 'the resume removes the interrupted temporary file');
});

test('train --resume refuses other options, naming them, and a directory without a checkpoint', { timeout: 30_000 }, async () => {
  await uninterrupted();
  let r = hourglass('train', '--threads', '2', '--resume', 'straight');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no training checkpoint there.*--checkpoint-every/);
  // A run whose checkpoint exists: the one the first test resumed.
  const dir = existsSync(path.join(work, 'killed', CHECKPOINT)) ? 'killed' : 'straight';
  if (dir === 'straight') return;
  r = hourglass('train', '--threads', '2', '--resume', dir, '--lr', '0.01', '--seed', '11', '--hidden', '128');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--lr 0\.01 \(the run used 0\.001\), --hidden 128 \(the run used 256,64\)/);
  assert.doesNotMatch(r.stderr, /--seed/);
  r = hourglass('train', '--threads', '1', '--resume', dir);
  assert.match(r.stderr, /trained on 2 native threads.*--threads 2/);
});
