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
const roots = [path.resolve(here, '../../../..'), path.resolve(here, '../../..')];
const candidates = roots.map((root) => path.join(root, 'build/Release/hourglass_native.node'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawAddon = Record<string, (...args: any[]) => any>;

/**
 * The command that builds the addon: inside node_modules (an installed package),
 * `npm rebuild hourglass`; in a clone, `npm run setup` (installs libdnnl-dev and builds).
 */
export function fixCommand(packageRoot: string): string {
  return packageRoot.split(/[\\/]/).includes('node_modules') ? 'npm rebuild hourglass' : 'npm run setup';
}

function load(): RawAddon {
  // HOURGLASS_NATIVE_ADDON (for tests) points the loader at another file.
  const override = process.env.HOURGLASS_NATIVE_ADDON;
  const file = override ? path.resolve(override) : (candidates.find((c) => existsSync(c)) ?? candidates[0]);
  const packageRoot = roots[candidates.indexOf(file)] ?? roots[0];
  const fix = fixCommand(packageRoot);
  if (!existsSync(file))
    throw new HourglassError('NATIVE', `the native engine is not built: ${file} is missing; run \`${fix}\` in ${packageRoot} to build it`);
  // OpenMP's default busy-waiting makes every parallel region stall when the cores are
  // shared with other processes (measured: 5x slower training steps at load 12 on 2 cores).
  // Passive waiting costs little on an idle machine. Set before libgomp is loaded; a
  // user's own setting wins.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  const require = createRequire(import.meta.url);
  try {
    return require(file) as RawAddon;
  } catch (e) {
    // dlopen's message, e.g. "libdnnl.so.3: cannot open shared object file: No such file or directory".
    const reason = String((e as Error)?.message ?? e).split('\n')[0];
    throw new HourglassError('NATIVE', `the native engine could not be loaded: ${reason}; run \`${fix}\` in ${packageRoot} to rebuild it`);
  }
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
