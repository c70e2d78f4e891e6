import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { invalid } from '../core/errors.js';

/**
 * Where a command writes its run when --out is not given: runs/<name>-<UTC time to the
 * second>, e.g. runs/pca-2024-05-01T12-30-00 (no ':' or '.', so the name is valid on every
 * file system and sorts by time).
 */
export function defaultRunDirectory(name: string, now: Date = new Date()): string {
  return path.join('runs', `${name}-${now.toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
}

/** Refuses to mix a new run into an existing one: nothing already on disk is overwritten without --overwrite. */
export async function checkRunDirectory(dir: string, overwrite: boolean): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw invalid(`--out ${dir} is a file, not a directory`);
    return;
  }
  if (entries.length > 0 && !overwrite) throw invalid(`run directory ${dir} already exists and is not empty: choose another --out or pass --overwrite`);
}
