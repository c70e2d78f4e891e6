import type { Rng } from '../../src/core/rng.js';

/** The files a run starts from: small valid inputs and models made at test time (seeds.ts). */
export interface SeedFiles {
  dir: string;
  /** Absolute paths by name: 'table.csv', 'ae.safetensors', 'codec.safetensors', 'image.png', ... */
  files: Record<string, string>;
}

/** One fuzz input: the bytes to write, and how they were made (for the reproduction line). */
export interface FuzzCase {
  format: string;
  /** Name of the mutation, e.g. 'shape-huge' or 'bytes:flip'; known failures are keyed by format:mutation. */
  mutation: string;
  /** Seed file the case was made from. */
  seed: string;
  /** File name ending the case is written under ('.csv', '.idx.gz', ...): the CLI picks its reader by it. */
  ext: string;
  bytes: Uint8Array;
}

/** A CLI invocation for a case: arguments after `hourglass`, and the output path that must not survive a failure. */
export interface CliPlan {
  args: string[];
  out?: string;
}

/**
 * A format under fuzz: it makes cases from the seeds, reads a case in-process (in the worker
 * process, so a crash or an allocation blow-up cannot take the test runner down) and says
 * which CLI command reads it.
 */
export interface FormatFuzzer {
  format: string;
  makeCase(rng: Rng, seeds: SeedFiles): FuzzCase | Promise<FuzzCase>;
  /** Reads the case file with the library; throws HourglassError on bad input; the result must pass `sanity`. */
  read(file: string, c: Pick<FuzzCase, 'seed' | 'ext'>, seeds: SeedFiles): Promise<unknown>;
  /** Throws (a plain Error) when a value that was read successfully is not plausible. */
  sanity(value: unknown): void;
  cli(file: string, c: FuzzCase, seeds: SeedFiles, outDir: string, rng: Rng): CliPlan;
}

/** How a case ended. The first two are fine; every other one is a defect. */
export type Outcome =
  | 'ok'
  | 'rejected'
  | 'crash'
  | 'uncaught'
  | 'bad-message'
  | 'hang'
  | 'memory'
  | 'partial-output'
  | 'insane';

export const GOOD_OUTCOMES: readonly Outcome[] = ['ok', 'rejected'];
