import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuInfo, quickRun } from './capabilities.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const distBench = path.join(repoRoot, 'dist/bench');
/** Debian's interpreter, which has python3-torch and python3-sklearn. */
export const systemPython = '/usr/bin/python3';

/**
 * Environment for a PyTorch worker on `threads` threads. Debian's PyTorch does its matrix
 * products in OpenBLAS, which starts one thread per core whatever torch.set_num_threads
 * says (measured: sgemm 2048^3 at ~200 GFLOP/s "on one thread", ~100 with
 * OPENBLAS_NUM_THREADS=1), so the BLAS gets the same thread count.
 */
export function torchThreadsEnv(threads: number): NodeJS.ProcessEnv {
  return { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
}

/** A worker that exited with a failure; `stderr` holds the end of what it wrote there. */
export class WorkerError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message);
    this.name = 'WorkerError';
  }
}

/**
 * Runs a command and parses the last line of its stdout as JSON (each worker prints one result
 * line). Its stderr goes to ours as it comes, unless `quiet`, and its end is kept for the
 * WorkerError of a failed run, so a caller can tell one expected failure from the others
 * (a `quiet` caller prints the stderr of the failures it did not expect).
 */
export function runJson<T>(command: string, args: string[], env: NodeJS.ProcessEnv = {}, { quiet = false } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d: Buffer) => {
      if (!quiet) process.stderr.write(d);
      err = (err + d.toString()).slice(-20000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        return reject(new WorkerError(`${command} ${args.join(' ')} exited with ${code}`, err));
      }
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${command} printed no JSON result: ${out.slice(-500)}`));
      }
    });
  });
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * A plain-text table. A row given as [label, { note }] is printed as its label and then the
 * note across the other columns (e.g. "not available on this CPU (...)"), without widening them.
 */
export function table(headers: string[], rows: ((string | number)[] | [string, { note: string }])[]): string {
  const isNote = (r: unknown[]): r is [string, { note: string }] => r.length === 2 && typeof r[1] === 'object';
  const cells = [headers, ...rows.filter((r) => !isNote(r)).map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (i === 0 || !isNote(r) ? r[i].length : 0))));
  for (const r of rows) if (isNote(r)) widths[0] = Math.max(widths[0], r[0].length);
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const render = (r: (string | number)[] | [string, { note: string }]) => (isNote(r) ? `${r[0].padEnd(widths[0])}  ${r[1].note}` : line(r.map(String)));
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(render)].join('\n');
}

/** Where results go: bench/results, or bench/results/quick in a quick run (capabilities.ts), which must not replace a full run's. */
export function resultsDir(): string {
  return path.join(repoRoot, 'bench/results', ...(quickRun() ? ['quick'] : []));
}

/** Writes <results>/<name>.json, with the date and the CPU it ran on. */
export function writeResult(name: string, result: unknown): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: cpuInfo(), ...(result as object) }, null, 2) + '\n');
  return file;
}
