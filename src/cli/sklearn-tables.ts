import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HourglassError } from '../core/errors.js';
import type { MethodRun, ReferenceRunner, ReferenceTask } from '../apps/anomaly/tables-benchmark.js';
import { packageRoot } from './package-root.js';

/** scikit-learn's detectors in the tables benchmark, as bench/tables_sklearn.py names them. */
export const SKLEARN_TABLE_METHODS = ['IsolationForest', 'OCSVM', 'LOF', 'EllipticEnvelope', 'PCA'] as const;

/**
 * The reference methods run by bench/tables_sklearn.py in `python` (Debian's /usr/bin/python3
 * has python3-sklearn): one worker per data set, which gets every split in one JSON file.
 */
export function sklearnTablesRunner(python: string, methods: readonly string[] = SKLEARN_TABLE_METHODS): ReferenceRunner & { version: () => string | null } {
  let version: string | null = null;
  return {
    methods: methods.map((m) => `sklearn ${m}`),
    version: () => version,
    async run(tasks: ReferenceTask[]) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-tables-'));
      try {
        const job = path.join(dir, 'job.json');
        writeFileSync(
          job,
          JSON.stringify({
            methods,
            tasks: tasks.map((t) => ({ seed: t.seed, columns: t.train.shape[1], testIsTrain: t.testIsTrain, train: Array.from(t.train.data), test: t.testIsTrain ? null : Array.from(t.test.data) })),
          }),
        );
        const out = await runWorker(python, [path.join(packageRoot(), 'bench', 'tables_sklearn.py'), job]);
        version = `${out.impl} ${out.version}`;
        return out.results.map((byMethod) => Object.fromEntries(Object.entries(byMethod).map(([m, r]) => [`sklearn ${m}`, r])));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

interface WorkerOutput {
  impl: string;
  version: string;
  results: Record<string, MethodRun | { error: string }>[];
}

function runWorker(python: string, args: string[]): Promise<WorkerOutput> {
  return new Promise((resolve, reject) => {
    // One BLAS thread: the worker's timings then compare with hourglass's single fits, and the machine stays usable.
    const child = spawn(python, args, { env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('error', (e) => reject(new HourglassError('FILE_NOT_FOUND', `cannot run ${python} (${e.message}); give --python, or --no-reference to skip scikit-learn`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new HourglassError('BAD_DATA', `the scikit-learn worker failed (exit ${code}): ${err.trim().split('\n').slice(-2).join(' ')}; is python3-sklearn installed?`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as WorkerOutput);
      } catch {
        reject(new HourglassError('BAD_DATA', `the scikit-learn worker printed no result: ${out.slice(-300)}`));
      }
    });
  });
}
