import { closeSync, existsSync, openSync, realpathSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HourglassError, invalid } from '../core/errors.js';
import { isStaleTemporary } from '../io/atomic-write.js';

/**
 * The one overwrite rule of every command that writes:
 * - an output never replaces one of the command's inputs, not even with --overwrite;
 * - an existing file, or an existing non-empty folder, is replaced (written into) only with --overwrite;
 * - the location must be writable now: not empty, not under /proc, /sys or /dev, a file's folder
 *   must exist, and a probe file can be created (and is removed) in the nearest existing folder.
 * Temporary files left by killed hourglass processes (see isStaleTemporary) do not make a folder
 * "non-empty". Commands call claimOutput before any expensive work, so a refusal costs nothing.
 */
export interface ClaimOptions {
  /** The flag that named the output, for messages (default '--out'). */
  flag?: string;
  /** 'file' (default) or 'directory' (a run or report folder, or a folder of images). */
  kind?: 'file' | 'directory';
  /** Input paths by the flag that named them (e.g. { '--data': 'x.csv', '--model': 'm.safetensors' }); undefined values and non-files (e.g. 'fashion-mnist') are ignored. */
  inputs?: Record<string, string | undefined>;
  overwrite: boolean;
}

/** The path with symbolic links resolved as far as it exists (so a/../b, ./b and a link to b compare equal). */
export function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

/** Pseudo file systems: writing there changes the kernel or a device, or (/proc/x) never ends. */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

/**
 * Checks that `output` can be written before any work is done: a non-empty path, outside the
 * system trees, whose folder (a file's parent; for a folder, the nearest existing ancestor)
 * is a folder where a file can be created right now (read-only file systems and permissions
 * are found by creating and removing a probe file).
 */
export function checkOutputLocation(output: string, flag: string, kind: 'file' | 'directory'): void {
  if (typeof output !== 'string' || output.trim() === '') throw invalid(`${flag} is empty; give a ${kind === 'file' ? 'file name' : 'folder'}`);
  const target = realPath(output);
  for (const root of SYSTEM_TREES) {
    if (target === root || target.startsWith(root + path.sep))
      throw invalid(`${flag} ${output} is under ${root}, a system folder hourglass does not write into; choose another ${flag}`);
  }
  let folder = kind === 'file' ? path.dirname(target) : target;
  for (;;) {
    let stats;
    try {
      stats = statSync(folder);
    } catch {
      if (kind === 'file' && folder === path.dirname(target))
        throw new HourglassError('FILE_NOT_FOUND', `${flag} ${output}: the directory ${path.dirname(output) || '.'} does not exist; create it first`);
      const up = path.dirname(folder);
      if (up === folder) throw invalid(`${flag} ${output}: no existing folder above it`);
      folder = up;
      continue;
    }
    if (!stats.isDirectory()) {
      if (folder === target) break; // an existing file at the target: claimOutput's rule decides
      throw invalid(`${flag} ${output}: ${folder} is a file, not a folder; choose another ${flag}`);
    }
    break;
  }
  if (folder === target && !statSync(folder).isDirectory()) folder = path.dirname(target);
  const probe = path.join(folder, `.hourglass-probe.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on device' : (e as Error).message;
    throw invalid(`${flag} ${output}: cannot write in ${folder} (${why}); choose another ${flag}`);
  }
  try {
    unlinkSync(probe);
  } catch {
    // Removed by someone else already; nothing to undo.
  }
}

/** The entries of a folder that count as content: stale temporary files of killed runs do not. */
export function folderContents(dir: string): string[] {
  return readdirSync(dir).filter((name) => !isStaleTemporary(name));
}

export function claimOutput(output: string, { flag = '--out', kind = 'file', inputs = {}, overwrite }: ClaimOptions): void {
  checkOutputLocation(output, flag, kind);
  const target = realPath(output);
  for (const [inputFlag, input] of Object.entries(inputs)) {
    if (input === undefined || !existsSync(input)) continue;
    const source = realPath(input);
    if (source === target)
      throw invalid(`${flag} ${output} is the input ${inputFlag} ${input}: writing it would destroy the input; choose another ${flag}`);
    if (kind === 'directory' && overwrite && source.startsWith(target + path.sep))
      throw invalid(`${flag} ${output} holds the input ${inputFlag} ${input}, which writing there could replace; choose another ${flag}`);
  }
  let stats;
  try {
    stats = statSync(target);
  } catch {
    return; // nothing there yet
  }
  if (kind === 'file') {
    if (stats.isDirectory()) throw invalid(`${flag} ${output} is a folder; give a file name`);
    if (!overwrite) throw invalid(`${flag} ${output} already exists; pass --overwrite to replace it`);
    return;
  }
  if (!stats.isDirectory()) throw invalid(`${flag} ${output} is a file, not a folder; choose another ${flag}`);
  if (!overwrite && folderContents(target).length > 0) throw invalid(`${flag} ${output} already exists and is not empty; pass --overwrite to write into it`);
}
