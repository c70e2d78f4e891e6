import { existsSync, realpathSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { invalid } from '../core/errors.js';

/**
 * The one overwrite rule of every command that writes:
 * - an output never replaces one of the command's inputs, not even with --overwrite;
 * - an existing file, or an existing non-empty folder, is replaced (written into) only with --overwrite.
 * Commands call claimOutput before any expensive work, so a refusal costs nothing.
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

export function claimOutput(output: string, { flag = '--out', kind = 'file', inputs = {}, overwrite }: ClaimOptions): void {
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
  if (!overwrite && readdirSync(target).length > 0) throw invalid(`${flag} ${output} already exists and is not empty; pass --overwrite to write into it`);
}
