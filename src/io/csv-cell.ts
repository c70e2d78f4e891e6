/**
 * One rule for every text cell hourglass writes into a CSV file from input text (column names,
 * ids, class names, file names): a spreadsheet opening the file must show the text, never run
 * it. OWASP's rule for CSV injection: a cell beginning with =, +, -, @, tab or carriage return
 * is a formula to Excel, LibreOffice and Google Sheets, so it gets a leading apostrophe
 * (shown as plain text). Text that is a plain decimal number ("-5", "+1.5e3") stays as it is:
 * a spreadsheet reads it as a number, not a formula. Numbers the tool computes are formatted
 * directly and never pass through here, so a negative score stays a number.
 * Then the usual quoting: a cell with the delimiter, a quote, a line break or surrounding
 * spaces is put in double quotes with inner quotes doubled (RFC 4180).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function csvTextCell(text: string, delimiter = ','): string {
  const safe = FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
  // ; and tab are quoted too: readers that guess the delimiter (hourglass's among them) then guess right.
  const needsQuotes = safe.includes(delimiter) || /[",;\t\n\r]|^\s|\s$/.test(safe);
  return needsQuotes ? `"${safe.replace(/"/g, '""')}"` : safe;
}
