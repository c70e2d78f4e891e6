import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HourglassError } from '../src/core/errors.js';
import { rawTable, type RawColumn } from '../src/data/tables/raw-table.js';
import { TableEncoder } from '../src/data/tables/table-encoder.js';

const num = (name: string, values: number[]): RawColumn => ({ name, kind: 'numeric', values: Float64Array.from(values) });
const cat = (name: string, values: (string | null)[]): RawColumn => ({ name, kind: 'categorical', values });

test('categorical columns become one-hot columns named column=category; numbers pass through', () => {
  const enc = new TableEncoder();
  const x = enc.fitTransform(rawTable([num('amount', [10, 20, 30]), cat('colour', ['red', 'blue', 'red'])]));
  assert.deepEqual(x.shape, [3, 3]);
  assert.deepEqual(enc.featureNames, ['amount', 'colour=blue', 'colour=red']);
  assert.deepEqual([...x.data], [10, 0, 1, 20, 1, 0, 30, 0, 1]);
});

test('a category not seen when fitting is refused with its row, column, value and the known categories', () => {
  const enc = new TableEncoder().fit(rawTable([cat('colour', ['red', 'blue'])]));
  assert.throws(
    () => enc.transform(rawTable([cat('colour', ['red', 'green'])])),
    (e: unknown) =>
      e instanceof HourglassError && e.code === 'BAD_DATA' && e.message.startsWith("row 2, column 'colour': category 'green' was not in the data the detector was fitted on (it knows 'blue', 'red')"),
  );
});

test('missing values are refused with their row and column, when fitting and when scoring', () => {
  assert.throws(() => new TableEncoder().fit(rawTable([num('a', [1, NaN])])), /^HourglassError: row 2, column 'a': missing value; hourglass does not impute/);
  const enc = new TableEncoder().fit(rawTable([num('a', [1, 2]), cat('c', ['x', 'y'])]));
  assert.throws(() => enc.transform(rawTable([num('a', [1, 2]), cat('c', ['x', null])])), /row 2, column 'c': missing value.*drop the row or fill the value first/);
});

test('columns must match the fitted ones; an unfitted encoder says so', () => {
  const enc = new TableEncoder().fit(rawTable([num('a', [1])]));
  assert.throws(() => enc.transform(rawTable([num('b', [1])])), /columns \(b\) differ from the ones the encoder was fitted on \(a\)/);
  assert.throws(() => enc.transform(rawTable([cat('a', ['x'])])), /column 'a' was numeric when the encoder was fitted and holds text now/);
  assert.throws(() => new TableEncoder().featureNames, /not fitted; call fit\(table\) first/);
});
