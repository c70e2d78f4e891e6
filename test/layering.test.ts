// The layers of src/ (.dependency-cruiser.cjs) hold: no module imports from a higher layer,
// and no import cycles. A planted violation in a scratch tree proves the rules bite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
// Compiled tests run from dist/test.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const depcruise = path.join(repoRoot, 'node_modules', '.bin', 'depcruise');

interface CruiseResult {
  summary: { violations: { rule: { name: string }; from: string; to: string }[]; totalCruised: number };
}

async function cruise(cwd: string): Promise<CruiseResult> {
  const config = path.join(repoRoot, '.dependency-cruiser.cjs');
  // depcruise exits non-zero when it finds violations; the JSON is on stdout either way.
  const { stdout } = await run(depcruise, ['src', '--config', config, '--output-type', 'json'], { cwd, maxBuffer: 64 << 20 }).catch(
    (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
  );
  return JSON.parse(stdout) as CruiseResult;
}

test('src/ imports only from its own layer or below, without cycles', { timeout: 120_000 }, async () => {
  const result = await cruise(repoRoot);
  const lines = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  assert.deepEqual(lines, []);
  assert.ok(result.summary.totalCruised > 100, `cruised only ${result.summary.totalCruised} modules: imports were not resolved`);
});

test('the rules catch an import from a higher layer and a cycle of value imports, not one of type imports', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-layers-'));
  try {
    await mkdir(path.join(dir, 'src', 'core'), { recursive: true });
    await mkdir(path.join(dir, 'src', 'cli'), { recursive: true });
    await copyFile(path.join(repoRoot, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    await writeFile(path.join(dir, 'src', 'core', 'low.ts'), "import { high } from '../cli/high.js';\nexport const low = high + 1;\n");
    await writeFile(path.join(dir, 'src', 'cli', 'high.ts'), 'export const high = 1;\n');
    await writeFile(path.join(dir, 'src', 'core', 'a.ts'), "import { b } from './b.js';\nexport const a = () => b();\n");
    await writeFile(path.join(dir, 'src', 'core', 'b.ts'), "import { a } from './a.js';\nexport const b = () => a;\n");
    await writeFile(path.join(dir, 'src', 'core', 'c.ts'), "import type { D } from './d.js';\nexport interface C { d?: D }\n");
    await writeFile(path.join(dir, 'src', 'core', 'd.ts'), "import type { C } from './c.js';\nexport interface D { c?: C }\n");
    const result = await cruise(dir);
    assert.deepEqual(
      result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort(),
      [
        'core-imports-higher-layer: src/core/low.ts -> src/cli/high.ts',
        'no-circular: src/core/a.ts -> src/core/b.ts',
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
