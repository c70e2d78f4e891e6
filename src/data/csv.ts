import { createReadStream } from 'node:fs';
import { csvTextCell } from '../io/csv-cell.js';
import { HourglassError, invalid } from '../core/errors.js';
import { sizeOf, tensor, type Tensor } from '../core/tensor.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { quoteInput } from '../core/quote.js';
import { checkInputFile, inputFileError } from './input-file.js';

export type CsvDelimiter = ',' | ';' | '\t';

export interface CsvReadOptions {
  /** 'auto' (default): the first row is a header when any of its cells is text (an empty or NaN cell is a missing value, not text). */
  header?: 'auto' | boolean;
  /** 'auto' (default) picks whichever of , ; tab splits the first rows into a consistent table. */
  delimiter?: CsvDelimiter | 'auto';
  /** Longest line accepted, in characters (default MAX_LINE_LENGTH, 16 Mi): a file without line breaks fails fast instead of filling memory. */
  maxLineLength?: number;
}

export interface CsvWholeReadOptions extends CsvReadOptions {
  /** Stop after this many data rows: the rest of the file is not read. */
  limit?: number;
}

export interface CsvStreamOptions extends CsvReadOptions {
  /** Rows per chunk (default 4096). */
  chunkRows?: number;
}

export interface NumericCsv {
  /** Header names, or col_1, col_2, ... when the file has no header. */
  columns: string[];
  /** [rows, columns], float32. */
  data: Tensor;
}

export interface NumericCsvChunk {
  /** Index (0-based, counting data rows only) of the first row of this chunk. */
  startRow: number;
  columns: string[];
  /** [rows in this chunk, columns]. */
  data: Tensor;
}

