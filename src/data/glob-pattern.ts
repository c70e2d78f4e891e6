import path from 'node:path';

/**
 * File-name patterns for --data: `*` (any characters but '/'), `**` (any number of folders),
 * `?` (one character), `[abc]` / `[a-z]` (one of), `{png,jpg}` (alternatives). Written here
 * rather than taken from a package because this is all --data needs and the shell already
 * expands unquoted patterns; a quoted one reaches hourglass and is matched the same way.
 */

/** True when `spec` is a pattern rather than a path. */
export function isGlobPattern(spec: string): boolean {
  return /[*?[{]/.test(spec);
}

/**
 * Splits a pattern into the folder to walk (the longest prefix without pattern characters)
 * and the pattern relative to it, with '/' separators.
 */
export function splitGlob(pattern: string): { root: string; relative: string } {
  const parts = pattern.split(/[\\/]+/);
  let i = 0;
  while (i < parts.length - 1 && !isGlobPattern(parts[i])) i++;
  const rootParts = parts.slice(0, i);
  const root = rootParts.length === 0 ? '.' : rootParts.join('/') || '/';
  return { root: path.normalize(root), relative: parts.slice(i).join('/') };
}

/** A regular expression matching the whole relative path (with '/' separators). */
export function globToRegExp(relative: string): RegExp {
  let out = '';
  let inClass = false;
  let braces = 0;
  for (let i = 0; i < relative.length; i++) {
    const ch = relative[i];
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch === '\\' ? '\\\\' : ch;
      continue;
    }
    if (ch === '*') {
      if (relative[i + 1] === '*') {
        // '**/' matches zero or more whole folders; a trailing '**' anything at all.
        if (relative[i + 2] === '/') {
          out += '(?:[^/]*/)*';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      inClass = true;
      out += '[';
      if (relative[i + 1] === '!') {
        out += '^';
        i++;
      }
    } else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) out += '|';
    else out += ch.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
