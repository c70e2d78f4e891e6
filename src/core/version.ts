import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/**
 * hourglass's version, from its package.json: the first one upwards from this file (src/core
 * in a checkout, dist/src/core once built, the same inside node_modules) that declares the
 * `hourglass` command; written into reports and exported model files.
 */
export function packageVersion(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; bin?: Record<string, string> };
      if (pkg.bin?.hourglass && pkg.version) return (cached = pkg.version);
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
