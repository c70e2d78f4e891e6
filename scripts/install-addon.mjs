#!/usr/bin/env node
// The package's install script. node-gyp-build keeps the prebuilt addon when it loads on this
// machine (prebuilds/linux-x64, glibc 2.34 or newer) and otherwise builds from source with
// node-gyp, as better-sqlite3 and other native packages do. A failed source build prints the
// compiler's complaint; this adds the one line that says what to install and what to rerun.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

// The same text as SOURCE_BUILD_NEEDS in src/core/native/addon-location.ts (a test keeps them
// equal): this script runs before dist/ exists in a clone, so it cannot import it.
const SOURCE_BUILD_NEEDS =
  'a C++ compiler, make, python3 and the oneDNN, LAPACKE and OpenBLAS headers (Debian/Ubuntu: apt-get install g++ make python3 libdnnl-dev liblapacke-dev libopenblas-dev)';
const PACKAGE_NAME = '@hourglass-ml/hourglass';

const require = createRequire(import.meta.url);
const result = spawnSync(process.execPath, [require.resolve('node-gyp-build/bin.js')], { stdio: 'inherit' });
if (result.status !== 0) {
  const platform = `${process.platform}-${process.arch}`;
  const prebuilt =
    process.env.npm_config_build_from_source === 'true'
      ? 'a build from source was asked for (--build-from-source)'
      : platform === 'linux-x64'
        ? 'the prebuilt addon for linux-x64 does not load here (it needs glibc 2.34 or newer)'
        : `there is no prebuilt addon for ${platform}`;
  console.error(
    `hourglass: the native addon could not be installed: ${prebuilt}, and building it from source failed. ` +
      `A source build needs ${SOURCE_BUILD_NEEDS}; install them, then run \`npm rebuild ${PACKAGE_NAME}\`.`,
  );
  process.exit(result.status ?? 1);
}
