import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { HourglassError } from '../../src/core/errors.js';

/** A fresh directory under the system temp dir, removed when the test file finishes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hourglass-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** For assert.throws / assert.rejects: an HourglassError with this code whose message matches. */
export function hourglassError(code: string, pattern: RegExp | string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof HourglassError, `expected an HourglassError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (typeof pattern === 'string') assert.equal(e.message, pattern);
    else assert.match(e.message, pattern);
    return true;
  };
}
