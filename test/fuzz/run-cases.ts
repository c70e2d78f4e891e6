// The fuzz runner: seeded cases of every input format, read in-process (worker.ts, in a child
// process) and through the CLI (one child per case), each ending in success or a clean
// HourglassError. `npm test` runs a budget of cases (test/fuzz.test.ts); `npm run fuzz --
// --minutes 30` runs the same generators for a time budget and saves failing inputs.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/rng.js';
import { FORMATS, fuzzerFor } from './formats.js';
import { KNOWN_FAILURES, knownFailure } from './known-failures.js';
import { CLI, childEnv, makeSeeds } from './seeds.js';
import { GOOD_OUTCOMES, type FuzzCase, type Outcome, type SeedFiles } from './types.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');
const TIME = '/usr/bin/time';

export type Channel = 'lib' | 'cli';

export interface FuzzOptions {
  /** Base seed: case i of a channel uses caseSeed(seed, channel, i). */
  seed: number;
  /** Stop after this many in-process cases (Infinity for a time budget only). */
  libCases: number;
  /** Stop after this many CLI cases. */
  cliCases: number;
  /** Stop starting new cases after this many seconds (seed building not included). */
  seconds: number;
  /** A case running longer is a hang. */
  caseTimeoutMs: number;
  /** Peak RSS allowed to a CLI child or to the worker, in MB. */
  memoryLimitMB: number;
  /** Where failing inputs are saved (created when the first one is). */
  saveDir: string;
  /** Progress lines (long mode). */
  log?: (line: string) => void;
}

export interface CaseResult {
  channel: Channel;
  index: number;
  caseSeed: number;
  format: string;
  mutation: string;
  seed: string;
  outcome: Outcome;
  detail: string;
  known: string | null;
  saved?: string;
}

export interface FuzzReport {
  /** counts[format][outcome], known failures counted as `known:<outcome>`. */
  counts: Record<string, Record<string, number>>;
  failures: CaseResult[];
  known: CaseResult[];
  cases: { lib: number; cli: number };
  seconds: number;
  maxRssMB: { lib: number; cli: number };
}

export const DEFAULTS = { caseTimeoutMs: 20_000, memoryLimitMB: 1024 };

/** The seed of case `index` of a channel: independent of timing, so any case can be replayed alone. */
export function caseSeed(seed: number, channel: Channel, index: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) + index * 2 + (channel === 'cli' ? 1 : 0)) >>> 0;
}

export async function makeCase(channel: Channel, index: number, seed: number, seeds: SeedFiles): Promise<{ c: FuzzCase; rng: Rng; cs: number }> {
  const cs = caseSeed(seed, channel, index);
  const rng = new Rng(cs);
  const fuzzer = FORMATS[index % FORMATS.length];
  return { c: await fuzzer.makeCase(rng, seeds), rng, cs };
}

/** The in-process worker: one child process, restarted after a crash, a hang or a memory overrun. */
class Worker {
  private child: ChildProcessWithoutNullStreams | null = null;
  private buffer = '';
  private pending: ((r: WorkerReply | { exit: string }) => void) | null = null;
  constructor(private seeds: SeedFiles) {}

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(process.execPath, ['--max-old-space-size=512', WORKER, JSON.stringify(this.seeds)], { env: childEnv(), stdio: 'pipe' });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      this.buffer += s;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.pending?.(JSON.parse(line) as WorkerReply);
      }
    });
    child.stderr.resume();
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      this.pending?.({ exit: signal ? `signal ${signal}` : `exit code ${code}` });
    });
    return child;
  }

  async run(req: WorkerRequest, timeoutMs: number): Promise<WorkerReply | { exit: string } | { timeout: true }> {
    this.child ??= this.start();
    const child = this.child;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.stop();
        resolve({ timeout: true });
      }, timeoutMs);
      this.pending = (r) => {
        clearTimeout(timer);
        this.pending = null;
        resolve(r);
      };
      child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  stop(): void {
    const child = this.child;
    this.child = null;
    this.buffer = '';
    if (child) {
      child.stdin.end();
      child.kill('SIGKILL');
    }
  }
}

