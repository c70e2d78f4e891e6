import path from 'node:path';
import { claimOutput } from './output-path.js';

/**
 * Where a command writes its run when --out is not given: runs/<name>-<UTC time to the
 * second>, e.g. runs/pca-2024-05-01T12-30-00 (no ':' or '.', so the name is valid on every
 * file system and sorts by time).
 */
export function defaultRunDirectory(name: string, now: Date = new Date()): string {
  return path.join('runs', `${name}-${now.toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
}

/**
 * Refuses to mix a new run into an existing one (nothing already on disk is overwritten
 * without --overwrite) or to write a run where it would replace one of the command's inputs.
 */
export async function checkRunDirectory(dir: string, overwrite: boolean, inputs: Record<string, string | undefined> = {}): Promise<void> {
  claimOutput(dir, { kind: 'directory', overwrite, inputs });
}
