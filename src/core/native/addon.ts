import { createRequire } from 'node:module';
import { HourglassError } from '../errors.js';
import { fixCommand, locateAddon, packageRoot } from './addon-location.js';

/**
 * Loads the compiled addon (a prebuilt binary or a source build: addon-location.ts). Typed
 * wrappers live beside this file, one per domain (gemm.ts, dense.ts, dense-chain.ts,
 * conv.ts, linalg.ts), all checking their arguments with check.ts; nothing else should
 * touch the raw module.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawAddon = Record<string, (...args: any[]) => any>;

const root = packageRoot();

function load(): RawAddon {
  // HOURGLASS_NATIVE_ADDON (for tests) points the loader at another file.
  const location = locateAddon(root, process.env.HOURGLASS_NATIVE_ADDON);
  if (!location.found) throw new HourglassError('NATIVE', `the native engine is not built: ${location.missing}; ${fixCommand(root)}`);
  // OpenMP's default busy-waiting makes every parallel region stall when the cores are
  // shared with other processes (measured: 5x slower training steps at load 12 on 2 cores).
  // Passive waiting costs little on an idle machine. Set before libgomp is loaded; a
  // user's own setting wins.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  const require = createRequire(import.meta.url);
  try {
    return require(location.file) as RawAddon;
  } catch (e) {
    // dlopen's message, e.g. "libdnnl.so.2: cannot open shared object file: No such file or directory".
    const reason = String((e as Error)?.message ?? e).split('\n')[0];
    throw new HourglassError('NATIVE', `the native engine could not be loaded: ${reason}; ${fixCommand(root)}`);
  }
}

export const addon: RawAddon = load();

/** Calls a native function, turning its errors into HourglassError('NATIVE'). */
export function callNative<T>(name: string, ...args: unknown[]): T {
  const fn = addon[name];
  if (typeof fn !== 'function') throw new HourglassError('NATIVE', `native function ${name} is missing from the loaded addon (an older build); ${fixCommand(root)}`);
  try {
    return fn(...args) as T;
  } catch (e) {
    throw new HourglassError('NATIVE', (e as Error).message);
  }
}
