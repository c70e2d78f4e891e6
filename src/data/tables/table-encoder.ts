import { HourglassError, invalid } from '../../core/errors.js';
import { tensor, type Tensor } from '../../core/tensor.js';
import type { RawTable } from './raw-table.js';

/** What the encoder learned about one column. */
export type EncodedColumn = { name: string; kind: 'numeric' } | { name: string; kind: 'categorical'; categories: string[] };

/**
 * Turns a raw table into the numbers a model sees: numeric columns as they are, categorical
 * columns one-hot (one 0/1 column per category seen when fitting, named `column=category`).
 * Policies, both refusing rather than guessing:
 * - a missing value (empty cell, NaN) is an error naming its row and column: imputing would
 *   hide from an anomaly detector exactly the rows that differ, so the user decides (drop the
 *   row, or fill the value) before fitting or scoring;
 * - a category not seen when fitting is an error naming the row, column and value, and the
 *   categories the encoder knows: a new category cannot be placed among the one-hot columns.
 * Rows are counted from 1, as a user counts them.
 */
export class TableEncoder {
  private fittedColumns: EncodedColumn[] | null = null;

  get columns(): EncodedColumn[] {
    if (!this.fittedColumns) throw invalid('the table encoder is not fitted; call fit(table) first');
    return this.fittedColumns.map((c) => ({ ...c }));
  }

  /** Output column names: numeric columns by name, one `name=category` per category. */
  get featureNames(): string[] {
    return this.columns.flatMap((c) => (c.kind === 'numeric' ? [c.name] : c.categories.map((k) => `${c.name}=${k}`)));
  }

  fit(table: RawTable): this {
    checkMissing(table);
    this.fittedColumns = table.columns.map((c): EncodedColumn => {
      if (c.kind === 'numeric') return { name: c.name, kind: 'numeric' };
      return { name: c.name, kind: 'categorical', categories: [...new Set(c.values as string[])].sort() };
    });
    return this;
  }

  transform(table: RawTable): Tensor {
    const columns = this.columns;
    const names = table.columns.map((c) => c.name);
    if (names.join('\u0000') !== columns.map((c) => c.name).join('\u0000'))
      throw new HourglassError('BAD_DATA', `the table's columns (${names.join(', ')}) differ from the ones the encoder was fitted on (${columns.map((c) => c.name).join(', ')})`);
    checkMissing(table);
    const width = columns.reduce((w, c) => w + (c.kind === 'numeric' ? 1 : c.categories.length), 0);
    const out = new Float32Array(table.rows * width);
    let offset = 0;
    columns.forEach((spec, j) => {
      const column = table.columns[j];
      if (spec.kind === 'numeric') {
        if (column.kind !== 'numeric') throw new HourglassError('BAD_DATA', `column '${spec.name}' was numeric when the encoder was fitted and holds text now`);
        for (let r = 0; r < table.rows; r++) out[r * width + offset] = column.values[r];
        offset += 1;
        return;
      }
      if (column.kind !== 'categorical') throw new HourglassError('BAD_DATA', `column '${spec.name}' was categorical when the encoder was fitted and holds numbers now`);
      const index = new Map(spec.categories.map((k, i) => [k, i]));
      for (let r = 0; r < table.rows; r++) {
        const value = column.values[r]!;
        const k = index.get(value);
        if (k === undefined)
          throw new HourglassError(
            'BAD_DATA',
            `row ${r + 1}, column '${spec.name}': category '${value}' was not in the data the detector was fitted on (it knows ${spec.categories.map((c) => `'${c}'`).join(', ')}); map it to one of those or refit with rows that have it`,
          );
        out[r * width + offset + k] = 1;
      }
      offset += spec.categories.length;
    });
    return tensor([table.rows, width], out);
  }

  fitTransform(table: RawTable): Tensor {
    return this.fit(table).transform(table);
  }
}

function checkMissing(table: RawTable): void {
  for (const c of table.columns)
    for (let r = 0; r < table.rows; r++) {
      const v = c.values[r];
      if (v === null || (typeof v === 'number' && Number.isNaN(v)))
        throw new HourglassError('BAD_DATA', `row ${r + 1}, column '${c.name}': missing value; hourglass does not impute (it would hide what makes a row unusual): drop the row or fill the value first`);
    }
}
