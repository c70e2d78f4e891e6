import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { csvTextCell } from '../src/io/csv-cell.js';
import { writeCsv } from '../src/data/csv.js';

test('csvTextCell neutralises formula starts (OWASP) and quotes like RFC 4180', () => {
  assert.equal(csvTextCell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
  assert.equal(csvTextCell('+SUM(A1:A9)'), "'+SUM(A1:A9)");
  assert.equal(csvTextCell('-2+3'), "'-2+3");
  assert.equal(csvTextCell('@SUM(1,2)'), `"'@SUM(1,2)"`);
  assert.equal(csvTextCell('\tx'), `"'\tx"`);
  assert.equal(csvTextCell('\rx'), `"'\rx"`);
  assert.equal(csvTextCell('plain'), 'plain');
  assert.equal(csvTextCell('say "hi"'), '"say ""hi"""');
  // Text that is a plain number is read as a number by spreadsheets, not as a formula.
  assert.equal(csvTextCell('-5'), '-5');
  assert.equal(csvTextCell('+1.5e3'), '+1.5e3');
});

test('writeCsv neutralises column names; the numbers it writes (negative ones too) stay numbers', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-csv-cell-'));
  try {
    const file = path.join(dir, 'x.csv');
    await writeCsv(file, ['=HYPERLINK("http://x")', 'b'], [[-1.5, 2]]);
    assert.equal(await readFile(file, 'utf8'), `"'=HYPERLINK(""http://x"")",b\n-1.5,2\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
