// The packed package, as a user gets it: `npm pack`, install the tarball into a fresh project,
// and, with the system's oneDNN, LAPACKE, LAPACK/BLAS/OpenBLAS, OpenMP and Fortran runtimes
// made invisible to the loader (test/package/without-system-libs.sh), check that ldd resolves
// every library of the installed addon inside the package (or to glibc/libstdc++), that the
// README's "Use it in your project" example trains there to a finite loss, and that without
// any addon the import fails with one line naming what is missing and the fix.
//
// Minutes (a fresh prebuilt binary when native/src changed, the install of sharp and the
// rest): run by `npm run test:package` (HOURGLASS_TEST_PACKAGE=1), which .ci/run calls after
// `npm test`; plain `npm test` reports it skipped. HOURGLASS_KEEP_PACKAGE_TEST=1 keeps the
// temporary folder for a look.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { PACKAGE_NAME } from '../../src/core/package-name.js';
import { SOURCE_BUILD_NEEDS } from '../../src/core/native/addon-location.js';

// Compiled tests run from dist/test/package.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const hideScript = path.join(repoRoot, 'test/package/without-system-libs.sh');
const enabled = process.env.HOURGLASS_TEST_PACKAGE === '1';

/** What the prebuilt addon bundles; the system's copies of these are hidden. */
const HIDDEN_STEMS = ['libdnnl', 'liblapacke', 'liblapack', 'libblas', 'libopenblas', 'libgomp', 'libgfortran', 'libquadmath', 'libtmglib', 'libOpenCL'];
/** What every glibc Node process has: the only libraries allowed to resolve outside the package. */
const BASELINE = /^(linux-vdso|ld-linux-x86-64|libc|libm|libdl|libpthread|librt|libresolv|libutil|libmvec|libstdc\+\+|libgcc_s)\.so/;

interface Ran {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs a command without the npm_* variables `npm run` hands its scripts (the inner npm would
 * read them as its own configuration, e.g. the clone as its prefix) and without
 * HOURGLASS_NATIVE_ADDON; never throws, the caller asserts on the outcome.
 */
function run(command: string, args: string[], options: { cwd: string; timeoutSeconds: number; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'HOURGLASS_NATIVE_ADDON' && k !== 'INIT_CWD'));
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: { ...env, ...options.env }, timeout: options.timeoutSeconds * 1000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : error.killed ? -1 : 1) : 0;
        resolve({ stdout, stderr: error?.killed ? `${stderr}\n(killed after ${options.timeoutSeconds} s)` : stderr, code });
      },
    );
  });
}

/** The outcome, for an assertion message: the command's last lines of output. */
function tail(r: Ran): string {
  return `exit ${r.code}\n${(r.stdout + '\n' + r.stderr).trim().split('\n').slice(-25).join('\n')}`;
}

