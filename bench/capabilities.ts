// What this CPU can do, for the benchmarks: its model and the features that matter to the
// engine (printed at the top of a run and recorded in every results file), and the decision
// whether a capability-dependent row (bfloat16 training) runs or prints "not available".
// A missing capability is a row, never a crash: the engine has no capability query, so the
// bench asks the environment first (HOURGLASS_BENCH_FORCE_NO_BF16=1, to exercise the path on
// a CPU that has bfloat16) and otherwise recognizes the engine's own failure message.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The /proc/cpuinfo flags reported by the benchmarks. */
export const CPU_FEATURES = ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'amx_bf16'] as const;

export interface CpuInfo {
  model: string;
  cores: number;
  /** Each of CPU_FEATURES: present or not; null when /proc/cpuinfo is unreadable. */
  features: Record<(typeof CPU_FEATURES)[number], boolean> | null;
}

/** Parses /proc/cpuinfo's text (first processor's model name and flags). */
export function parseCpuinfo(text: string, fallbackModel: string, cores: number): CpuInfo {
  const field = (name: string) => text.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
  const flags = field('flags');
  const set = new Set(flags ? flags.split(/\s+/) : []);
  const features = flags === undefined ? null : (Object.fromEntries(CPU_FEATURES.map((f) => [f, set.has(f)])) as CpuInfo['features']);
  return { model: field('model name') || fallbackModel || 'unknown CPU', cores, features };
}

export function cpuInfo(): CpuInfo {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: model from os.cpus(), features unknown
  }
  const cpus = os.cpus();
  return parseCpuinfo(text, cpus[0]?.model ?? '', cpus.length);
}

export function describeCpu(info: CpuInfo): string {
  const features = info.features
    ? CPU_FEATURES.map((f) => `${f} ${info.features![f] ? 'yes' : 'no'}`).join(', ')
    : 'features unknown (no /proc/cpuinfo)';
  return `CPU: ${info.model}, ${info.cores} logical cores; ${features}`;
}

/** The engine's message when bfloat16 matrix products cannot be built (native/src/dense_chain_train.cc). */
const BF16_FAILURE = /bfloat16 training needs a CPU with bfloat16 matrix products[^\n]*/;

/** Whether a failed worker's output is the engine saying the CPU lacks bfloat16; the message if so. */
export function bf16FailureIn(output: string): string | null {
  return output.match(BF16_FAILURE)?.[0] ?? null;
}

export type Availability = { available: true } | { available: false; reason: string };

/**
 * Whether the bench should try bfloat16 at all: not when HOURGLASS_BENCH_FORCE_NO_BF16=1
 * (bench-only, for exercising the "not available" row on any CPU). Otherwise the bench
 * tries, and a failure recognized by bf16FailureIn becomes unavailable too.
 */
export function bf16Precheck(env: NodeJS.ProcessEnv): Availability {
  if (env.HOURGLASS_BENCH_FORCE_NO_BF16 === '1') return { available: false, reason: 'forced by HOURGLASS_BENCH_FORCE_NO_BF16=1' };
  return { available: true };
}

/** The table row's text for a capability the CPU lacks. */
export function notAvailable(reason: string): string {
  return `not available on this CPU (${reason})`;
}

/** A positive integer from an environment knob, or the default when unset. */
export function envCount(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
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
