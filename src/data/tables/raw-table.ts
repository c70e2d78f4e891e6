import { invalid } from '../../core/errors.js';

/**
 * A table as read, before any encoding: numeric columns (NaN = missing) and categorical
 * columns (null = missing), in file order. The encoder (table-encoder.ts) turns it into the
 * numbers a model sees; the suite loader (mlbench-suite.ts) builds it from the R export.
 */
export type RawColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; values: (string | null)[] };

export interface RawTable {
  columns: RawColumn[];
  rows: number;
}

/** A table of `rows` rows from its columns; every column must have that many values. */
export function rawTable(columns: RawColumn[]): RawTable {
  const rows = columns.length ? columns[0].values.length : 0;
  for (const c of columns) if (c.values.length !== rows) throw invalid(`column '${c.name}' has ${c.values.length} values, the table ${rows} rows`);
  return { columns, rows };
}

/** The rows at `indices`, in that order. */
export function selectRows(table: RawTable, indices: ArrayLike<number>): RawTable {
  const n = indices.length;
  const columns = table.columns.map((c): RawColumn => {
    if (c.kind === 'numeric') return { ...c, values: Float64Array.from({ length: n }, (_, i) => c.values[indices[i]]) };
    return { ...c, values: Array.from({ length: n }, (_, i) => c.values[indices[i]]) };
  });
  return { columns, rows: n };
}

/** True when row `r` has a missing value in any column. */
export function rowHasMissing(table: RawTable, r: number): boolean {
  return table.columns.some((c) => (c.kind === 'numeric' ? Number.isNaN(c.values[r]) : c.values[r] === null));
}
