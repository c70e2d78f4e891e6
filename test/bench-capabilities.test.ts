// The benchmarks' capability decisions (bench/capabilities.ts): a CPU without bfloat16 is a
// "not available" row, never a crash, and the /proc/cpuinfo parsing behind the CPU line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avx2PathAvailability, bf16FailureIn, bf16Precheck, envCount, notAvailable, parseCpuModel, quickRun, runIfAvailable } from '../bench/capabilities.js';
import { resultsDir, WorkerError } from '../bench/common.js';

const ENGINE_MESSAGE = 'bfloat16 training needs a CPU with bfloat16 matrix products (AVX512-BF16 or AMX): could not create a primitive descriptor';

const WITH_BF16 = { bfloat16: true, bfloat16Reason: null };

test('HOURGLASS_BENCH_FORCE_NO_BF16=1 makes bfloat16 unavailable without running anything', async () => {
  assert.deepEqual(bf16Precheck({}, WITH_BF16), { available: true });
  assert.deepEqual(bf16Precheck({ HOURGLASS_BENCH_FORCE_NO_BF16: '0' }, WITH_BF16), { available: true });
  const forced = bf16Precheck({ HOURGLASS_BENCH_FORCE_NO_BF16: '1' }, WITH_BF16);
  assert.equal(forced.available, false);
  let ran = false;
  const outcome = await runIfAvailable(forced, async () => (ran = true));
  assert.equal(ran, false);
  assert.deepEqual(outcome, { ok: false, reason: 'forced by HOURGLASS_BENCH_FORCE_NO_BF16=1' });
  assert.equal(notAvailable('forced by HOURGLASS_BENCH_FORCE_NO_BF16=1'), 'not available on this CPU (forced by HOURGLASS_BENCH_FORCE_NO_BF16=1)');
});

test('bfloat16 is a "not available" row when the engine has no bfloat16 products (the CPU, or HOURGLASS_MAX_ISA)', () => {
  const reason = 'oneDNN has no bfloat16 matrix product here (could not create a primitive descriptor iterator); HOURGLASS_MAX_ISA=avx2 keeps this process below AVX-512';
  assert.deepEqual(bf16Precheck({}, { bfloat16: false, bfloat16Reason: reason }), { available: false, reason });
});

test('the AVX2-path row runs only where it differs from the default row', () => {
  assert.deepEqual(avx2PathAvailability({ level: 'avx512', detectedLevel: 'avx512' }), { available: true });
  assert.deepEqual(avx2PathAvailability({ level: 'avx2', detectedLevel: 'avx2' }), { available: false, reason: 'the float32 row already runs avx2 kernels' });
  assert.deepEqual(avx2PathAvailability({ level: 'avx2', detectedLevel: 'avx512' }), { available: false, reason: 'the float32 row already runs avx2 kernels' });
  assert.deepEqual(avx2PathAvailability({ level: 'baseline', detectedLevel: 'baseline' }), { available: false, reason: 'no AVX2 and FMA' });
});

test("the engine's bfloat16 failure in a worker's stderr becomes an unavailable row", async () => {
  const stderr = `file:///x/dist/src/core/native/dense-chain.js:12\nHourglassError: ${ENGINE_MESSAGE}\n    at callNative (...)\n`;
  const outcome = await runIfAvailable({ available: true }, () => Promise.reject(new WorkerError('node worker exited with 1', stderr)));
  assert.deepEqual(outcome, { ok: false, reason: ENGINE_MESSAGE });
  assert.equal(bf16FailureIn('something else'), null);
});

test('any other worker failure still fails the benchmark, its stderr printed', async () => {
  const printed: string[] = [];
  const failure = new WorkerError('node worker exited with 1', 'RangeError: out of memory\n');
  await assert.rejects(runIfAvailable({ available: true }, () => Promise.reject(failure), (t) => printed.push(t)), failure);
  assert.deepEqual(printed, ['RangeError: out of memory\n']);
});

test('a successful run passes its result through', async () => {
  assert.deepEqual(await runIfAvailable({ available: true }, async () => 42), { ok: true, result: 42 });
});

test('/proc/cpuinfo: the first model name, else the fallback', () => {
  const text = 'processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu sse avx2\n\nprocessor\t: 1\nmodel name\t: other\n';
  assert.equal(parseCpuModel(text, 'fallback'), 'AMD EPYC 9R14');
  assert.equal(parseCpuModel('', 'Apple M2'), 'Apple M2');
  assert.equal(parseCpuModel('', ''), 'unknown CPU');
});

test('bench count knobs: unset is the default, anything but a positive integer is an error', () => {
  assert.equal(envCount({}, 'HOURGLASS_BENCH_EPOCHS', 20), 20);
  assert.equal(envCount({ HOURGLASS_BENCH_EPOCHS: '2' }, 'HOURGLASS_BENCH_EPOCHS', 20), 2);
  assert.throws(() => envCount({ HOURGLASS_BENCH_EPOCHS: '0' }, 'HOURGLASS_BENCH_EPOCHS', 20), /positive integer/);
  assert.throws(() => envCount({ HOURGLASS_BENCH_EPOCHS: 'x' }, 'HOURGLASS_BENCH_EPOCHS', 20), /positive integer/);
});

test('HOURGLASS_BENCH_QUICK=1: unset knobs take the smoke run\'s values, set ones win, and results go to bench/results/quick', () => {
  const quick = { HOURGLASS_BENCH_QUICK: '1' };
  assert.equal(quickRun(quick), true);
  assert.equal(quickRun({ HOURGLASS_BENCH_QUICK: '0' }), false);
  assert.equal(envCount(quick, 'HOURGLASS_BENCH_EPOCHS', 20), 1);
  assert.equal(envCount(quick, 'HOURGLASS_BENCH_CONV_SAMPLES', 8192), 256);
  assert.equal(envCount({ ...quick, HOURGLASS_BENCH_EPOCHS: '3' }, 'HOURGLASS_BENCH_EPOCHS', 20), 3);
  assert.equal(envCount(quick, 'HOURGLASS_BENCH_SERVE_CONNECTIONS', 64), 64, 'a knob without a quick value keeps its default');
  assert.equal(envCount({}, 'HOURGLASS_BENCH_SERVE_SECONDS', 10), 10);
  const before = process.env.HOURGLASS_BENCH_QUICK;
  try {
    process.env.HOURGLASS_BENCH_QUICK = '1';
    assert.match(resultsDir(), /bench\/results\/quick$/);
    delete process.env.HOURGLASS_BENCH_QUICK;
    assert.match(resultsDir(), /bench\/results$/);
  } finally {
    if (before === undefined) delete process.env.HOURGLASS_BENCH_QUICK;
    else process.env.HOURGLASS_BENCH_QUICK = before;
  }
});