interface CliRun { code: number | null; signal: string | null; stderr: string; timedOut: boolean; maxRssMB: number | null }

/** Runs the CLI in its own process group (so a timeout kills node and not only /usr/bin/time), measuring peak RSS. */
function runCli(args: string[], cwd: string, timeoutMs: number): Promise<CliRun> {
  const node = [process.execPath, '--max-old-space-size=512', CLI, ...args];
  const useTime = existsSync(TIME);
  const argv = useTime ? [TIME, '-f', 'HG_MAXRSS_KB %M', ...node] : node;
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env: childEnv(), detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 1 << 20) stderr += s;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let maxRssMB: number | null = null;
      let sig: string | null = signal;
      const lines = stderr.split('\n').filter((l) => {
        const m = /^HG_MAXRSS_KB (\d+)$/.exec(l);
        if (m) maxRssMB = Math.round(Number(m[1]) / 1024);
        const s = /^Command terminated by signal (\d+)$/.exec(l);
        if (s) sig = `signal ${s[1]}`;
        return !m && !s && !/^Command exited with non-zero status \d+$/.test(l);
      });
      resolve({ code, signal: sig, stderr: lines.join('\n').trim(), timedOut, maxRssMB });
    });
  });
}

function classifyCli(r: CliRun, outLeft: string[], expectOut: boolean, limitMB: number): { outcome: Outcome; detail: string } {
  const firstLines = r.stderr.split('\n').slice(0, 3).join(' | ');
  if (r.timedOut) return { outcome: 'hang', detail: 'killed after the per-case timeout' };
  if (r.signal) return { outcome: 'crash', detail: `${r.signal}: ${firstLines}` };
  if (r.maxRssMB !== null && r.maxRssMB > limitMB) return { outcome: 'memory', detail: `peak RSS ${r.maxRssMB} MB > ${limitMB} MB (exit ${r.code})` };
  if (r.code === 0) {
    if (expectOut && outLeft.length === 0) return { outcome: 'insane', detail: 'exit 0 but no output file' };
    return { outcome: 'ok', detail: '' };
  }
  if (r.code === 1 || r.code === 2) {
    if (outLeft.length) return { outcome: 'partial-output', detail: `exit ${r.code} left ${outLeft.join(', ')}: ${firstLines}` };
    if (!/^hourglass: error: \S/.test(r.stderr) || r.stderr.includes('\n')) return { outcome: 'bad-message', detail: JSON.stringify(r.stderr.slice(0, 300)) };
    return { outcome: 'rejected', detail: r.stderr };
  }
  if (r.code === 70) return { outcome: 'uncaught', detail: firstLines };
  return { outcome: 'crash', detail: `exit code ${r.code}: ${firstLines}` };
}

