import { invalid } from '../core/errors.js';

/** One option of a command, e.g. `--epochs 20` (number) or `--no-progress` (flag). */
export interface OptionSpec {
  readonly name: string; // long name without dashes, kebab-case
  readonly type: 'string' | 'number' | 'flag' | 'list'; // list = comma-separated numbers, e.g. --hidden 256,64
  readonly description: string;
  readonly default?: string | number | boolean | number[];
  readonly required?: boolean;
}

export type OptionValues = Record<string, string | number | boolean | number[] | undefined>;

/** A CLI subcommand. `name` may have two words (e.g. 'detect fit'). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Positional arguments after the options are passed through in `rest`. */
  run(options: OptionValues, rest: string[]): Promise<void>;
}

/** Parses `--name value`, `--name=value`, `--flag`, `--no-flag`; rejects unknown options with the list of known ones. */
export function parseOptions(command: Command, argv: readonly string[]): { options: OptionValues; rest: string[] } {
  const specs = new Map(command.options.map((o) => [o.name, o]));
  const options: OptionValues = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const spec = specs.get(name);
    if (!spec && name.startsWith('no-') && specs.get(name.slice(3))?.type === 'flag') {
      options[name.slice(3)] = false;
      continue;
    }
    if (!spec) {
      const known = command.options.map((o) => `--${o.name}`).join(', ');
      throw invalid(`unknown option --${name} for 'hourglass ${command.name}' (known: ${known || 'none'})`);
    }
    if (spec.type === 'flag') {
      if (inline !== undefined) throw invalid(`--${name} is a flag and takes no value`);
      options[name] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw invalid(`--${name} needs a value`);
    options[name] = convert(spec, raw);
  }
  for (const spec of command.options) {
    if (options[spec.name] === undefined && spec.default !== undefined) options[spec.name] = spec.default;
    if (spec.required && options[spec.name] === undefined)
      throw invalid(`'hourglass ${command.name}' needs --${spec.name} (${spec.description})`);
  }
  return { options, rest };
}

function convert(spec: OptionSpec, raw: string): string | number | number[] {
  if (spec.type === 'string') return raw;
  if (spec.type === 'number') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) throw invalid(`--${spec.name} expects a number, got '${raw}'`);
    return v;
  }
  const parts = raw.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v)))
    throw invalid(`--${spec.name} expects comma-separated numbers, e.g. 256,64; got '${raw}'`);
  return values;
}

export function helpText(command: Command): string {
  const lines = [`hourglass ${command.name} — ${command.summary}`, '', 'Options:'];
  for (const o of command.options) {
    const value = o.type === 'flag' ? '' : o.type === 'list' ? ' <a,b,...>' : ` <${o.type}>`;
    const def = o.default !== undefined ? ` (default: ${Array.isArray(o.default) ? o.default.join(',') : o.default})` : '';
    lines.push(`  --${o.name}${value}`.padEnd(30) + ` ${o.description}${def}${o.required ? ' (required)' : ''}`);
  }
  return lines.join('\n');
}

/** Typed accessors: the parser already checked types, these narrow them for the compiler. */
export const opt = {
  string: (o: OptionValues, name: string): string | undefined => o[name] as string | undefined,
  number: (o: OptionValues, name: string): number | undefined => o[name] as number | undefined,
  flag: (o: OptionValues, name: string): boolean => o[name] === true,
  list: (o: OptionValues, name: string): number[] | undefined => o[name] as number[] | undefined,
};
