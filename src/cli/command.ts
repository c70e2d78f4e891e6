import { invalid } from '../core/errors.js';

/** One option of a command, e.g. `--epochs 20` (number) or `--no-progress` (flag). */
export interface OptionSpec {
  readonly name: string; // long name without dashes, kebab-case
  readonly type: 'string' | 'number' | 'flag' | 'list' | 'strings'; // list = comma-separated numbers, e.g. --hidden 256,64; strings = a string option that may be given several times
  readonly description: string;
  readonly default?: string | number | boolean | number[];
  readonly required?: boolean;
  /** Old spellings still accepted; each use prints a one-line deprecation warning to stderr. */
  readonly aliases?: readonly string[];
  /** number/list: every value must be an integer (counts, sizes, seeds, indices). Names in INTEGER_OPTIONS are integers without saying so. */
  readonly integer?: boolean;
  /** number/list: inclusive bounds of every value. */
  readonly min?: number;
  readonly max?: number;
}

/**
 * Counts and sizes that are integers in every command, with their bounds, so a table need
 * not repeat them (an option's own integer/min/max win). Upper bounds keep a typo such as
 * --epochs 1e9 or --chunk-rows 1000000000 from allocating or running for ever; the model
 * size itself is bounded by the models (MAX_PARAMETERS, src/models/size-limits.ts). Options
 * that a command validates itself with its own message (finetune's --neighbours,
 * --unlabelled-batch, --propagation-rounds) are left to it.
 */
export const INTEGER_OPTIONS: Readonly<Record<string, { min: number; max: number }>> = {
  epochs: { min: 1, max: 1_000_000 },
  'batch-size': { min: 1, max: 1 << 20 },
  patience: { min: 1, max: 1_000_000 },
  limit: { min: 1, max: 2 ** 31 - 1 },
  'test-limit': { min: 1, max: 2 ** 31 - 1 },
  'train-limit': { min: 1, max: 2 ** 31 - 1 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  seeds: { min: 1, max: 1000 },
  count: { min: 1, max: 100_000 },
  offset: { min: 0, max: 2 ** 31 - 1 },
  top: { min: 0, max: 100_000 },
  'chunk-rows': { min: 1, max: 1 << 20 },
  hidden: { min: 1, max: 1 << 24 },
  filters: { min: 1, max: 1 << 16 },
  bottleneck: { min: 0, max: 1 << 24 },
  depth: { min: 1, max: 16 },
  bottlenecks: { min: 1, max: 1 << 24 },
  'normal-class': { min: 0, max: 1 << 16 },
  'pretrain-epochs': { min: 1, max: 1_000_000 },
  'probe-epochs': { min: 0, max: 1_000_000 },
  'decoder-epochs': { min: 0, max: 1_000_000 },
  'anneal-epochs': { min: 0, max: 1_000_000 },
  'all-label-epochs': { min: 1, max: 1_000_000 },
  'patch-size': { min: 1, max: 1 << 16 },
  'patch-stride': { min: 1, max: 1 << 16 },
  stride: { min: 1, max: 1 << 16 },
  'encoder-layers': { min: 1, max: 1000 },
};

/** A number as people write it in decimal: 12, -0.5, 1e-3, .5; not 0x1, 0b1, 1_000, Infinity or ''. */
const PLAIN_DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type OptionValues = Record<string, string | number | boolean | number[] | string[] | undefined>;

/** A CLI subcommand. `name` may have two words (e.g. 'detect fit'). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** What the command takes besides options (e.g. 'fashion-mnist'); without it, a positional argument is an error. */
  readonly positionals?: string;
  /** Positional arguments after the options are passed through in `rest`. */
  run(options: OptionValues, rest: string[]): Promise<void>;
}

/** Where deprecation warnings go (stderr; tests may replace it). */
export let warn = (line: string): void => void process.stderr.write(`hourglass: warning: ${line}\n`);
export function setWarn(f: (line: string) => void): void {
  warn = f;
}

/** A negative number such as -1 or -0.5e-3: a value, not an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Parses `--name value`, `--name=value`, `--flag`, `--no-flag`; rejects unknown options with
 * the list of known ones, and a value that is itself an option (`--model --json`).
 *
 * Why not node:util parseArgs underneath: on Node 20 it has no number or list types and no
 * `--no-flag` negation (allowNegative arrived in 22.4), it rejects every value that starts
 * with a dash (so `--shift -1` would need `--shift=-1`), and its errors name neither the
 * command nor the known options. Mapping our tables onto it would keep all of this code and
 * add a translation layer, so the parser stays this one loop.
 */