export async function runCase(
  channel: Channel, index: number, options: FuzzOptions, seeds: SeedFiles, workDir: string, worker: Worker,
): Promise<CaseResult & { maxRssMB: number }> {
  const { c, rng, cs } = await makeCase(channel, index, options.seed, seeds);
  const caseDir = path.join(workDir, `${channel}-${index}`);
  await mkdir(caseDir, { recursive: true });
  const file = path.join(caseDir, `case${c.ext}`);
  await writeFile(file, c.bytes);
  let outcome: Outcome;
  let detail: string;
  let maxRssMB = 0;
  if (channel === 'lib') {
    const r = await worker.run({ id: index, format: c.format, file, seed: c.seed, ext: c.ext }, options.caseTimeoutMs);
    if ('timeout' in r) ({ outcome, detail } = { outcome: 'hang', detail: `no answer in ${options.caseTimeoutMs} ms` });
    else if ('exit' in r) ({ outcome, detail } = { outcome: 'crash', detail: `the worker process ended: ${r.exit}` });
    else {
      ({ outcome, detail, maxRssMB } = r);
      if (r.maxRssMB > options.memoryLimitMB) {
        ({ outcome, detail } = { outcome: 'memory', detail: `worker peak RSS ${r.maxRssMB} MB > ${options.memoryLimitMB} MB (${r.outcome})` });
        worker.stop(); // peak RSS only grows: start the next case in a fresh process
      }
    }
  } else {
    const outDir = path.join(caseDir, 'out');
    await mkdir(outDir);
    const plan = fuzzerFor(c.format).cli(file, c, seeds, outDir, rng);
    const r = await runCli(plan.args, caseDir, options.caseTimeoutMs);
    const left = await readdir(outDir);
    ({ outcome, detail } = classifyCli(r, left, plan.out !== undefined, options.memoryLimitMB));
    maxRssMB = r.maxRssMB ?? 0;
    detail = `hourglass ${plan.args.map((a) => path.relative(caseDir, a) || a).join(' ')} -> ${detail}`;
  }
  const bad = !GOOD_OUTCOMES.includes(outcome);
  const result: CaseResult & { maxRssMB: number } = {
    channel, index, caseSeed: cs, format: c.format, mutation: c.mutation, seed: c.seed, outcome, detail, known: bad ? knownFailure(c.format, c.mutation, outcome) : null, maxRssMB,
  };
  if (bad) {
    await mkdir(options.saveDir, { recursive: true });
    result.saved = path.join(options.saveDir, `${c.format}-${channel}-${index}-${c.mutation.replace(/[^a-z0-9-]/gi, '_')}${c.ext}`);
    await writeFile(result.saved, c.bytes);
    await writeFile(`${result.saved}.txt`, `${describe(result, options.seed)}\n`);
  }
  await rm(caseDir, { recursive: true, force: true });
  return result;
}

/** The reproduction line of a failing case. */
export function describe(r: CaseResult, seed: number): string {
  return `${r.format} ${r.channel} case ${r.index} (case seed ${r.caseSeed}, run seed ${seed}) from ${r.seed}, mutation ${r.mutation}: ${r.outcome}` +
    `${r.known ? ` [known: ${r.known}]` : ''}\n    ${r.detail}` +
    `${r.saved ? `\n    input saved as ${r.saved}` : ''}\n    replay: node dist/test/fuzz/run-cases.js --replay ${r.channel}:${r.index} --seed ${seed}`;
}

