// Every TypeScript block in README.md and docs/*.md compiles against the built package as a
// user imports it (by its registry name, '@hourglass-ml/hourglass', through package.json's
// exports map), so the docs cannot teach an import path or a call that does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_NAME } from '../src/core/package-name.js';

// Compiled tests run from dist/test.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Snippet {
  doc: string;
  line: number;
  code: string;
}

async function snippets(): Promise<Snippet[]> {
  const docs = ['README.md', ...(await readdir(path.join(repoRoot, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const found: Snippet[] = [];
  for (const doc of docs) {
    const lines = (await readFile(path.join(repoRoot, doc), 'utf8')).split('\n');
    for (let i = 0; i < lines.length; i++) {
      // A fence may be indented (a snippet inside a list item): its lines lose that indentation.
      const fence = /^( *)```(ts|typescript)\s*$/.exec(lines[i]);
      if (!fence) continue;
      const indent = fence[1];
      const start = i + 1;
      let end = start;
      while (end < lines.length && !lines[end].startsWith(`${indent}\`\`\``)) end++;
      found.push({ doc, line: start + 1, code: lines.slice(start, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n') });
      i = end;
    }
  }
  return found;
}

test('every TypeScript snippet in the docs type-checks against the package', { timeout: 180_000 }, async () => {
  const all = await snippets();
  assert.ok(all.length >= 4, `found only ${all.length} TypeScript snippets in the docs`);
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-docs-'));
  try {
    // node_modules/@hourglass-ml/hourglass -> the checkout, as `npm install` would place it.
    const installed = path.join(dir, 'node_modules', ...PACKAGE_NAME.split('/'));
    await mkdir(path.dirname(installed), { recursive: true });
    await symlink(repoRoot, installed, 'dir');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
          skipLibCheck: true, typeRoots: [path.join(repoRoot, 'node_modules', '@types')], types: ['node'],
        },
        include: ['*.ts'],
      }),
    );
    const names = new Map<string, Snippet>();
    for (const [i, s] of all.entries()) {
      const name = `snippet${i}.ts`;
      names.set(name, s);
      // `export {}` makes each snippet a module of its own (top-level await, no shared names).
      await writeFile(path.join(dir, name), `${s.code}\nexport {};\n`);
    }
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', cwd: dir });
    // Point each error at the doc and line it comes from.
    const errors = (r.stdout + r.stderr)
      .split('\n')
      .filter((l) => l.trim())
      .map((l) =>
        l.replace(/^(snippet\d+\.ts)\((\d+),(\d+)\)/, (_, file: string, line: string, col: string) => {
          const s = names.get(file)!;
          return `${s.doc}:${s.line + Number(line) - 1}:${col}`;
        }),
      );
    assert.deepEqual(errors, [], `docs snippets do not compile:\n${errors.join('\n')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
