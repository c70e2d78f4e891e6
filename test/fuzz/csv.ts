import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Rng } from '../../src/core/rng.js';
import { readNumericCsv } from '../../src/data/csv.js';
import { pick, structuredOrBytes } from './mutations.js';
import { checkFinite, checkTensor } from './sanity.js';
import type { FormatFuzzer, FuzzCase, SeedFiles } from './types.js';

const enc = new TextEncoder();
const ODD_CELLS = ['abc', '', 'NaN', 'inf', '-Infinity', '1e39', '-1e400', '0x1F', '1_000', '1,5', '"1"', '" 2 "', '=1+1', '\u00a0', '1e-50', '١٢'];

function rows(text: string): string[][] {
  return text.trimEnd().split('\n').map((l) => l.split(','));
}
const join = (t: string[][], eol = '\n') => t.map((r) => r.join(',')).join(eol) + eol;

function structured(text: string): Record<string, (rng: Rng) => Uint8Array> {
  const cellAt = (rng: Rng, t: string[][]) => ({ r: 1 + rng.int(t.length - 1), c: rng.int(t[0].length) });
  const edit = (f: (t: string[][], rng: Rng) => string[][] | string) => (rng: Rng) => {
    const out = f(rows(text), rng);
    return enc.encode(typeof out === 'string' ? out : join(out));
  };
  return {
    'no-header': edit((t) => t.slice(1)),
    'duplicate-column-name': edit((t) => ((t[0][1] = t[0][0]), t)),
    'empty-column-name': edit((t) => ((t[0][2] = ''), t)),
    'odd-cell': edit((t, rng) => {
      const { r, c } = cellAt(rng, t);
      t[r][c] = pick(rng, ODD_CELLS);
      return t;
    }),
    'missing-cell': edit((t, rng) => (t[1 + rng.int(t.length - 1)].pop(), t)),
    'extra-cell': edit((t, rng) => (t[1 + rng.int(t.length - 1)].push('1'), t)),
    'quoted-cells': edit((t) => t.map((r) => r.map((c) => `"${c}"`))),
    'quoted-newline': edit((t) => ((t[0][1] = '"pres\nsure"'), t)),
    'unterminated-quote': edit((t, rng) => ((t[1 + rng.int(t.length - 1)][0] = '"1'), t)),
    crlf: (_rng) => enc.encode(join(rows(text), '\r\n')),
    'bare-cr': (_rng) => enc.encode(join(rows(text), '\r')),
    bom: (_rng) => enc.encode('\ufeff' + text),
    'semicolon-row': edit((t, rng) => join(t).split('\n').map((l, i) => (i === 1 + rng.int(t.length - 1) ? l.replaceAll(',', ';') : l)).join('\n')),
    'tab-delimited': edit((t) => t.map((r) => r.join('\t')).join('\n') + '\n'),
    'blank-lines': edit((t) => join(t).replace('\n', '\n\n\n')),
    'only-header': edit((t) => t.slice(0, 1)),
    'header-only-numbers': edit((t) => ((t[0] = t[0].map((_, i) => String(i))), t)),
    'wide-row': edit((t, rng) => ((t[1 + rng.int(t.length - 1)] = Array.from({ length: 5000 }, () => '1')), t)),
    'wide-table': edit((t) => t.map((r) => [...r, ...Array.from({ length: 2000 }, (_, i) => (r === t[0] ? `x${i}` : '0.5'))])),
    'long-cell': edit((t, rng) => ((t[1 + rng.int(t.length - 1)][1] = '9'.repeat(100_000)), t)),
    'long-header': edit((t) => ((t[0][0] = 'h'.repeat(100_000)), t)),
    'many-rows': edit((t) => [t[0], ...Array.from({ length: 20_000 }, (_, i) => t[1 + (i % (t.length - 1))])]),
    'nul-bytes': edit((t) => join(t).replace('1', '\u00001')),
    'formula-header': edit((t) => ((t[0][0] = '=HYPERLINK("http://x")'), t)),
    'non-utf8': (_rng) => Uint8Array.from([...enc.encode(text.slice(0, 20)), 0xff, 0xfe, 0xc3, ...enc.encode(text.slice(20))]),
    'no-final-newline': (_rng) => enc.encode(text.trimEnd()),
    'whitespace-cells': edit((t) => t.map((r, i) => (i ? r.map((c) => ` ${c}\t`) : r))),
  };
}

export const csvFuzzer: FormatFuzzer = {
  format: 'csv',
  makeCase(rng: Rng, seeds: SeedFiles): FuzzCase {
    const bytes = readFileSync(seeds.files['table.csv']);
    const m = structuredOrBytes(rng, bytes, structured(bytes.toString('utf8')));
    return { format: 'csv', seed: 'table.csv', ext: '.csv', ...m };
  },
  async read(file) {
    return readNumericCsv(file);
  },
  sanity(value) {
    const v = value as Awaited<ReturnType<typeof readNumericCsv>>;
    checkTensor(v.data, 'csv data');
    if (v.data.shape[1] !== v.columns.length) throw new Error(`csv: ${v.columns.length} column names for ${v.data.shape[1]} columns`);
    checkFinite(v.data.data, 'csv data');
  },
  cli(file, _c, seeds, outDir, rng) {
    const s = seeds.files;
    switch (rng.int(3)) {
      case 0:
        return { args: ['eval', '--model', s['ae.safetensors'], '--data', file, '--json'] };
      case 1: {
        const out = path.join(outDir, 'scores.csv');
        return { args: ['detect', 'score', '--model', s['detector.safetensors'], '--data', file, '--out', out], out };
      }
      default: {
        const out = path.join(outDir, 'features.csv');
        return { args: ['encode', '--model', s['pca.safetensors'], '--data', file, '--out', out], out };
      }
    }
  },
};
