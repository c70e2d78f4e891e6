import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Runs a command and parses the last line of its stdout as JSON (each worker prints one result line). */
export function runJson<T>(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited with ${code}`));
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

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function writeResult(name: string, result: unknown): string {
  const dir = path.join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), ...(result as object) }, null, 2) + '\n');
  return file;
}