const DEFAULT_CHUNK_ROWS = 4096;
/** Longest CSV line accepted by default (16 Mi characters, about 16 MB): far beyond any real table row. */
export const MAX_LINE_LENGTH = 16 * 1024 * 1024;
/** Characters at the start of a file examined for NUL bytes, the mark of a binary file. */
const BINARY_SNIFF_CHARS = 1024;
/** Lines examined to choose the delimiter. */
const SNIFF_LINES = 20;
/** Rows examined after a bad cell to tell a typo from a whole text column. */
const DIAGNOSIS_ROWS = 100;
const FLOAT32_MAX = 3.4028234663852886e38;
/** Written by spreadsheets and pandas for a missing value; reported as missing, not as text. */
const MISSING_MARKERS = new Set(['', 'nan', 'na', 'n/a', 'null', 'none', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity', '?']);

/**
 * Reads a CSV of numbers into a [rows, columns] tensor. Every row must have the header's
 * column count and every cell must be a finite number: the errors name the line and the
 * column, because a CSV that loads "mostly" gives a model trained on shifted columns.
 */
export async function readNumericCsv(file: string, options: CsvWholeReadOptions = {}): Promise<NumericCsv> {
  const { header, delimiter, maxLineLength } = checkReadOptions(options);
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw invalid(`limit must be a positive integer, got ${limit}`);
  await checkInputFile(file, 'CSV file');
  const sink = new GrowingRowSink();
  const table = new NumericCsvTable(file, header, delimiter, sink, maxLineLength, limit);
  for await (const text of readText(file)) {
    table.pushText(text);
    if (table.done) break; // closes the stream: the rest of the file is never read
  }
  table.end();
  return { columns: table.columnNames(), data: sink.tensor() };
}

/**
 * readNumericCsv for CSV text already in memory (an HTTP request body, say): the same
 * validation and messages, with `source` naming the text in them.
 */
export function parseNumericCsv(text: string, source: string, options: CsvWholeReadOptions = {}): NumericCsv {
  const { header, delimiter, maxLineLength } = checkReadOptions(options);
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw invalid(`limit must be a positive integer, got ${limit}`);
  const sink = new GrowingRowSink();
  const table = new NumericCsvTable(source, header, delimiter, sink, maxLineLength, limit);
  table.pushText(text);
  table.end();
  return { columns: table.columnNames(), data: sink.tensor() };
}

/**
 * Reads a CSV of numbers chunk by chunk, for files larger than memory: only the current
 * chunk and one read buffer are held at a time. Validation is the same as readNumericCsv;
 * an error in a later row is thrown when the iteration reaches it.
 */
export async function* streamNumericCsv(file: string, options: CsvStreamOptions = {}): AsyncGenerator<NumericCsvChunk> {
  const { header, delimiter, maxLineLength } = checkReadOptions(options);
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows <= 0) throw invalid(`chunkRows must be a positive integer, got ${chunkRows}`);
  await checkInputFile(file, 'CSV file');
  const sink = new ChunkedRowSink(chunkRows);
  const table = new NumericCsvTable(file, header, delimiter, sink, maxLineLength);
  for await (const text of readText(file)) {
    table.pushText(text);
    for (const chunk of sink.takeReady()) yield { ...chunk, columns: table.columnNames() };
  }
  table.end();
  sink.flush();
  for (const chunk of sink.takeReady()) yield { ...chunk, columns: table.columnNames() };
}

/**
 * Writes rows as CSV with a header line, atomically. A tensor (float32) is written with the
 * shortest decimals that read back to the same float32; plain number arrays are written exactly.
 */
export async function writeCsv(
  file: string,
  columns: readonly string[],
  rows: Tensor | readonly ArrayLike<number>[],
): Promise<void> {
  if (columns.length === 0) throw invalid('writeCsv: at least one column name is needed');
  const lines: string[] = [columns.map((c) => csvTextCell(c)).join(',')];
  const cols = columns.length;
  const badValue = (row: number, col: number, v: number) =>
    invalid(`writeCsv: row ${row}, column '${columns[col]}' is ${v}; CSV files written by hourglass hold finite numbers only`);

  if (isTensor(rows)) {
    const perRow = sizeOf(rows.shape.slice(1));
    if (rows.shape.length < 1 || perRow !== cols)
      throw invalid(`writeCsv: ${cols} column names but the tensor has ${perRow} values per row (shape [${rows.shape.join(', ')}])`);
    const n = rows.shape[0];
    const cells: string[] = new Array(cols);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < cols; c++) {
        const v = rows.data[r * cols + c];
        if (!Number.isFinite(v)) throw badValue(r, c, v);
        cells[c] = formatFloat32(v);
      }
      lines.push(cells.join(','));
    }
  } else {
    rows.forEach((row, r) => {
      if (row.length !== cols) throw invalid(`writeCsv: row ${r} has ${row.length} values, expected ${cols} (one per column)`);
      const cells: string[] = new Array(cols);
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw badValue(r, c, v);
        cells[c] = String(v);
      }
      lines.push(cells.join(','));
    });
  }
  lines.push('');
  await writeFileAtomic(file, lines.join('\n'));
}

/** The shortest decimal that parses back to the same float32 (0.1f prints as 0.1, not 0.10000000149011612). */
export function formatFloat32(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) <= 2 ** 24) return String(v);
  for (let digits = 6; digits < 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return String(candidate);
  }
  return String(Number(v.toPrecision(9)));
}


function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && (x as Tensor).data instanceof Float32Array;
}

function checkReadOptions(options: CsvReadOptions): { header: 'auto' | boolean; delimiter: CsvDelimiter | 'auto'; maxLineLength: number } {
  const header = options.header ?? 'auto';
  const delimiter = options.delimiter ?? 'auto';
  const maxLineLength = options.maxLineLength ?? MAX_LINE_LENGTH;
  if (!Number.isInteger(maxLineLength) || maxLineLength < 1) throw invalid(`maxLineLength must be a positive integer, got ${maxLineLength}`);
  if (header !== 'auto' && header !== true && header !== false)
    throw invalid(`CSV header option must be 'auto', true or false, got ${JSON.stringify(header)}`);
  if (delimiter !== 'auto' && delimiter !== ',' && delimiter !== ';' && delimiter !== '\t')
    throw invalid(`CSV delimiter must be ',', ';', '\\t' or 'auto', got ${JSON.stringify(delimiter)}`);
  return { header, delimiter, maxLineLength };
}

