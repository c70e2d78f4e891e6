// What this CPU can do, for the benchmarks: its model and what the engine makes of it
// (cpuCapabilities(): features, the kernels' instruction-set level, oneDNN's ISA, bfloat16),
// printed at the top of a run and recorded in every results file, and the decisions whether a
// capability-dependent row (bfloat16 training, the AVX2 code path) runs or prints "not
// available". A missing capability is a row, never a crash. HOURGLASS_BENCH_FORCE_NO_BF16=1
// treats bfloat16 as missing (to exercise that row on a CPU that has it), and a worker that
// fails with the engine's bfloat16 message is recognized as the same thing.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { cpuCapabilities, describeCapabilities, type CpuCapabilities } from '../src/core/cpu-capabilities.js';

export interface CpuInfo {
  model: string;
  cores: number;
  capabilities: CpuCapabilities;
}

/** The first processor's model name in /proc/cpuinfo's text, else the fallback. */
export function parseCpuModel(text: string, fallbackModel: string): string {
  return text.match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() || fallbackModel || 'unknown CPU';
}

export function cpuInfo(): CpuInfo {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: the model from os.cpus()
  }
  const cpus = os.cpus();
  return { model: parseCpuModel(text, cpus[0]?.model ?? ''), cores: cpus.length, capabilities: cpuCapabilities() };
}

export function describeCpu(info: CpuInfo): string {
  const f = info.capabilities.features;
  const features = (Object.keys(f) as (keyof typeof f)[]).map((k) => `${k} ${f[k] ? 'yes' : 'no'}`).join(', ');
  return `CPU: ${info.model}, ${info.cores} logical cores; ${features}
engine: ${describeCapabilities(info.capabilities)}`;
}

/** The engine's message when bfloat16 matrix products cannot be built (native/src/dense_chain_train.cc). */
const BF16_FAILURE = /bfloat16 training needs a CPU with bfloat16 matrix products[^\n]*/;

/** Whether a failed worker's output is the engine saying the CPU lacks bfloat16; the message if so. */
export function bf16FailureIn(output: string): string | null {
  return output.match(BF16_FAILURE)?.[0] ?? null;
}

export type Availability = { available: true } | { available: false; reason: string };

/**
 * Whether the bench runs bfloat16 at all: not when HOURGLASS_BENCH_FORCE_NO_BF16=1 (bench-only,
 * for exercising the "not available" row on any CPU), nor when the engine says it has no
 * bfloat16 matrix products here (the CPU, or HOURGLASS_MAX_ISA below avx512).
 */
export function bf16Precheck(env: NodeJS.ProcessEnv, caps: Pick<CpuCapabilities, 'bfloat16' | 'bfloat16Reason'>): Availability {
  if (env.HOURGLASS_BENCH_FORCE_NO_BF16 === '1') return { available: false, reason: 'forced by HOURGLASS_BENCH_FORCE_NO_BF16=1' };
  if (!caps.bfloat16) return { available: false, reason: caps.bfloat16Reason ?? 'no bfloat16 matrix products' };
  return { available: true };
}

/**
 * Whether a separate row for the AVX2 code path (HOURGLASS_MAX_ISA=avx2) says anything: not on
 * a CPU without AVX2, and not when the default row already runs it (an AVX2-only CPU, or the
 * cap already set to avx2 or lower for the whole run).
 */
export function avx2PathAvailability(caps: Pick<CpuCapabilities, 'level' | 'detectedLevel'>): Availability {
  if (caps.detectedLevel === 'baseline') return { available: false, reason: 'no AVX2 and FMA' };
  if (caps.level !== 'avx512') return { available: false, reason: `the float32 row already runs ${caps.level} kernels` };
  return { available: true };
}

/** The table row's text for a capability the CPU lacks. */
export function notAvailable(reason: string): string {
  return `not available on this CPU (${reason})`;
}

/**
 * HOURGLASS_BENCH_QUICK=1 is a smoke run of every benchmark: one short round, one epoch, small
 * data, results in bench/results/quick/. It shows that each bench runs to the end on this
 * machine in minutes; its figures are not the README's.
 */
export function quickRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.HOURGLASS_BENCH_QUICK === '1';
}

/** What each knob is in a quick run unless it is set. */
const QUICK_KNOBS: Record<string, number> = {
  HOURGLASS_BENCH_EPOCHS: 1,
  HOURGLASS_BENCH_ROUNDS: 1,
  HOURGLASS_BENCH_ROUND_EPOCHS: 1,
  HOURGLASS_BENCH_CONV_SAMPLES: 256,
  HOURGLASS_BENCH_IMAGES: 64,
  HOURGLASS_BENCH_LARGE_IMAGES: 200,
  HOURGLASS_BENCH_SEEDS: 1,
  HOURGLASS_BENCH_SERVE_SECONDS: 3,
  HOURGLASS_BENCH_SERVE_ROUNDS: 1,
};

/** A positive integer from an environment knob, or the default when unset (the quick run's, in one). */
export function envCount(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return quickRun(env) && name in QUICK_KNOBS ? QUICK_KNOBS[name] : fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

export type Outcome<T> = { ok: true; result: T } | { ok: false; reason: string };

/**
 * Runs a capability-dependent worker: skipped when the precheck says unavailable, and a
 * failure whose stderr (or message) is the engine's bfloat16 message becomes "unavailable"
 * with that message as the reason. Any other failure is rethrown, its stderr printed first
 * when `printStderr` (workers run quiet so the expected failure prints no stack).
 */
export async function runIfAvailable<T>(
  precheck: Availability,
  run: () => Promise<T>,
  printStderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<Outcome<T>> {
  if (!precheck.available) return { ok: false, reason: precheck.reason };
  try {
    return { ok: true, result: await run() };
  } catch (e) {
    const stderr = (e as { stderr?: unknown }).stderr;
    const text = typeof stderr === 'string' ? stderr : String((e as Error)?.message ?? e);
    const reason = bf16FailureIn(text) ?? bf16FailureIn(String((e as Error)?.message ?? ''));
    if (reason) return { ok: false, reason };
    if (typeof stderr === 'string') printStderr(stderr);
    throw e;
  }
}