export function parseOptions(command: Command, argv: readonly string[]): { options: OptionValues; rest: string[] } {
  const specs = new Map<string, OptionSpec>();
  const aliasOf = new Map<string, OptionSpec>();
  for (const o of command.options) {
    specs.set(o.name, o);
    for (const a of o.aliases ?? []) aliasOf.set(a, o);
  }
  const options: OptionValues = {};
  const rest: string[] = [];
  const known = (): string => command.options.map((o) => `--${o.name}`).join(', ') || 'none';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1 && !NEGATIVE_NUMBER.test(arg))
        throw invalid(`unknown option ${arg} for 'hourglass ${command.name}': options are long, e.g. --help (known: ${known()})`);
      rest.push(arg);
      continue;
    }
    const [written, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let name = written;
    let spec = specs.get(name);
    if (!spec && aliasOf.has(name)) {
      spec = aliasOf.get(name)!;
      warn(`--${name} is deprecated; use --${spec.name}`);
      name = spec.name;
    }
    if (!spec && name.startsWith('no-')) {
      const negated = specs.get(name.slice(3)) ?? aliasOf.get(name.slice(3));
      if (negated?.type === 'flag') {
        if (!specs.has(name.slice(3))) warn(`--${name} is deprecated; use --no-${negated.name}`);
        if (inline !== undefined) throw invalid(`--${name} is a flag and takes no value`);
        options[negated.name] = false;
        continue;
      }
    }
    if (!spec) throw invalid(`unknown option --${name} for 'hourglass ${command.name}' (known: ${known()})`);
    if (spec.type === 'flag') {
      if (inline !== undefined) throw invalid(`--${name} is a flag and takes no value`);
      options[name] = true;
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      raw = argv[i + 1];
      if (raw === undefined) throw invalid(`--${name} needs a value (${spec.description})`);
      // `--model --json` must not load a file called '--json'; `--shift -1` is still a value.
      if (raw.startsWith('-') && raw.length > 1 && !NEGATIVE_NUMBER.test(raw))
        throw invalid(`--${name} needs a value; got the flag ${raw} (write --${name}=${raw} if the value really starts with a dash)`);
      i++;
    }
    if (spec.type === 'strings') options[name] = [...((options[name] as string[] | undefined) ?? []), raw];
    else options[name] = convert(spec, raw);
  }
  for (const spec of command.options) {
    if (options[spec.name] === undefined && spec.default !== undefined) options[spec.name] = spec.default;
    if (spec.required && options[spec.name] === undefined)
      throw invalid(`'hourglass ${command.name}' needs --${spec.name} (${spec.description})`);
  }
  if (rest.length > 0 && command.positionals === undefined)
    throw invalid(`'hourglass ${command.name}' takes no positional arguments, got ${rest.map((r) => `'${r}'`).join(' ')}; options start with -- (see 'hourglass ${command.name} --help')`);
  return { options, rest };
}

function convert(spec: OptionSpec, raw: string): string | number | number[] {
  if (spec.type === 'string' || spec.type === 'strings') return raw;
  const named = INTEGER_OPTIONS[spec.name];
  const integer = spec.integer ?? named !== undefined;
  const min = spec.min ?? named?.min;
  const max = spec.max ?? named?.max;
  const check = (text: string, v: number): number => {
    const kind = integer ? 'an integer' : 'a number';
    const range = min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` >= ${min}` : max !== undefined ? ` <= ${max}` : '';
    if (!PLAIN_DECIMAL.test(text) || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || (min !== undefined && v < min) || (max !== undefined && v > max))
      throw invalid(`--${spec.name} expects ${kind}${range}${spec.type === 'list' ? ' in each comma-separated value' : ''}, got '${text}'`);
    return v;
  };
  if (spec.type === 'number') return check(raw.trim(), Number(raw));
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.some((p) => p === ''))
    throw invalid(`--${spec.name} expects comma-separated numbers, e.g. 256,64; got '${raw}'`);
  return parts.map((p) => check(p, Number(p)));
}

/** The default as --help shows it: the declared value, or what the description says, or off / not set. */
export function defaultText(o: OptionSpec): string {
  if (o.required) return ' (required)';
  if (o.default !== undefined) {
    const v = Array.isArray(o.default) ? o.default.join(',') : o.type === 'flag' ? (o.default ? 'on' : 'off') : String(o.default);
    return ` (default: ${v})`;
  }
  if (/\bdefault\b/i.test(o.description)) return '';
  return o.type === 'flag' ? ' (default: off)' : ' (default: not set)';
}

export function helpText(command: Command, subcommands: readonly Command[] = []): string {
  const lines = [`hourglass ${command.name} — ${command.summary}`, '', 'Options:'];
  for (const o of command.options) {
    const value = o.type === 'flag' ? '' : o.type === 'list' ? ' <a,b,...>' : o.type === 'strings' ? ' <string> ...' : ` <${o.type}>`;
    const aliases = o.aliases?.length ? ` (formerly ${o.aliases.map((a) => `--${a}`).join(', ')})` : '';
    lines.push(`  --${o.name}${value}`.padEnd(30) + ` ${o.description}${defaultText(o)}${aliases}`);
  }
  if (subcommands.length) {
    lines.push('', 'Subcommands:');
    for (const c of subcommands) lines.push(`  ${c.name.padEnd(18)} ${c.summary}`);
  }
  return lines.join('\n');
}

/** Typed accessors: the parser already checked types, these narrow them for the compiler. */
export const opt = {
  string: (o: OptionValues, name: string): string | undefined => o[name] as string | undefined,
  number: (o: OptionValues, name: string): number | undefined => o[name] as number | undefined,
  flag: (o: OptionValues, name: string): boolean => o[name] === true,
  list: (o: OptionValues, name: string): number[] | undefined => o[name] as number[] | undefined,
  strings: (o: OptionValues, name: string): string[] => (o[name] as string[] | undefined) ?? [],
};
