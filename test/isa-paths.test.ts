// The narrower instruction-set paths, tested on whatever machine runs the tests: the kernels'
// level is fixed per process (HOURGLASS_MAX_ISA, read once), so each forced level runs in a child
// process. Each child runs every hand-written kernel (test/support/isa-probe.ts) and the kernel
// test files themselves; results must match the default path's within float32 rounding of a
// different summation order or FMA contraction, and the level in force must be the one asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuCapabilities, ISA_LEVELS, type CpuCapabilities, type IsaLevel } from '../src/core/cpu-capabilities.js';
import { cliRunner } from './support/cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const probe = path.join(here, 'support/isa-probe.js');
const KERNEL_TEST_FILES = ['native-dense.test.js', 'dense-chain.test.js'].map((f) => path.join(here, f));

interface ProbeOutput {
  capabilities: CpuCapabilities;
  results: Record<string, number[]>;
  bfloat16Error: string | null;
}

/** The environment of a child: ours without any cap, plus `cap` when given. */
function childEnv(cap?: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.HOURGLASS_MAX_ISA;
  delete env.NODE_TEST_CONTEXT; // else a child `node --test` reports to our runner, not to its stdout
  if (cap !== undefined) env.HOURGLASS_MAX_ISA = cap;
  return env;
}

function runProbe(cap?: string): ProbeOutput {
  const r = spawnSync(process.execPath, [probe], { encoding: 'utf8', env: childEnv(cap), maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `probe with HOURGLASS_MAX_ISA=${cap ?? '(unset)'} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeOutput;
}

const rank = (level: IsaLevel) => ISA_LEVELS.length - ISA_LEVELS.indexOf(level);
const detected = cpuCapabilities().detectedLevel;
const reference = process.env.HOURGLASS_MAX_ISA ? null : runProbe();

for (const level of ['avx2', 'baseline'] as const) {
  const skip = rank(level) > rank(detected) ? `this CPU has no ${level}` : process.env.HOURGLASS_MAX_ISA ? 'HOURGLASS_MAX_ISA is set for the whole run' : false;

  test(`HOURGLASS_MAX_ISA=${level}: the kernels and oneDNN run at ${level}, and bfloat16 reports itself unavailable`, { skip }, () => {
    const { capabilities: c, bfloat16Error } = runProbe(level);
    assert.equal(c.level, level);
    assert.equal(c.detectedLevel, detected);
    assert.equal(c.cap, level);
    assert.equal(c.capError, null);
    assert.equal(c.onednnIsa, level === 'avx2' ? 'avx2' : 'sse41');
    assert.equal(c.bfloat16, false);
    assert.match(c.bfloat16Reason!, new RegExp(`HOURGLASS_MAX_ISA=${level} keeps this process below AVX-512`));
    assert.match(bfloat16Error ?? '', new RegExp(`bfloat16 training needs a CPU with bfloat16 matrix products.*HOURGLASS_MAX_ISA=${level}`));
  });

  test(`HOURGLASS_MAX_ISA=${level}: every kernel matches the default path`, { skip }, () => {
    const forced = runProbe(level).results;
    assert.deepEqual(Object.keys(forced), Object.keys(reference!.results));
    for (const [name, expected] of Object.entries(reference!.results)) {
      const actual = forced[name];
      assert.equal(actual.length, expected.length, name);
      // Normwise: the largest difference against the largest value. Element-wise kernels differ
      // at most by FMA contraction, products by their summation order: a few float32 ulps.
      const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const worst = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
      assert.ok(worst <= 2e-6 * scale, `${name}: differs by ${worst} (largest value ${scale})`);
    }
  });

  test(`HOURGLASS_MAX_ISA=${level}: the kernel test files pass`, { skip }, () => {
    const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...KERNEL_TEST_FILES], { encoding: 'utf8', env: childEnv(level) });
    assert.equal(r.status, 0, `kernel tests at ${level} failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /# fail 0/);
  });
}

test('a cap above the CPU changes nothing; the default is the detected level', () => {
  if (reference) assert.equal(reference.capabilities.level, detected);
  const above = runProbe('avx512').capabilities;
  assert.equal(above.level, detected);
  assert.equal(above.capError, null);
});

test('an unknown HOURGLASS_MAX_ISA: loading works, every engine call then fails with a clear message, and `hourglass info` exits 1', () => {
  const script = `
    const { cpuCapabilities, getThreads, HourglassError } = await import(${JSON.stringify(path.resolve(here, '../src/index.js'))});
    const c = cpuCapabilities();
    let error = null;
    try { getThreads(); } catch (e) { error = { isHourglass: e instanceof HourglassError, code: e.code, message: e.message }; }
    process.stdout.write(JSON.stringify({ capError: c.capError, error }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: childEnv('avx3') });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { capError: string; error: { isHourglass: boolean; code: string; message: string } };
  const expected = "HOURGLASS_MAX_ISA must be avx512, avx2 or baseline, got 'avx3': correct it or unset it";
  assert.equal(out.capError, expected);
  assert.deepEqual(out.error, { isHourglass: true, code: 'NATIVE', message: `hourglass native: ${expected}` });

  const cli = spawnSync(process.execPath, [path.resolve(here, '../src/cli/main.js'), 'info'], { encoding: 'utf8', env: childEnv('avx3') });
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, /^hourglass: error: .*HOURGLASS_MAX_ISA must be avx512, avx2 or baseline, got 'avx3'/m);
});

test('`hourglass info` shows the features, the level in force and oneDNN\'s ISA; --json gives cpuCapabilities()', () => {
  const info = cliRunner(process.cwd());
  const text = info('info');
  assert.equal(text.code, 0, text.stderr);
  const c = cpuCapabilities();
  assert.match(text.stdout, /^features: avx2 (yes|no), fma (yes|no), avx512f (yes|no), avx512_bf16 (yes|no), amx (yes|no)$/m);
  assert.match(text.stdout, new RegExp(`^engine: kernels ${c.level}.*, oneDNN ${c.onednnIsa}, bfloat16 training (available|not available)$`, 'm'));
  const json = JSON.parse(info('info', '--json').stdout) as CpuCapabilities & { cpu: string };
  assert.equal(typeof json.cpu, 'string');
  assert.deepEqual({ ...json, cpu: undefined, logicalCores: undefined }, { ...c, cpu: undefined, logicalCores: undefined });
});