async function* readText(file: string): AsyncGenerator<string> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const text of stream) yield text as string;
  } catch (err) {
    throw inputFileError(file, err);
  } finally {
    stream.destroy();
  }
}

// ---------------------------------------------------------------------------------------
// Parsing: text chunks -> physical lines -> records (quoted fields may span lines) -> rows.

/** A cell's numeric value, or NaN when the text is not a plain finite decimal number. */
function parseCell(s: string): number {
  const v = +s;
  if (v - v !== 0) return NaN; // NaN, ±Infinity, and the texts 'NaN' / 'Infinity'
  if (v === 0 && s.trim() === '') return NaN; // Number('') and Number('  ') are 0
  // Number() also accepts 0x1f, 0b101 and 0o17, which no data file means.
  const t = s.charCodeAt(0) === 48 ? s : s.trimStart();
  if (t.length > 2 && t.charCodeAt(0) === 48) {
    const c = t.charCodeAt(1) | 0x20;
    if (c === 0x78 || c === 0x62 || c === 0x6f) return NaN;
  }
  if (v > FLOAT32_MAX || v < -FLOAT32_MAX) return NaN;
  return v;
}

function isMissingMarker(s: string): boolean {
  return MISSING_MARKERS.has(s.trim().toLowerCase());
}

function describeBadCell(s: string): string {
  const shown = quoteInput(s, 40);
  const t = s.trim();
  if (t === '') return `${shown} is empty (missing values are not supported: fill them in or drop the row)`;
  if (isMissingMarker(t))
    return `${shown} is not a number (NaN, infinity and missing-value markers are not accepted: fill them in or drop the row)`;
  const v = +t;
  if (v - v === 0 && Math.abs(v) > FLOAT32_MAX) return `${shown} is outside the float32 range (±3.4e38)`;
  return `${shown} is not a number`;
}

/**
 * Splits a record into fields, honouring double-quoted fields ("a,b" and "say ""hi""").
 * Resumable across lines: a quoted field may contain line breaks.
 */
class RecordAssembler {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private startLine = 0;

  constructor(
    private readonly delimiter: string,
    private readonly onRecord: (line: number, fields: string[]) => void,
  ) {}

  pushLine(line: string, lineNo: number): void {
    if (!this.inQuotes) {
      this.startLine = lineNo;
      if (line.indexOf('"') < 0) {
        this.onRecord(lineNo, line.split(this.delimiter));
        return;
      }
    } else {
      this.field += '\n';
    }
    if (this.scan(line)) {
      const fields = this.fields;
      this.fields = [];
      this.field = '';
      this.onRecord(this.startLine, fields);
    }
  }

  /** Continues the record with `line`; true when the record is complete at the end of it. */
  private scan(line: string): boolean {
    const d = this.delimiter;
    let i = 0;
    if (this.inQuotes) {
      i = this.readQuoted(line, 0);
      if (this.inQuotes) return false;
      i = this.readRestOfField(line, i);
      if (i < 0) return true;
    }
    for (;;) {
      // At the start of a field. Spaces before an opening quote are tolerated.
      let j = i;
      while (line.charCodeAt(j) === 32) j++;
      if (line.charCodeAt(j) === 34) {
        this.inQuotes = true;
        i = this.readQuoted(line, j + 1);
        if (this.inQuotes) return false;
        i = this.readRestOfField(line, i);
        if (i < 0) return true;
      } else {
        const k = line.indexOf(d, i);
        if (k < 0) {
          this.fields.push(line.slice(i));
          return true;
        }
        this.fields.push(line.slice(i, k));
        i = k + 1;
      }
    }
  }

  /** Reads quoted text from `i`; returns the index after the closing quote (or the line end). */
  private readQuoted(line: string, i: number): number {
    for (;;) {
      const q = line.indexOf('"', i);
      if (q < 0) {
        this.field += line.slice(i);
        return line.length;
      }
      this.field += line.slice(i, q);
      if (line.charCodeAt(q + 1) === 34) {
        this.field += '"';
        i = q + 2;
      } else {
        this.inQuotes = false;
        return q + 1;
      }
    }
  }

