import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { invalid } from '../core/errors.js';
import { processIsAlive, removeStaleTemporaries } from '../io/atomic-write.js';
import { warn } from './command.js';
import { checkOutputLocation, claimOutput } from './output-path.js';

/**
 * Where a command writes its run when --out is not given: runs/<name>-<UTC time to the
 * millisecond>-<4 random hex digits>, e.g. runs/pca-2024-05-01T12-30-00-123-9f2c (no ':' or
 * '.', so the name is valid on every file system and sorts by time; two runs started in the
 * same millisecond still get different folders).
 */
export function defaultRunDirectory(name: string, now: Date = new Date()): string {
  return path.join('runs', `${name}-${now.toISOString().replace(/[:.]/g, '-').slice(0, 23)}-${randomBytes(2).toString('hex')}`);
}

/** The lock file a run holds in its folder while it writes there; it contains the run's pid. */
export const RUN_LOCK = '.hourglass-run.lock';

/** A run folder claimed by this process: released when the command ends (see settleRunDirectories). */
export interface RunDirectory {
  readonly dir: string;
  /** The run succeeded: drop the lock, keep everything written. */
  commit(): void;
  /** The run failed: remove what it wrote (entries that were not there when it started, and the folders it created), then the lock. */
  abort(): void;
  /** An entry abort() leaves in place: a checkpoint exists precisely to outlive a failed run (train --checkpoint-every, then --resume). */
  keepOnFailure(name: string): void;
}

const openRuns = new Set<RunDirectory>();

/**
 * Claims `dir` for one run before any expensive work:
 * - the overwrite rule and the location checks of claimOutput (writable now, not a system folder);
 * - the folder is created and locked by creating RUN_LOCK exclusively (a hard link of a complete
 *   file, so a reader never sees an empty lock): a second run into the same folder refuses
 *   with the pid of the first; a lock whose pid is dead (a killed run) is taken over with a warning;
 * - temporary files of killed runs in the folder are removed.
 * The claim is settled when the command ends (main.ts calls settleRunDirectories): on success
 * the lock goes; on failure everything the run added goes too, so a failed run leaves nothing new.
 */
export async function checkRunDirectory(dir: string, overwrite: boolean, inputs: Record<string, string | undefined> = {}): Promise<RunDirectory> {
  checkOutputLocation(dir, '--out', 'directory');
  const lock = path.join(dir, RUN_LOCK);
  refuseLiveLock(dir, lock);
  claimOutput(dir, { kind: 'directory', overwrite, inputs });

  const created = createdFolders(dir);
  mkdirSync(dir, { recursive: true });
  takeLock(dir, lock);
  await removeStaleTemporaries(dir);
  const before = new Set(readdirSync(dir));
  const kept = new Set<string>();
  let settled = false;
  const run: RunDirectory = {
    dir,
    commit() {
      if (settled) return;
      settled = true;
      openRuns.delete(run);
      removeLock(lock);
    },
    abort() {
      if (settled) return;
      settled = true;
      openRuns.delete(run);
      for (const name of safeReaddir(dir)) {
        if (!before.has(name) && !kept.has(name)) rmSync(path.join(dir, name), { recursive: true, force: true });
      }
      removeLock(lock);
      for (const folder of created) {
        try {
          rmdirSync(folder); // only if empty: never removes anything the run did not create
        } catch {
          break;
        }
      }
    },
    keepOnFailure(name) {
      kept.add(name);
    },
  };
  openRuns.add(run);
  installExitCleanup();
  return run;
}

/** Settles every run folder still claimed: commit on success, abort (remove what was written) on failure. */
export function settleRunDirectories(succeeded: boolean): void {
  for (const run of [...openRuns]) {
    if (succeeded) run.commit();
    else run.abort();
  }
}

/** The folders mkdir -p would create for `dir`, deepest first. */
function createdFolders(dir: string): string[] {
  const out: string[] = [];
  let d = path.resolve(dir);
  while (!existsSync(d)) {
    out.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return out;
}

function lockOwner(lock: string): number | null {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function busy(dir: string, pid: number | null): Error {
  return invalid(`--out ${dir} is in use by another hourglass run${pid !== null ? ` (pid ${pid})` : ''}; wait for it to finish or choose another --out`);
}

/** A live lock refuses the run; a stale one (its pid is dead) is removed with a warning. */
function refuseLiveLock(dir: string, lock: string): void {
  if (!existsSync(lock)) return;
  const pid = lockOwner(lock);
  if (pid !== null && (pid === process.pid || processIsAlive(pid))) throw busy(dir, pid);
  warn(`${dir}: taking over the lock of a run that is no longer running${pid !== null ? ` (pid ${pid})` : ''}`);
  try {
    unlinkSync(lock);
  } catch {
    // Another run took it over first; its own lock decides below.
  }
}

function takeLock(dir: string, lock: string): void {
  const temp = path.join(dir, `.${RUN_LOCK}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(temp, `${process.pid}\n`, { flag: 'wx' });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, lock);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
        refuseLiveLock(dir, lock); // throws if the other run is alive, else removes its lock
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw busy(dir, lockOwner(lock));
    throw e;
  } finally {
    unlinkSync(temp);
  }
}

function removeLock(lock: string): void {
  try {
    if (lockOwner(lock) === process.pid) unlinkSync(lock);
  } catch {
    // Already gone.
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}

let exitCleanupInstalled = false;
/** A run ended by process.exit or a signal still releases its lock (files already written stay). */
function installExitCleanup(): void {
  if (exitCleanupInstalled) return;
  exitCleanupInstalled = true;
  process.on('exit', () => {
    for (const run of [...openRuns]) removeLock(path.join(run.dir, RUN_LOCK));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      settleRunDirectories(false);
      process.kill(process.pid, signal);
    });
  }
}