/** The README's "Use it in your project" example, TypeScript turned into the JavaScript a user's build would run. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use it in your project'));
  assert.ok(section, 'README.md has no "## Use it in your project" section');
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the "Use it in your project" section has no ```ts block');
  return ts.transpileModule(block[1], { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
}

const IMPORT_ERROR = `import(${JSON.stringify(PACKAGE_NAME)}).then(() => console.log('null'), (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })));`;

test('the packed tarball installs into a fresh project and trains with the system libraries hidden', { skip: enabled ? false : 'run by `npm run test:package`', timeout: 25 * 60_000 }, async (t: TestContext) => {
  assert.equal(`${process.platform}-${process.arch}`, 'linux-x64', 'the prebuilt addon is made and tested on linux-x64');
  const work = await mkdtemp(path.join(tmpdir(), 'hourglass-package-'));
  const project = path.join(work, 'project');
  const installed = path.join(project, 'node_modules', ...PACKAGE_NAME.split('/'));
  const prebuilds = path.join(installed, 'prebuilds', 'linux-x64');
  // Inside the namespace that hides the system's libraries (its empty stand-in file lives in
  // `work`). Where no mount namespace can be made (no user namespaces, not root),
  // HOURGLASS_TEST_PACKAGE_NO_HIDING=1 runs without it: ldd and /proc/self/maps still show
  // whose copies load, but a library the bundle lacks would not be noticed.
  const noHiding = process.env.HOURGLASS_TEST_PACKAGE_NO_HIDING === '1';
  const hidden = async (args: string[], timeoutSeconds: number): Promise<Ran> => {
    if (noHiding) return run(args[0], args.slice(1), { cwd: project, timeoutSeconds });
    const r = await run('bash', [hideScript, HIDDEN_STEMS.join(','), '--', ...args], { cwd: project, timeoutSeconds, env: { TMPDIR: work } });
    assert.notEqual(r.code, 3, `${r.stderr.trim()}: allow unprivileged user namespaces, run as root, or set HOURGLASS_TEST_PACKAGE_NO_HIDING=1 for a weaker test`);
    return r;
  };
  if (noHiding) t.diagnostic('HOURGLASS_TEST_PACKAGE_NO_HIDING=1: the system libraries stay visible');
  try {
    let tarball = '';
    await t.test('npm pack: the tarball carries the prebuilt addon and its libraries, not tests or build files', async () => {
      // prepack refreshes prebuilds/ when native/src changed (scripts/prebuild.sh --if-stale), prepare builds dist/.
      const r = await run('npm', ['pack', '--pack-destination', work], { cwd: repoRoot, timeoutSeconds: 900 });
      assert.equal(r.code, 0, `npm pack failed: ${tail(r)}`);
      const name = (await readdir(work)).find((f) => f.endsWith('.tgz'));
      assert.ok(name, 'npm pack wrote no .tgz');
      tarball = path.join(work, name);
      const listing = await run('tar', ['-tzf', tarball], { cwd: work, timeoutSeconds: 60 });
      const files = listing.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
      for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'binding.gyp', 'scripts/install-addon.mjs', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/bin.js', 'proto/onnx.proto', 'web/scoring-page/page.html', 'native/src/addon.cc', 'prebuilds/linux-x64/hourglass_native.glibc.node', 'prebuilds/linux-x64/libdnnl.so.2', 'prebuilds/linux-x64/BUNDLED.txt']) {
        assert.ok(files.includes(required), `the tarball lacks ${required}`);
      }
      const unwanted = files.filter((f) => /^(test|bench|build|dist\/test|dist\/bench|docs|runs)\/|\.tsbuildinfo$|\.map$|^tsconfig|^\.ci\//.test(f));
      assert.deepEqual(unwanted, [], 'the tarball ships files users do not need');
      const mb = (await stat(tarball)).size / 2 ** 20;
      t.diagnostic(`${name}: ${mb.toFixed(1)} MB, ${files.length} files (${files.filter((f) => f.startsWith('dist/src/')).length} in dist/src, ${files.filter((f) => f.startsWith('prebuilds/')).length} in prebuilds, ${files.filter((f) => f.startsWith('native/')).length} in native)`);
    });

    await t.test('npm install <tarball>, system libraries hidden: the install script keeps the prebuilt addon (no compiler run)', async () => {
      await mkdir(project);
      // npm 11 runs a dependency's install script only when the project allows it; allowing it
      // here tests the script too (node-gyp-build must find the prebuilt loadable, or it would
      // compile). Without the approval nothing runs and the prebuilt is loaded all the same.
      // A tarball dependency is approved by its absolute file: spec, as `npm install-scripts
      // approve` writes it (a registry one by its name).
      const manifest = {
        name: 'hourglass-package-test', private: true, type: 'module',
        dependencies: { [PACKAGE_NAME]: `file:../${path.basename(tarball)}` },
        allowScripts: { [`file:${tarball}`]: true },
      };
      await writeFile(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
      const r = await hidden(['npm', 'install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], 600);
      assert.equal(r.code, 0, `npm install of the tarball failed: ${tail(r)}`);
      assert.match(r.stdout, /> node scripts\/install-addon\.mjs/, `the package's install script did not run: ${tail(r)}`);
      assert.ok(existsSync(path.join(prebuilds, 'hourglass_native.glibc.node')), 'the installed package has no prebuilt addon');
      assert.ok(!existsSync(path.join(installed, 'build')), 'the install script built from source although the prebuilt addon loads');
      // What npm says about scripts it skipped is about other packages (sharp's and protobufjs's), never this one.
      const warnings = r.stderr.split('\n').filter((l) => /npm warn/i.test(l));
      for (const line of warnings) t.diagnostic(line);
      // Anything else (an engine mismatch, a deprecation) is what every user of the package sees too.
      assert.deepEqual(warnings.filter((l) => !/npm warn install-scripts/.test(l)), [], 'npm warned about more than unapproved install scripts: every user of the package sees this');
      assert.deepEqual(warnings.filter((l) => l.includes(PACKAGE_NAME)), [], 'npm warned about this package');
    });

    await t.test('ldd: every library of the installed addon resolves inside the package or to glibc/libstdc++', async () => {
      const r = await hidden(['ldd', path.join(prebuilds, 'hourglass_native.glibc.node')], 60);
      assert.equal(r.code, 0, `ldd failed: ${tail(r)}`);
      for (const line of `${r.stderr.trim()}\n${r.stdout.trimEnd()}`.split('\n')) t.diagnostic(line.replace(/\t/g, '  '));
      const resolved = r.stdout.split('\n').map((l) => /^\s*(\S+) => (.*?)(?: \(0x[0-9a-f]+\))?$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
      assert.ok(resolved.length >= 5, `ldd listed too little:\n${r.stdout}`);
      for (const [, soname, where] of resolved) {
        if (BASELINE.test(soname)) continue;
        assert.ok(where.startsWith(prebuilds + path.sep), `${soname} resolves to ${where}, outside the package`);
      }
      assert.ok(resolved.some(([, soname]) => soname.startsWith('libdnnl')), 'the addon does not link oneDNN');
    });

    await t.test("the README's example trains to a finite loss, its libraries loaded from the package", async () => {
      await writeFile(path.join(project, 'train.mjs'), await readmeExample());
      const r = await hidden([process.execPath, 'train.mjs'], 300);
      assert.equal(r.code, 0, `the example failed: ${tail(r)}`);
      t.diagnostic(r.stdout.trim());
      const loss = /loss ([^\s,]+)/.exec(r.stdout);
      assert.ok(loss, `the example printed no loss:\n${r.stdout}`);
      assert.ok(Number.isFinite(Number(loss[1])), `the loss is not a finite number: ${loss[1]}`);
      // Which files the process mapped: each bundled library must be the package's copy.
      await writeFile(
        path.join(project, 'loaded-libraries.mjs'),
        `await import(${JSON.stringify(PACKAGE_NAME)});\nconst maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8');\nconsole.log(JSON.stringify([...new Set(maps.split('\\n').map((l) => l.split(/\\s+/)[5]).filter((p) => p && p.includes('.so')))]));\n`,
      );
      const m = await hidden([process.execPath, 'loaded-libraries.mjs'], 60);
      assert.equal(m.code, 0, tail(m));
      const loaded = JSON.parse(m.stdout.trim()) as string[];
      const bundled = loaded.filter((p) => HIDDEN_STEMS.some((s) => path.basename(p).startsWith(s)));
      assert.ok(bundled.length >= HIDDEN_STEMS.length, `only these bundled libraries were loaded: ${bundled.join(', ')}`);
      for (const p of bundled) assert.ok(p.startsWith(prebuilds + path.sep), `${p} was loaded from outside the package`);
    });

    await t.test("the installed `hourglass` command exports the example's model to ONNX (files dist/src reads at run time are shipped)", async () => {
      const r = await hidden([path.join(project, 'node_modules', '.bin', 'hourglass'), 'export', '--model', 'model.safetensors', '--out', 'model.onnx'], 120);
      assert.equal(r.code, 0, `hourglass export failed: ${tail(r)}`);
      const size = (await stat(path.join(project, 'model.onnx'))).size;
      assert.ok(size > 1000, `model.onnx has only ${size} bytes`);
      t.diagnostic(`hourglass export: model.onnx, ${size} bytes`);
    });

    await t.test('a bundled library missing: one line with the loader reason and `npm rebuild`', { skip: noHiding && 'the system copy would stand in' }, async () => {
      await rename(path.join(prebuilds, 'libdnnl.so.2'), path.join(prebuilds, 'libdnnl.so.2.off'));
      const r = await hidden([process.execPath, '--input-type=module', '-e', IMPORT_ERROR], 60);
      await rename(path.join(prebuilds, 'libdnnl.so.2.off'), path.join(prebuilds, 'libdnnl.so.2'));
      const e = JSON.parse(r.stdout.trim()) as { name: string; code: string; message: string } | null;
      assert.ok(e, 'the package imported without its oneDNN');
      t.diagnostic(e.message);
      assert.equal(e.code, 'NATIVE');
      assert.ok(!e.message.includes('\n'), 'one line');
      // The loader's reason: no libdnnl.so.2 anywhere, or (here) the system's hidden, empty copy.
      assert.match(e.message, /^the native engine could not be loaded: (\S*\/)?libdnnl\.so\.2: (cannot open shared object file|file too short)/);
      assert.ok(e.message.includes(`; run \`npm rebuild ${PACKAGE_NAME}\` in ${project}, after \`npm install-scripts approve ${PACKAGE_NAME}\``), e.message);
    });

    await t.test('no addon at all (no prebuilt, no build/): one line naming both and the command that fixes it', async () => {
      await rename(path.join(installed, 'prebuilds'), path.join(installed, 'prebuilds.off'));
      const r = await hidden([process.execPath, '--input-type=module', '-e', IMPORT_ERROR], 60);
      const cli = await hidden([path.join(project, 'node_modules', '.bin', 'hourglass'), '--version'], 60);
      await rename(path.join(installed, 'prebuilds.off'), path.join(installed, 'prebuilds'));
      const e = JSON.parse(r.stdout.trim()) as { name: string; code: string; message: string } | null;
      assert.ok(e, 'the package imported without any addon');
      t.diagnostic(e.message);
      assert.equal(e.name, 'HourglassError');
      assert.equal(e.code, 'NATIVE');
      assert.equal(
        e.message,
        `the native engine is not built: no prebuilt addon for linux-x64 (${prebuilds}) and no source build (${path.join(installed, 'build/Release/hourglass_native.node')}); ` +
          `run \`npm rebuild ${PACKAGE_NAME}\` in ${project}, after \`npm install-scripts approve ${PACKAGE_NAME}\` if npm skipped its install script (without a prebuilt binary for this platform it builds from source, which needs ${SOURCE_BUILD_NEEDS})`,
      );
      // The command line says the same in one line, not a stack trace.
      assert.equal(cli.code, 1, tail(cli));
      assert.equal(cli.stderr.replace(/^without-system-libs: .*\n/m, ''), `hourglass: error: ${e.message}\n`);
    });

    await t.test('`npm rebuild <name>`, the command the errors name, keeps the prebuilt addon', async () => {
      const r = await hidden(['npm', 'rebuild', '--foreground-scripts', PACKAGE_NAME], 600);
      assert.equal(r.code, 0, `npm rebuild failed: ${tail(r)}`);
      assert.match(r.stdout, /> node scripts\/install-addon\.mjs/, `npm rebuild did not run the install script: ${tail(r)}`);
      assert.ok(!existsSync(path.join(installed, 'build')), 'npm rebuild compiled from source although the prebuilt addon loads');
    });
  } finally {
    if (process.env.HOURGLASS_KEEP_PACKAGE_TEST === '1') t.diagnostic(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
});