  /** After a closing quote: anything up to the delimiter belongs to the field. Returns -1 at the end of the record. */
  private readRestOfField(line: string, i: number): number {
    const k = line.indexOf(this.delimiter, i);
    const rest = k < 0 ? line.slice(i) : line.slice(i, k);
    if (rest.trim() !== '') this.field += rest;
    this.fields.push(this.field);
    this.field = '';
    return k < 0 ? -1 : k + 1;
  }

  /** The fields of a record still waiting for its closing quote, or null. */
  pendingFields(): string[] | null {
    return this.inQuotes ? [...this.fields, this.field] : null;
  }

  /** Throws if the input ended inside a quoted field. */
  end(file: string): void {
    if (this.inQuotes)
      throw new HourglassError('BAD_FILE', `${file} line ${this.startLine}: a quoted field is never closed (missing ")`);
  }
}

/** Chooses the delimiter that splits the first lines into a consistent, preferably numeric, table. */
function sniffDelimiter(lines: readonly string[]): CsvDelimiter {
  const candidates: CsvDelimiter[] = [',', ';', '\t'];
  let best: CsvDelimiter = ',';
  let bestScore = -1;
  for (const d of candidates) {
    const rows: string[][] = [];
    const assembler = new RecordAssembler(d, (_line, fields) => rows.push(fields));
    lines.forEach((l, i) => assembler.pushLine(l, i + 1));
    // An unclosed quote still shows how this delimiter splits the line; the real parse reports it.
    const open = assembler.pendingFields();
    if (open) rows.push(open);
    if (rows.length === 0) continue;
    const width = rows[0].length;
    const consistent = rows.every((r) => r.length === width);
    const numeric = rows.slice(1).every((r) => r.every((c) => !Number.isNaN(parseCell(c))));
    // Consistency first, then numeric data rows, then more columns.
    const score = width <= 1 ? 0 : (consistent ? 2e6 : 0) + (numeric ? 1e6 : 0) + width;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

interface RowSink {
  push(values: Float32Array): void;
}

class GrowingRowSink implements RowSink {
  private data = new Float32Array(0);
  private used = 0;
  private rows = 0;
  private cols = 0;

  push(values: Float32Array): void {
    if (this.used + values.length > this.data.length) {
      const grown = new Float32Array(Math.max(1024, 2 * this.data.length, this.used + values.length));
      grown.set(this.data.subarray(0, this.used));
      this.data = grown;
    }
    this.data.set(values, this.used);
    this.used += values.length;
    this.cols = values.length;
    this.rows++;
  }

  tensor(): Tensor {
    const exact = this.data.length === this.used ? this.data : this.data.slice(0, this.used);
    return tensor([this.rows, this.cols], exact);
  }
}

class ChunkedRowSink implements RowSink {
  private current: Float32Array | null = null;
  private rowsInCurrent = 0;
  private cols = 0;
  private startRow = 0;
  private ready: { startRow: number; data: Tensor }[] = [];

  constructor(private readonly chunkRows: number) {}

  push(values: Float32Array): void {
    if (this.current === null) {
      this.cols = values.length;
      this.current = new Float32Array(this.chunkRows * this.cols);
    }
    this.current.set(values, this.rowsInCurrent * this.cols);
    if (++this.rowsInCurrent === this.chunkRows) this.flush();
  }

  flush(): void {
    if (this.current === null || this.rowsInCurrent === 0) return;
    const data =
      this.rowsInCurrent === this.chunkRows ? this.current : this.current.slice(0, this.rowsInCurrent * this.cols);
    this.ready.push({ startRow: this.startRow, data: tensor([this.rowsInCurrent, this.cols], data) });
    this.startRow += this.rowsInCurrent;
    this.current = null;
    this.rowsInCurrent = 0;
  }

  takeReady(): { startRow: number; data: Tensor }[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }
}

/** A non-numeric cell found, and what the following rows say about its column. */
interface BadCellDiagnosis {
  column: number;
  line: number;
  value: string;
  checked: number;
  bad: number;
  badText: number;
  remaining: number;
}

/** Turns CSV text into header + numeric rows, with the validation and error messages. */
class NumericCsvTable {
  private lineNo = 0;
  private partialLine: string[] = [];
  private started = false;
  private sniffBuffer: string[] | null = null;
  private assembler: RecordAssembler | null = null;
  private columns: string[] | null = null;
  private scratch = new Float32Array(0);
  private rows = 0;
  private firstPendingBlank = 0;
  private diagnosis: BadCellDiagnosis | null = null;
  private partialLength = 0;
  /** True once `limit` rows were read: later text is ignored. */
  done = false;

  constructor(
    private readonly file: string,
    private readonly header: 'auto' | boolean,
    delimiter: CsvDelimiter | 'auto',
    private readonly sink: RowSink,
    private readonly maxLineLength = MAX_LINE_LENGTH,
    private readonly limit = Infinity,
  ) {
    if (delimiter === 'auto') this.sniffBuffer = [];
    else this.assembler = new RecordAssembler(delimiter, (line, fields) => this.record(line, fields));
  }

  columnNames(): string[] {
    return this.columns ?? [];
  }

  pushText(text: string): void {
    if (this.done) return;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte order mark
      // Text files hold no NUL; a binary file (or a device full of zeros) would otherwise be parsed as one huge line.
      if (text.slice(0, BINARY_SNIFF_CHARS).indexOf('\0') >= 0)
        throw new HourglassError('BAD_FILE', `${this.file} is not a text CSV file (it holds NUL bytes near its start; it looks binary)`);
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.checkLineLength(this.partialLength + nl - start);
      let line = text.slice(start, nl);
      if (this.partialLine.length > 0) {
        this.partialLine.push(line);
        line = this.partialLine.join('');
        this.partialLine = [];
        this.partialLength = 0;
      }
      this.line(line);
      start = nl + 1;
      if (this.done) return;
    }
    if (start < text.length) {
      this.partialLength += text.length - start;
      this.checkLineLength(this.partialLength);
      this.partialLine.push(text.slice(start));
    }
  }

  private checkLineLength(length: number): void {
    if (length > this.maxLineLength)
      throw new HourglassError(
        'BAD_DATA',
        `${this.file} line ${this.lineNo + 1} is longer than ${this.maxLineLength.toLocaleString('en-US')} characters; ` +
          'a CSV row is one line (is the file really a CSV with line breaks?)',
      );
  }

  end(): void {
    if (this.done) {
      // Stopped at the limit: what follows is unread; the rows read are complete.
      this.partialLine = [];
      this.decideDelimiter();
      if (this.diagnosis) throw this.badCellError(this.diagnosis);
      return;
    }
    if (this.partialLine.length > 0) {
      const last = this.partialLine.join('');
      this.partialLine = [];
      this.line(last);
    }
    this.decideDelimiter();
    this.assembler!.end(this.file);
    if (this.diagnosis) throw this.badCellError(this.diagnosis);
    if (this.columns === null) throw new HourglassError('BAD_DATA', `${this.file} is empty: no header and no rows`);
    if (this.rows === 0) throw new HourglassError('BAD_DATA', `${this.file} has a header line but no data rows`);
  }

  private line(raw: string): void {
    const line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    const lineNo = ++this.lineNo;
    if (this.sniffBuffer !== null) {
      this.sniffBuffer.push(line);
      if (this.sniffBuffer.filter((l) => l.trim() !== '').length >= SNIFF_LINES) this.decideDelimiter();
      return;
    }
    this.assembler!.pushLine(line, lineNo);
  }

  private decideDelimiter(): void {
    if (this.sniffBuffer === null) return;
    const buffered = this.sniffBuffer;
    this.sniffBuffer = null;
    const delimiter = sniffDelimiter(buffered.filter((l) => l.trim() !== ''));
    this.assembler = new RecordAssembler(delimiter, (line, fields) => this.record(line, fields));
    buffered.forEach((l, i) => this.assembler!.pushLine(l, i + 1));
  }

  private record(lineNo: number, fields: string[]): void {
    if (this.done) return;
    if (fields.length === 1 && fields[0].trim() === '') {
      // Blank lines at the end are harmless; in the middle of the data they are a missing row.
      if (this.columns !== null && this.firstPendingBlank === 0) this.firstPendingBlank = lineNo;
      return;
    }
    if (this.diagnosis) {
      this.diagnose(fields);
      return;
    }
    if (this.firstPendingBlank !== 0)
      throw new HourglassError(
        'BAD_DATA',
        `${this.file} line ${this.firstPendingBlank}: blank line in the middle of the data (expected ${this.columns!.length} values); remove it or fill it in`,
      );
    if (this.columns === null) {
      // An empty or 'NaN' cell is a missing value in a data row, not a sign of a header.
      const isHeader =
        this.header === 'auto' ? fields.some((c) => Number.isNaN(parseCell(c)) && !isMissingMarker(c)) : this.header;
      if (isHeader) {
        this.columns = fields.map((name, i) => name.trim() || `col_${i + 1}`);
        this.checkUniqueNames(this.columns);
        this.scratch = new Float32Array(fields.length);
        return;
      }
      this.columns = fields.map((_, i) => `col_${i + 1}`);
      this.scratch = new Float32Array(fields.length);
    }
    const cols = this.columns.length;
    if (fields.length !== cols)
      throw new HourglassError('BAD_DATA', `${this.file} line ${lineNo}: expected ${cols} columns, got ${fields.length}`);
    const scratch = this.scratch;
    for (let c = 0; c < cols; c++) {
      const v = parseCell(fields[c]);
      if (Number.isNaN(v)) {
        const missing = isMissingMarker(fields[c]);
        this.diagnosis = {
          column: c,
          line: lineNo,
          value: fields[c],
          checked: this.rows + 1,
          bad: 1,
          badText: missing ? 0 : 1,
          remaining: DIAGNOSIS_ROWS,
        };
        return;
      }
      scratch[c] = v;
    }
    this.sink.push(scratch);
    this.rows++;
    if (this.rows >= this.limit) this.done = true;
  }

  /** Two columns of one name would be matched to one position when a model maps columns by name. */
  private checkUniqueNames(names: string[]): void {
    const seen = new Map<string, number[]>();
    names.forEach((n, i) => seen.set(n, [...(seen.get(n) ?? []), i + 1]));
    for (const [name, positions] of seen)
      if (positions.length > 1)
        throw new HourglassError(
          'BAD_DATA',
          `${this.file}: the header names column ${quoteInput(name)} ${positions.length} times (columns ${positions.join(', ')}); ` +
            'give every column a unique name',
        );
  }

  /** After a bad cell: looks at the same column in the next rows, then throws. */
  private diagnose(fields: string[]): void {
    const d = this.diagnosis!;
    if (d.column < fields.length) {
      d.checked++;
      const cell = fields[d.column];
      if (Number.isNaN(parseCell(cell))) {
        d.bad++;
        if (!isMissingMarker(cell)) d.badText++;
      }
    }
    if (--d.remaining === 0) throw this.badCellError(d);
  }

  private badCellError(d: BadCellDiagnosis): HourglassError {
    const name = this.columns![d.column];
    // A text column shows up as text in most rows; a typo or a stray missing value in one.
    if (d.badText >= 2 && 2 * d.bad >= d.checked)
      return new HourglassError(
        'BAD_DATA',
        `${this.file}: column ${quoteInput(name)} is not numeric (categorical/text columns are not supported; drop or encode it): ` +
          `line ${d.line} holds ${quoteInput(d.value, 40)}, and ${d.bad} of the ${d.checked} rows checked are not numbers`,
      );
    return new HourglassError('BAD_DATA', `${this.file} line ${d.line}, column ${quoteInput(name)}: ${describeBadCell(d.value)}`);
  }
}
