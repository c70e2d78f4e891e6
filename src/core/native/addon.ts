import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { HourglassError } from '../errors.js';

/**
 * Loads the compiled addon (build/Release/hourglass_native.node). Typed wrappers live
 * beside this file, one per domain (gemm.ts, dense.ts, dense-chain.ts, conv.ts, linalg.ts),
 * all checking their arguments with check.ts; nothing else should touch the raw module.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
// Compiled code runs from dist/src/core/native; sources from src/core/native.
const candidates = [
  path.resolve(here, '../../../../build/Release/hourglass_native.node'),
  path.resolve(here, '../../../build/Release/hourglass_native.node'),
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawAddon = Record<string, (...args: any[]) => any>;

function load(): RawAddon {
  const file = candidates.find((c) => existsSync(c));
  if (!file)
    throw new HourglassError(
      'NATIVE',
      'the native engine is not built: run `npm run setup` (installs libdnnl-dev and builds the addon)',
    );
  // OpenMP's default busy-waiting makes every parallel region stall when the cores are
  // shared with other processes (measured: 5x slower training steps at load 12 on 2 cores).
  // Passive waiting costs little on an idle machine. Set before libgomp is loaded; a
  // user's own setting wins.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  const require = createRequire(import.meta.url);
  return require(file) as RawAddon;
}

export const addon: RawAddon = load();

/** Calls a native function, turning its errors into HourglassError('NATIVE'). */
export function callNative<T>(name: string, ...args: unknown[]): T {
  const fn = addon[name];
  if (typeof fn !== 'function') throw new HourglassError('NATIVE', `native function ${name} is missing: rebuild with npm run setup`);
  try {
    return fn(...args) as T;
  } catch (e) {
    throw new HourglassError('NATIVE', (e as Error).message);
  }
}
