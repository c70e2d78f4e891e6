import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { PACKAGE_NAME } from '../package-name.js';

/**
 * Where the compiled addon is and, when it is not there or does not load, what to tell the
 * user. Two ways to have one: a prebuilt binary shipped in the package
 * (prebuilds/<platform>-<arch>/*.node, with the shared libraries it needs beside it, found
 * through its `$ORIGIN` rpath), or a source build (build/Release/hourglass_native.node, by
 * node-gyp). node-gyp-build chooses, preferring a source build, exactly as the package's
 * install script (`node-gyp-build`) decided which of the two to keep.
 */

/** The addon's file name in a source build (binding.gyp's target_name). */
export const SOURCE_BUILD = 'build/Release/hourglass_native.node';

/** What a source build needs, named the way a user can install it (Debian/Ubuntu packages). */
export const SOURCE_BUILD_NEEDS =
  'a C++ compiler, make, python3 and the oneDNN, LAPACKE and OpenBLAS headers (Debian/Ubuntu: apt-get install g++ make python3 libdnnl-dev liblapacke-dev libopenblas-dev)';

/**
 * The package's root: the first directory upwards from this file with hourglass's
 * package.json (dist/src/core/native runs four levels down, src/core/native three).
 */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  const candidates = [path.resolve(from, '../../..'), path.resolve(from, '../../../..')];
  return candidates.find((dir) => existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'binding.gyp'))) ?? candidates[1];
}

/**
 * The command that gives `root` a working addon, and where to run it. In a clone,
 * `npm run setup` (it installs the Debian packages and builds). Installed under
 * node_modules, `npm rebuild <name>` from the project that installed it (or `-g` for a
 * global install), which reruns the install script: the prebuilt binary when one loads,
 * else a source build. Global installs take `--allow-scripts` for npm's approval instead.
 */
export function fixCommand(root: string): string {
  const parts = root.split(path.sep);
  const at = parts.indexOf('node_modules');
  if (at < 0) return `run \`npm run setup\` in ${root}`;
  const project = parts.slice(0, at).join(path.sep) || path.sep;
  // A global install lives in <prefix>/lib/node_modules, with the commands in <prefix>/bin.
  const global = path.basename(project) === 'lib' && existsSync(path.join(path.dirname(project), 'bin'));
  const rebuild = global ? `npm rebuild -g --allow-scripts=${PACKAGE_NAME} ${PACKAGE_NAME}` : `npm rebuild ${PACKAGE_NAME}`;
  // npm 11 runs a dependency's install script only once the project approves it (allowScripts).
  const approve = global ? '' : `, after \`npm install-scripts approve ${PACKAGE_NAME}\` if npm skipped its install script`;
  return `run \`${rebuild}\`${global ? '' : ` in ${project}`}${approve} (without a prebuilt binary for this platform it builds from source, which needs ${SOURCE_BUILD_NEEDS})`;
}

export type AddonLocation = { found: true; file: string } | { found: false; missing: string };

/**
 * The addon file to load. `override` (HOURGLASS_NATIVE_ADDON) names one directly; otherwise
 * node-gyp-build looks for a source build, then a prebuilt binary for this platform.
 */
export function locateAddon(root: string, override: string | undefined): AddonLocation {
  if (override) {
    const file = path.resolve(override);
    return existsSync(file) ? { found: true, file } : { found: false, missing: `${file} (HOURGLASS_NATIVE_ADDON) does not exist` };
  }
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  try {
    return { found: true, file: nodeGypBuild.resolve(root) };
  } catch {
    const platform = `${process.platform}-${process.arch}`;
    return {
      found: false,
      missing: `no prebuilt addon for ${platform} (${path.join(root, 'prebuilds', platform)}) and no source build (${path.join(root, SOURCE_BUILD)})`,
    };
  }
}