/** Runs both channels side by side (one worker, one CLI child: two processes for two cores) until a budget ends. */
export async function runFuzz(options: FuzzOptions, only?: { channel: Channel; index: number }): Promise<FuzzReport> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'hourglass-fuzz-'));
  try {
    const seeds = await makeSeeds(path.join(workDir, 'seeds'));
    const worker = new Worker(seeds);
    const report: FuzzReport = { counts: {}, failures: [], known: [], cases: { lib: 0, cli: 0 }, seconds: 0, maxRssMB: { lib: 0, cli: 0 } };
    for (const f of FORMATS) report.counts[f.format] = {};
    const started = Date.now();
    const deadline = started + options.seconds * 1000;
    const record = (r: CaseResult & { maxRssMB: number }) => {
      const bucket = r.known ? `known:${r.outcome}` : r.outcome;
      report.counts[r.format][bucket] = (report.counts[r.format][bucket] ?? 0) + 1;
      report.maxRssMB[r.channel] = Math.max(report.maxRssMB[r.channel], r.maxRssMB);
      if (!GOOD_OUTCOMES.includes(r.outcome)) {
        (r.known ? report.known : report.failures).push(r);
        options.log?.(`FAIL ${describe(r, options.seed)}`);
      }
    };
    const lane = async (channel: Channel, budget: number) => {
      for (let i = 0; i < budget && Date.now() < deadline; i++) {
        record(await runCase(channel, i, options, seeds, workDir, worker));
        report.cases[channel]++;
        if (options.log && report.cases[channel] % (channel === 'lib' ? 500 : 50) === 0)
          options.log(`${channel}: ${report.cases[channel]} cases, ${Math.round((Date.now() - started) / 1000)} s`);
      }
    };
    if (only) record(await runCase(only.channel, only.index, options, seeds, workDir, worker));
    else await Promise.all([lane('lib', options.libCases), lane('cli', options.cliCases)]);
    worker.stop();
    report.seconds = (Date.now() - started) / 1000;
    return report;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Counts per format and outcome as a table. */
export function formatReport(report: FuzzReport): string {
  const outcomes = [...new Set(Object.values(report.counts).flatMap((c) => Object.keys(c)))].sort((a, b) => (a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b)));
  const rows = [['format', ...outcomes, 'total']];
  const totals: Record<string, number> = {};
  for (const [format, c] of Object.entries(report.counts)) {
    rows.push([format, ...outcomes.map((o) => String(c[o] ?? 0)), String(Object.values(c).reduce((a, b) => a + b, 0))]);
    for (const o of outcomes) totals[o] = (totals[o] ?? 0) + (c[o] ?? 0);
  }
  rows.push(['all', ...outcomes.map((o) => String(totals[o])), String(Object.values(totals).reduce((a, b) => a + b, 0))]);
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const table = rows.map((r) => r.map((cell, j) => (j ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join('  ')).join('\n');
  const seen = new Set(report.known.map((r) => `${r.format}:${r.mutation}`));
  const unseen = Object.keys(KNOWN_FAILURES).filter((k) => !seen.has(k));
  return `${table}\n${report.cases.lib} in-process + ${report.cases.cli} CLI cases in ${report.seconds.toFixed(1)} s; peak RSS ${report.maxRssMB.lib} MB (worker), ${report.maxRssMB.cli} MB (CLI)` +
    `\n${report.failures.length} new failures, ${report.known.length} known failures` +
    (unseen.length ? `\nknown-failure entries that did not fail this run (fixed? delete them if they never do): ${unseen.join(', ')}` : '');
}

function parseArgs(argv: string[]): { minutes: number; seed: number; replay?: { channel: Channel; index: number }; saveDir: string } {
  let minutes = 30;
  let seed = Date.now() % 100000;
  let replay: { channel: Channel; index: number } | undefined;
  let saveDir = path.resolve('fuzz-failures', new Date().toISOString().replace(/[:.]/g, '-'));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--minutes') minutes = Number(value());
    else if (a === '--seed') seed = Number(value());
    else if (a === '--save-dir') saveDir = path.resolve(value());
    else if (a === '--replay') {
      const [channel, index] = value().split(':');
      if ((channel !== 'lib' && channel !== 'cli') || !Number.isInteger(Number(index))) throw new Error('--replay takes lib:N or cli:N');
      replay = { channel, index: Number(index) };
    } else throw new Error(`unknown option ${a} (options: --minutes M, --seed S, --save-dir DIR, --replay lib:N|cli:N)`);
  }
  if (!(minutes > 0) || !Number.isInteger(seed)) throw new Error('--minutes must be positive and --seed an integer');
  return { minutes, seed, replay, saveDir };
}

// `npm run fuzz -- --minutes 30 [--seed S]`: a time budget instead of a case budget.
if (!process.env.NODE_TEST_CONTEXT && process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`hourglass fuzz: seed ${args.seed}, ${args.replay ? `replaying ${args.replay.channel}:${args.replay.index}` : `${args.minutes} minutes`}; failing inputs go to ${args.saveDir}`);
  const report = await runFuzz(
    { seed: args.seed, libCases: Infinity, cliCases: Infinity, seconds: args.minutes * 60, ...DEFAULTS, saveDir: args.saveDir, log },
    args.replay,
  );
  log(formatReport(report));
  for (const r of [...report.failures, ...report.known]) log(describe(r, args.seed));
  process.exitCode = report.failures.length ? 1 : 0;
}
