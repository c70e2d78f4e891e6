/**
 * Text taken from an input file, made safe to echo in a message: quoted, control characters
 * (ESC, BEL, NUL, line breaks, ...) escaped as JSON does, and cut to `max` characters, so a
 * hostile or binary file can neither rewrite the terminal nor flood it with garbage.
 */
export function quoteInput(text: string, max = 60): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const escaped = JSON.stringify(cut)
    .slice(1, -1)
    // JSON leaves DEL, the C1 controls and the Unicode line/paragraph separators as they are.
    .replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${escaped}'${text.length > max ? '...' : ''}`;
}
