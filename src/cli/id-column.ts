import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readInputFile } from '../data/input-file.js';
import os from 'node:os';
import path from 'node:path';
import { HourglassError, invalid } from '../core/errors.js';

/**
 * --id-column NAME: a CSV column of identifiers or timestamps (text) that is not a feature.
 * The numeric readers refuse text, so the column is cut out into a temporary copy of the file
 * (line for line, so line numbers in errors stay right) and its values are handed back, to be
 * carried to the outputs (e.g. the first column of scores.csv). The copy lives only during `use`.
 * The file is read whole: --id-column is for tables that fit in memory.
 */
export const ID_COLUMN_HELP = 'CSV column of row identifiers or timestamps: not a feature, carried to the outputs (default: none; every column is a feature)';

export interface IdColumn {
  name: string;
  /** One per data row, in file order. */
  ids: string[];
}

export async function withoutIdColumn<T>(file: string, name: string, use: (numericFile: string, ids: IdColumn) => Promise<T>): Promise<T> {
  if (!file.toLowerCase().endsWith('.csv')) throw invalid(`--id-column names a column of a .csv file; ${file} is not one`);
  let text: string;
  try {
    text = (await readInputFile(file, 'CSV file')).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new HourglassError('FILE_NOT_FOUND', `${file}: no such file; check the path`);
    throw e;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  const header = lines[0].replace(/\r$/, '');
  const delimiter = ([',', ';', '\t'] as const).reduce((best, d) => (header.split(d).length > header.split(best).length ? d : best), ',' as string);
  const columns = splitFields(header, delimiter).map((c) => c.trim());
  const at = columns.indexOf(name);
  if (at < 0) throw invalid(`--id-column ${name}: ${file} has no such column; its columns are ${columns.join(', ')}`);
  const ids: string[] = [];
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') {
      kept.push(line);
      continue;
    }
    const fields = splitFields(line, delimiter);
    if (i > 0) ids.push(fields[at] ?? '');
    fields.splice(at, 1);
    kept.push(fields.map((f) => quote(f, delimiter)).join(delimiter));
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hourglass-id-'));
  const copy = path.join(dir, path.basename(file));
  try {
    await writeFile(copy, kept.join('\n'));
    return await use(copy, { name, ids });
  } catch (e) {
    // Errors about the copy are about the user's file.
    if (e instanceof HourglassError) throw new HourglassError(e.code, e.message.split(copy).join(file));
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Fields of one CSV line; double quotes group (and "" escapes) as in RFC 4180. */
function splitFields(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

export function quote(field: string, delimiter = ','): string {
  return field.includes('"') || field.includes(delimiter) || field.includes('\n') ? `"${field.replace(/"/g, '""')}"` : field;
}
