// What the package is on the registry: its name everywhere a user meets it, the files its
// tarball carries (not tests, benchmarks or build leftovers), and the scripts that make it
// installable. test/package/tarball.test.ts installs the real tarball (npm run test:package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { PACKAGE_NAME } from '../src/core/package-name.js';
import { SOURCE_BUILD_NEEDS } from '../src/core/native/addon-location.js';

const run = promisify(execFile);
// Compiled tests run from dist/test.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Manifest {
  name: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  exports: Record<string, unknown>;
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(path.join(repoRoot, file), 'utf8')) as T;

test('one name: package.json, the lock file and the code agree; the command stays `hourglass`', async () => {
  const pkg = await readJson<Manifest>('package.json');
  const lock = await readJson<{ name: string; packages: Record<string, { name?: string; bin?: Record<string, string> }> }>('package-lock.json');
  assert.equal(pkg.name, PACKAGE_NAME);
  assert.equal(lock.name, PACKAGE_NAME);
  assert.equal(lock.packages[''].name, PACKAGE_NAME);
  assert.deepEqual(pkg.bin, { hourglass: 'dist/src/cli/bin.js' });
  assert.deepEqual(lock.packages[''].bin, pkg.bin);
});

test('the docs import the package by its registry name, and the README says how to install it', async () => {
  const docs = ['README.md', ...(await readdir(path.join(repoRoot, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  let seen = 0;
  for (const doc of docs) {
    const text = await readFile(path.join(repoRoot, doc), 'utf8');
    const imports = [...text.matchAll(/from '([^'.][^']*)'/g)].map((m) => m[1]);
    // The unscoped name is someone else's package on the registry.
    for (const specifier of imports) assert.ok(!/^hourglass(\/|$)/.test(specifier), `${doc} imports from '${specifier}', not '${PACKAGE_NAME}'`);
    seen += imports.filter((s) => s === PACKAGE_NAME).length;
  }
  assert.ok(seen >= 5, `only ${seen} package imports found in the docs`);
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  assert.ok(readme.includes(`npm install ${PACKAGE_NAME}\n`), 'README.md lacks the npm install line');
});

test('scripts: install keeps a prebuilt addon or builds one, prepare builds dist/, prepack ships the prebuilt', async () => {
  const { scripts } = await readJson<Manifest>('package.json');
  assert.equal(scripts.install, 'node scripts/install-addon.mjs');
  assert.equal(scripts.prepare, 'tsc -p .');
  assert.equal(scripts.prepack, 'bash scripts/prebuild.sh --if-stale');
  assert.ok(scripts['test:package'].includes('dist/test/package/'));
  // No script may be npm's pre-hook of another: `prebuild` would run before every `npm run build`.
  for (const name of Object.keys(scripts)) {
    if (name.startsWith('pre') && name !== 'prepare' && name !== 'prepack') assert.ok(!(name.slice(3) in scripts), `${name} runs before ${name.slice(3)}`);
  }
  // The install script runs before dist/ exists, so it repeats two texts of the loader's.
  const installer = await readFile(path.join(repoRoot, 'scripts/install-addon.mjs'), 'utf8');
  assert.ok(installer.includes(`'${SOURCE_BUILD_NEEDS}'`), 'scripts/install-addon.mjs names other build requirements than addon-location.ts');
  assert.ok(installer.includes(`const PACKAGE_NAME = '${PACKAGE_NAME}';`));
});

test('the tarball carries the library, the source build and the docs, never tests, benchmarks or build files', { timeout: 120_000 }, async () => {
  // --ignore-scripts: list what `files` selects without building (prepack, prepare).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, env, maxBuffer: 64 << 20 });
  const [packed] = JSON.parse(stdout) as { name: string; files: { path: string }[] }[];
  assert.equal(packed.name, PACKAGE_NAME);
  const files = packed.files.map((f) => f.path);
  for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'binding.gyp', 'scripts/install-addon.mjs', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/bin.js', 'proto/onnx.proto', 'web/scoring-page/page.html', 'dist/src/core/native/addon.js']) {
    assert.ok(files.includes(required), `the tarball lacks ${required}`);
  }
  const sources = (await readdir(path.join(repoRoot, 'native/src'))).map((f) => `native/src/${f}`);
  assert.deepEqual(sources.filter((f) => !files.includes(f)), [], 'the source build lacks native sources');
  const unwanted = files.filter((f) => /^(test|bench|build|docs|runs|scripts\/(?!install-addon\.mjs$))|^dist\/(?!src\/)|\.tsbuildinfo$|\.map$|^tsconfig|^\.ci\//.test(f));
  assert.deepEqual(unwanted, [], 'the tarball ships files users do not need');
});
