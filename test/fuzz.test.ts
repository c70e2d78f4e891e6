// The fuzz suite in npm test: a fixed seed and a budget of cases (about a minute on two
// shared cores). Every input format the tool reads is damaged in structured and random ways
// and read by the library (in a worker process) and by the CLI (one child per case); every
// case must end in success or a clean HourglassError. `npm run fuzz -- --minutes 30` runs
// the same generators for longer (test/fuzz/run-cases.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { DEFAULTS, describe, formatReport, runFuzz } from './fuzz/run-cases.js';
import { FORMATS } from './fuzz/formats.js';

const SEED = 14;
/** Per format: 80 in-process cases and 4 CLI cases; the seconds cap keeps a loaded machine within budget. */
const BUDGET = { libCases: 80 * FORMATS.length, cliCases: 4 * FORMATS.length, seconds: 50 };

test('fuzzed inputs of every format end in success or a one-line HourglassError, in-process and through the CLI', { timeout: 180_000 }, async () => {
  const saveDir = path.join(os.tmpdir(), `hourglass-fuzz-failures-${process.pid}`);
  const report = await runFuzz({ seed: SEED, ...BUDGET, ...DEFAULTS, saveDir });
  console.log(`fuzz, seed ${SEED}:\n${formatReport(report)}`);
  for (const r of report.known) console.log(`known failure: ${describe(r, SEED)}`);
  assert.deepEqual(report.failures.map((r) => describe(r, SEED)), [], `failing inputs are saved in ${saveDir}`);
  // The budget must have reached every format on both paths, and produced both kinds of good outcome.
  for (const f of FORMATS) {
    const total = Object.values(report.counts[f.format]).reduce((a, b) => a + b, 0);
    assert.ok(total >= 10, `${f.format}: only ${total} cases ran`);
  }
  assert.ok(report.cases.cli >= FORMATS.length, `only ${report.cases.cli} CLI cases ran`);
  const all = Object.values(report.counts).flatMap((c) => Object.entries(c));
  assert.ok(all.some(([o, n]) => o === 'ok' && n > 0) && all.some(([o, n]) => o === 'rejected' && n > 0), 'cases both succeed and are rejected');
});
