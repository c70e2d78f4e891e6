// When the addon is missing or cannot be loaded, importing the library gives one
// HourglassError('NATIVE') naming what is missing and the command that fixes it:
// `npm run setup` in a clone, `npm rebuild @hourglass-ml/hourglass` inside node_modules.
// (test/package/tarball.test.ts shows the same on the installed tarball.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, copyFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PACKAGE_NAME } from '../src/core/package-name.js';
import { SOURCE_BUILD_NEEDS } from '../src/core/native/addon-location.js';

const run = promisify(execFile);
// Compiled tests run from dist/test.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const loader = path.join(repoRoot, 'dist/src/core/native/addon.js');

interface Seen {
  name: string;
  code: string;
  message: string;
}

/** Imports `loaderFile` in a fresh node and reports the error it throws. */
async function importError(loaderFile: string, env: NodeJS.ProcessEnv = {}): Promise<Seen> {
  const script = `import(${JSON.stringify(pathToFileURL(loaderFile).href)}).then(() => console.log('null'), (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env } });
  const seen = JSON.parse(stdout.trim()) as Seen | null;
  assert.ok(seen, 'the loader imported without error');
  return seen;
}

test('a file that fails to load: one HourglassError with the dlopen reason and `npm run setup` (clone)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-addon-'));
  try {
    const bad = path.join(dir, 'hourglass_native.node');
    await writeFile(bad, 'not a shared object');
    const e = await importError(loader, { HOURGLASS_NATIVE_ADDON: bad });
    assert.equal(e.name, 'HourglassError');
    assert.equal(e.code, 'NATIVE');
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.match(e.message, /^the native engine could not be loaded: .*hourglass_native\.node.*(invalid ELF header|file too short)/);
    assert.match(e.message, /run `npm run setup` in /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing file named by HOURGLASS_NATIVE_ADDON: one HourglassError naming it', async () => {
  const missing = path.join(tmpdir(), 'hourglass-no-such-dir', 'hourglass_native.node');
  const e = await importError(loader, { HOURGLASS_NATIVE_ADDON: missing });
  assert.equal(e.code, 'NATIVE');
  assert.ok(!e.message.includes('\n'));
  assert.equal(e.message, `the native engine is not built: ${missing} (HOURGLASS_NATIVE_ADDON) does not exist; run \`npm run setup\` in ${repoRoot}`);
});

test('inside node_modules with neither a prebuilt addon nor a build: both named, and `npm rebuild <name>`', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-pkg-'));
  try {
    // A fake installed package: the loader and its imports, without prebuilds/ and build/.
    const pkg = path.join(dir, 'node_modules', ...PACKAGE_NAME.split('/'));
    await mkdir(path.join(pkg, 'dist/src/core/native'), { recursive: true });
    await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: PACKAGE_NAME, type: 'module' }));
    await writeFile(path.join(pkg, 'binding.gyp'), '{}');
    for (const file of ['core/native/addon.js', 'core/native/addon-location.js', 'core/package-name.js', 'core/errors.js']) {
      await copyFile(path.join(repoRoot, 'dist/src', file), path.join(pkg, 'dist/src', file));
    }
    // node-gyp-build, which looks for the addon, resolves from the package as it would once installed.
    await symlink(path.join(repoRoot, 'node_modules', 'node-gyp-build'), path.join(dir, 'node_modules', 'node-gyp-build'), 'dir');
    const e = await importError(path.join(pkg, 'dist/src/core/native/addon.js'), { HOURGLASS_NATIVE_ADDON: '' });
    assert.equal(e.name, 'HourglassError');
    assert.equal(e.code, 'NATIVE');
    assert.ok(!e.message.includes('\n'));
    assert.equal(
      e.message,
      `the native engine is not built: no prebuilt addon for ${process.platform}-${process.arch} (${path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`)}) ` +
        `and no source build (${path.join(pkg, 'build/Release/hourglass_native.node')}); run \`npm rebuild ${PACKAGE_NAME}\` in ${dir}, ` +
        `after \`npm install-scripts approve ${PACKAGE_NAME}\` if npm skipped its install script (without a prebuilt binary for this platform it builds from source, which needs ${SOURCE_BUILD_NEEDS})`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
