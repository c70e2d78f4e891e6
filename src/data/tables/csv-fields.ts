/**
 * Splits one line of an RFC 4180 CSV file (as R's write.csv writes it) into its fields:
 * quoted fields may hold commas and doubled quotes. `quoted[i]` says whether field i was
 * quoted, which R uses to tell text ("NA" as a string) from a missing value (empty, unquoted).
 */
export function splitCsvLine(line: string): { fields: string[]; quoted: boolean[] } {
  const fields: string[] = [];
  const quoted: boolean[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        text += line.slice(i, q);
        if (line[q + 1] === '"') {
          text += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(text);
      quoted.push(true);
    } else {
      const c = line.indexOf(',', i);
      fields.push(line.slice(i, c < 0 ? line.length : c));
      quoted.push(false);
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) break;
    i++; // the comma
    if (i === line.length) {
      fields.push('');
      quoted.push(false);
      break;
    }
  }
  return { fields, quoted };
}
