// Every native addon entry point, called wrongly in every way the table knows (no arguments,
// wrong types, plain Arrays, short and detached arrays, negative, huge and overflowing
// dimensions), must throw a JavaScript Error: never abort, crash or write out of bounds.
// The calls run in a child process, so a crash is a signal and names the call that caused it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addon } from '../src/core/native/addon.js';
import { ENTRY_POINTS, hostileCalls } from './support/native-entry-table.js';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'native-entry-table.js');

test('the table covers every entry point the addon exports, and nothing else', () => {
  const exported = Object.keys(addon).sort();
  const covered = Object.keys(ENTRY_POINTS).sort();
  assert.deepEqual(
    exported.filter((n) => !covered.includes(n)),
    [],
    'a new native entry point needs a row in test/support/native-entry-table.ts (its argument kinds)',
  );
  assert.deepEqual(covered.filter((n) => !exported.includes(n)), [], 'the table names entry points the addon no longer exports');
  for (const name of exported) assert.equal(typeof addon[name], 'function', name);
});

test('every hostile call of every entry point throws a JavaScript Error, without crashing the process', { timeout: 120_000 }, () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', script, '--run'], { encoding: 'utf8', env, timeout: 110_000, maxBuffer: 64 << 20 });
  const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; label: string; result: string });
  const last = lines.at(-1);
  assert.ok(
    r.status === 0 && r.signal === null,
    `the child ended with ${r.signal ?? `exit code ${r.status}`} during ${last?.name} (${last?.label}): ${r.stderr.slice(0, 2000)}`,
  );
  const finished = lines.filter((l) => l.result !== 'started');
  const expected = Object.keys(ENTRY_POINTS).reduce((n, name) => n + hostileCalls(name).length, 0);
  assert.equal(finished.length, expected, 'every call of the table ran');
  const wrong = finished.filter((l) => l.result !== 'threw').map((l) => `${l.name} (${l.label}): ${l.result}`);
  assert.deepEqual(wrong, [], 'calls that did not throw an Error');
  const perEntry = new Map<string, number>();
  for (const l of finished) perEntry.set(l.name, (perEntry.get(l.name) ?? 0) + 1);
  for (const name of Object.keys(ENTRY_POINTS)) assert.ok((perEntry.get(name) ?? 0) >= 1, `${name} was called`);
});
