import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { formatFloat32, readNumericCsv, streamNumericCsv, writeCsv } from '../src/data/csv.js';
import { tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { hourglassError, tempDir } from './support/data-files.js';

const dir = tempDir('csv');
let counter = 0;

/** Writes `text` to a fresh file named `name` (in its own folder, so messages show that name). */
async function csvFile(text: string, name = 'data.csv'): Promise<string> {
  const sub = path.join(dir, String(counter++));
  await mkdir(sub);
  const f = path.join(sub, name);
  await writeFile(f, text);
  return f;
}

const rowsOf = (data: { shape: readonly number[]; data: Float32Array }) => {
  const cols = data.shape[1];
  return Array.from({ length: data.shape[0] }, (_, r) => Array.from(data.data.subarray(r * cols, (r + 1) * cols)));
};

test('header, CRLF line ends, quoted names and trailing blank lines', async () => {
  const f = await csvFile('a,"b, with comma","say ""hi"""\r\n1,2.5,-3\r\n4e2,.5,+6\r\n\r\n\r\n');
  const { columns, data } = await readNumericCsv(f);
  assert.deepEqual(columns, ['a', 'b, with comma', 'say "hi"']);
  assert.deepEqual(data.shape, [2, 3]);
  assert.deepEqual(rowsOf(data), [[1, 2.5, -3], [400, 0.5, 6]]);
});

test('header detection: numeric first row is data, header option forces either way', async () => {
  const f = await csvFile('1,2\n3,4\n');
  const auto = await readNumericCsv(f);
  assert.deepEqual(auto.columns, ['col_1', 'col_2']);
  assert.deepEqual(rowsOf(auto.data), [[1, 2], [3, 4]]);
  const forced = await readNumericCsv(f, { header: true });
  assert.deepEqual(forced.columns, ['1', '2']);
  assert.deepEqual(rowsOf(forced.data), [[3, 4]]);

  const g = await csvFile('x,y\n1,2\n');
  await assert.rejects(readNumericCsv(g, { header: false }), hourglassError('BAD_DATA', /line 1, column 'col_1': 'x' is not a number/));
  // A missing value in the first row does not make it a header.
  const h = await csvFile('1,,3\n4,5,6\n');
  await assert.rejects(readNumericCsv(h), hourglassError('BAD_DATA', /line 1, column 'col_2': '' is empty/));
});

test('delimiters are detected, or taken as given', async () => {
  const semi = await csvFile('a;b;c\n1;2;3\n4;5;6\n');
  assert.deepEqual(rowsOf((await readNumericCsv(semi)).data), [[1, 2, 3], [4, 5, 6]]);
  const tab = await csvFile('a\tb\n1\t2\n');
  const t = await readNumericCsv(tab);
  assert.deepEqual(t.columns, ['a', 'b']);
  assert.deepEqual(rowsOf(t.data), [[1, 2]]);
  // Decimal commas inside ;-separated text: ';' is the only delimiter that gives numbers.
  const european = await csvFile('x;y\n1,5;2\n3;4,25\n');
  await assert.rejects(readNumericCsv(european), hourglassError('BAD_DATA', /line 2, column 'x': '1,5' is not a number/));
  const single = await csvFile('value\n1\n2\n');
  assert.deepEqual(rowsOf((await readNumericCsv(single)).data), [[1], [2]]);
  const explicit = await csvFile('a;b,c\n1,2\n');
  const e = await readNumericCsv(explicit, { delimiter: ',' });
  assert.deepEqual(e.columns, ['a;b', 'c']);
  assert.deepEqual(rowsOf(e.data), [[1, 2]]);
});

test('byte order mark, quoted numbers and a header field spanning lines', async () => {
  const f = await csvFile('\uFEFF"first\nname",second\n"1.5", 2 \n');
  const { columns, data } = await readNumericCsv(f);
  assert.deepEqual(columns, ['first\nname', 'second']);
  assert.deepEqual(rowsOf(data), [[1.5, 2]]);
});

test('a row with the wrong column count names the line', async () => {
  const header = Array.from({ length: 30 }, (_, i) => `f${i}`).join(',');
  const good = Array.from({ length: 30 }, (_, i) => String(i)).join(',');
  const short = Array.from({ length: 29 }, (_, i) => String(i)).join(',');
  const lines = [header, ...Array(15).fill(good), short, good];
  const f = await csvFile(lines.join('\n') + '\n');
  await assert.rejects(readNumericCsv(f), hourglassError('BAD_DATA', `${f} line 17: expected 30 columns, got 29`));
});

test('a non-number names the line and the column', async () => {
  const f = await csvFile('id,amount\n1,10\n2,20\n3,30\n4,abc\n5,50\n6,60\n');
  await assert.rejects(readNumericCsv(f), hourglassError('BAD_DATA', `${f} line 5, column 'amount': 'abc' is not a number`));
});

test('line numbers stay right past the lines used to detect the delimiter', async () => {
  const lines = ['a;b', ...Array.from({ length: 30 }, (_, i) => (i === 23 ? '1;2;3' : `${i};${i}`))];
  const f = await csvFile(lines.join('\n'));
  await assert.rejects(readNumericCsv(f), hourglassError('BAD_DATA', `${f} line 25: expected 2 columns, got 3`));
});

test('NaN, infinity, empty, hexadecimal and out-of-range texts are rejected', async () => {
  const cases: [string, RegExp][] = [
    ['NaN', /'NaN' is not a number \(NaN, infinity/],
    ['inf', /'inf' is not a number/],
    ['-Infinity', /'-Infinity' is not a number/],
    ['', /'' is empty \(missing values are not supported/],
    ['0x10', /'0x10' is not a number$/],
    ['1e39', /'1e39' is outside the float32 range/],
    ['1_000', /'1_000' is not a number$/],
  ];
  for (const [cell, pattern] of cases) {
    const f = await csvFile(`a,b\n1,2\n3,${cell}\n`);
    await assert.rejects(readNumericCsv(f), hourglassError('BAD_DATA', pattern), cell);
  }
});

test('a text column is reported as a column, not as one bad cell', async () => {
  const rows = ['price,city,rooms', ...Array.from({ length: 60 }, (_, i) => `${100 + i},${i % 2 ? 'Paris' : 'Lyon'},${i % 5}`)];
  const f = await csvFile(rows.join('\n'));
  await assert.rejects(
    readNumericCsv(f),
    hourglassError(
      'BAD_DATA',
      /column 'city' is not numeric \(categorical\/text columns are not supported; drop or encode it\): line 2 holds 'Lyon', and 60 of the 60 rows checked/,
    ),
  );
  // Streaming reports the same.
  await assert.rejects(async () => {
    for await (const _ of streamNumericCsv(f, { chunkRows: 10 })) void _;
  }, hourglassError('BAD_DATA', /column 'city' is not numeric/));
});

test('a blank line inside the data is an error; blank lines at the end are not', async () => {
  const f = await csvFile('a,b\n1,2\n\n3,4\n');
  await assert.rejects(readNumericCsv(f), hourglassError('BAD_DATA', /line 3: blank line in the middle of the data/));
});

test('empty files, header-only files, unclosed quotes and missing files', async () => {
  await assert.rejects(readNumericCsv(await csvFile('')), hourglassError('BAD_DATA', /is empty/));
  await assert.rejects(readNumericCsv(await csvFile('\n\n')), hourglassError('BAD_DATA', /is empty/));
  await assert.rejects(readNumericCsv(await csvFile('a,b\n')), hourglassError('BAD_DATA', /header line but no data rows/));
  await assert.rejects(readNumericCsv(await csvFile('a,"b\n1,2\n')), hourglassError('BAD_FILE', /line 1: a quoted field is never closed/));
  const missing = path.join(dir, 'missing.csv');
  await assert.rejects(readNumericCsv(missing), hourglassError('FILE_NOT_FOUND', `${missing}: no such file`));
  await assert.rejects(readNumericCsv(dir), hourglassError('BAD_FILE', /is a directory/));
  await assert.rejects(readNumericCsv(missing, { delimiter: '|' as ',' }), hourglassError('INVALID_ARGUMENT', /delimiter/));
});

test('streaming yields chunks that together equal the whole file', async () => {
  const rows = Array.from({ length: 10 }, (_, i) => `${i},${i * 0.5},${-i}`);
  const f = await csvFile(['x,y,z', ...rows].join('\n'));
  const chunks = [];
  for await (const chunk of streamNumericCsv(f, { chunkRows: 4 })) chunks.push(chunk);
  assert.deepEqual(chunks.map((c) => c.startRow), [0, 4, 8]);
  assert.deepEqual(chunks.map((c) => c.data.shape), [[4, 3], [4, 3], [2, 3]]);
  assert.deepEqual(chunks[0].columns, ['x', 'y', 'z']);
  const whole = await readNumericCsv(f);
  assert.deepEqual(chunks.flatMap((c) => rowsOf(c.data)), rowsOf(whole.data));
  await assert.rejects(async () => {
    for await (const _ of streamNumericCsv(f, { chunkRows: 0 })) void _;
  }, hourglassError('INVALID_ARGUMENT', /chunkRows/));
});

test('streaming a file larger than one read buffer: lines split across reads, chunks own their memory', async () => {
  // About 3 MB: several 1 MB reads, so lines and CRLF pairs straddle read boundaries.
  const rng = new Rng(5);
  const lines = ['"col, one",col_two,col3'];
  const expected: number[][] = [];
  for (let i = 0; i < 90000; i++) {
    const row = [i, Math.fround(rng.normal()), Math.fround(rng.uniform() * 1000)];
    expected.push(row);
    lines.push(row.map(formatFloat32).join(','));
  }
  const f = await csvFile(lines.join('\r\n') + '\r\n');
  let rowsSeen = 0;
  let mismatches = 0;
  for await (const chunk of streamNumericCsv(f, { chunkRows: 5000 })) {
    assert.equal(chunk.startRow, rowsSeen);
    assert.equal(chunk.data.data.buffer.byteLength, chunk.data.data.length * 4);
    for (let r = 0; r < chunk.data.shape[0]; r++)
      for (let c = 0; c < 3; c++) if (chunk.data.data[r * 3 + c] !== expected[rowsSeen + r][c]) mismatches++;
    rowsSeen += chunk.data.shape[0];
  }
  assert.equal(rowsSeen, 90000);
  assert.equal(mismatches, 0);

  // Stopping early is allowed and closes the file.
  let first = 0;
  for await (const chunk of streamNumericCsv(f, { chunkRows: 100 })) {
    first = chunk.data.shape[0];
    break;
  }
  assert.equal(first, 100);
});

test('writeCsv round trip: shortest float32 decimals, quoted names, atomic', async () => {
  const sub = path.join(dir, 'write');
  await mkdir(sub);
  const f = path.join(sub, 'out.csv');
  const t = tensor([2, 3], Float32Array.from([0.1, -2, 1e-7, 3.4e38, 123.456, 0]));
  await writeCsv(f, ['a', 'b,c', 'd "q"'], t);
  const text = await readFile(f, 'utf8');
  assert.equal(text, 'a,"b,c","d ""q"""\n0.1,-2,1e-7\n3.4e+38,123.456,0\n');
  const back = await readNumericCsv(f);
  assert.deepEqual(back.columns, ['a', 'b,c', 'd "q"']);
  assert.deepEqual(Array.from(back.data.data), Array.from(t.data));
  assert.deepEqual(await readdir(sub), ['out.csv']);

  await writeCsv(f, ['x', 'y'], [[0.1, 2], [3, 1e-300]]);
  assert.equal(await readFile(f, 'utf8'), 'x,y\n0.1,2\n3,1e-300\n');
  await assert.rejects(writeCsv(f, ['x'], [[NaN]]), hourglassError('INVALID_ARGUMENT', /row 0, column 'x' is NaN/));
  await assert.rejects(writeCsv(f, ['x', 'y'], [[1]]), hourglassError('INVALID_ARGUMENT', /row 0 has 1 values, expected 2/));
  await assert.rejects(writeCsv(f, ['x'], t), hourglassError('INVALID_ARGUMENT', /1 column names but the tensor has 3 values per row/));
  assert.equal(await readFile(f, 'utf8'), 'x,y\n0.1,2\n3,1e-300\n');
});

test('formatFloat32 reads back to the same float32', () => {
  const rng = new Rng(11);
  for (let i = 0; i < 20000; i++) {
    const v = Math.fround((rng.uniform() - 0.5) * 10 ** (rng.int(40) - 20));
    const s = formatFloat32(v);
    assert.equal(Math.fround(Number(s)), v, `${v} -> ${s}`);
    const significant = s.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
    assert.ok(significant.length <= 9, s);
  }
  assert.equal(formatFloat32(Math.fround(0.1)), '0.1');
  assert.equal(formatFloat32(Math.fround(1 / 3)), '0.33333334');
});
