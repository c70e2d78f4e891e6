import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, statSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliRunner } from './support/cli.js';
import { helpText, parseOptions, type Command } from '../src/cli/command.js';
import { commands } from '../src/cli/commands/index.js';
import { finetuneCommand } from '../src/cli/commands/finetune.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hourglass-cli-conventions-'));
const hourglass = cliRunner(tmp);
const at = (name: string): string => path.join(tmp, name);

/** A table whose 'rpm' column is ~1000x the scale of the others, with an id column of text. */
function sensorTable(withId: boolean): string {
  const lines = [withId ? 'id,temp,pressure,rpm,vib' : 'temp,pressure,rpm,vib'];
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  for (let i = 0; i < 120; i++) {
    const t = rand() * 2;
    const row = [t, t * 0.8 + rand() * 0.5, 3000 + rand() * 800, rand() * 2].map((v) => v.toFixed(4));
    lines.push((withId ? [`m${i}`, ...row] : row).join(','));
  }
  return lines.join('\n') + '\n';
}
writeFileSync(at('sensors.csv'), sensorTable(false));
writeFileSync(at('sensors-id.csv'), sensorTable(true));

test('a flag is never taken as the value of another option; negative numbers still are values', () => {
  const r = hourglass('eval', '--model', '--json');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--model needs a value; got the flag --json/);
  assert.doesNotMatch(r.stderr, /no such model file/);
  const { options } = parseOptions(finetuneCommand, ['--pretrained', 'p.safetensors', '--l2sp', '-1', '--lr=-0.5']);
  assert.equal(options.l2sp, -1);
  assert.equal(options.lr, -0.5);
  const shift: Command = { name: 'x', summary: '', options: [{ name: 'shift', type: 'number', description: 'pixels' }], run: async () => undefined };
  assert.equal(parseOptions(shift, ['--shift', '-1']).options.shift, -1);
  assert.throws(() => parseOptions(shift, ['--shift', '-x']), /--shift needs a value; got the flag -x/);
});

test('--version prints the version from package.json', () => {
  const pkg = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8'));
  const r = hourglass('--version');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `hourglass ${pkg.version}`);
});

test('a command group with --help (or alone) lists its subcommands', () => {
  for (const [group, subs] of [['detect', ['fit', 'score', 'report', 'bench']], ['codec', ['train', 'calibrate', 'bench']], ['denoise', ['train', 'apply', 'bench']]] as const) {
    for (const args of [[group, '--help'], [group]]) {
      const r = hourglass(...args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      for (const s of subs) assert.match(r.stdout, new RegExp(`${group} ${s} `), `${args.join(' ')} lists ${s}`);
    }
  }
  const ft = hourglass('finetune', '--help');
  assert.equal(ft.code, 0);
  assert.match(ft.stdout, /--pretrained/);
  assert.match(ft.stdout, /Subcommands:\n\s+finetune bench/);
});

test('an unknown command is reported by its name alone, with the commands and a close match', () => {
  const r = hourglass('publish', '--model', 'x');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'publish';/);
  assert.doesNotMatch(r.stderr, /'publish --model'/);
  assert.match(r.stderr, /commands: demo, train, .*detect/);
  assert.match(hourglass('detecc', 'fit').stderr, /unknown command 'detecc' \(did you mean 'detect'\?\)/);
  assert.match(hourglass('detect', 'scor').stderr, /unknown command 'detect scor' \(did you mean 'score'\?\)/);
});

test("every option's --help line states its default (or that it is required)", () => {
  for (const command of commands) {
    for (const line of helpText(command).split('\n').filter((l) => l.startsWith('  --')))
      assert.match(line, /default|required/i, `hourglass ${command.name}: ${line.trim()}`);
  }
});

test('overwrite rule: never an input, never an existing file without --overwrite; checked before any work', () => {
  writeFileSync(at('m.safetensors'), 'not really a model');
  writeFileSync(at('g.npy'), 'not really an array');
  writeFileSync(at('existing.png'), 'old');
  writeFileSync(at('x.hgc'), 'not really hgc');
  const cases: [string[], RegExp][] = [
    [['reconstruct', '--model', 'm.safetensors', '--out', 'm.safetensors', '--overwrite'], /--out m\.safetensors is the input --model m\.safetensors/],
    [['encode', '--model', 'm.safetensors', '--data', 'sensors.csv', '--out', 'sensors.csv', '--overwrite'], /--out sensors\.csv is the input --data sensors\.csv/],
    [['denoise', 'apply', '--model', 'm.safetensors', '--data', 'g.npy', '--out', './g.npy', '--overwrite'], /--out \.\/g\.npy is the input --data g\.npy/],
    [['compress', '--model', 'm.safetensors', '--data', 'g.npy', '--out', path.join('..', path.basename(tmp), 'g.npy')], /is the input --data g\.npy/],
    [['decompress', '--model', 'm.safetensors', '--data', 'x.hgc', '--out', 'existing.png'], /--out existing\.png already exists; pass --overwrite to replace it/],
    [['reconstruct', '--model', 'm.safetensors', '--out', 'existing.png'], /--out existing\.png already exists; pass --overwrite/],
    [['codec', 'calibrate', '--model', 'm.safetensors', '--out', 'm.safetensors', '--overwrite'], /is the input --model/],
  ];
  for (const [args, message] of cases) {
    const r = hourglass(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.equal(readFileSync(at('m.safetensors'), 'utf8'), 'not really a model');
  assert.equal(readFileSync(at('sensors.csv'), 'utf8'), sensorTable(false));
  assert.equal(readFileSync(at('existing.png'), 'utf8'), 'old');
  // With --overwrite the check passes and the command gets as far as reading its model.
  const past = hourglass('decompress', '--model', 'm.safetensors', '--data', 'x.hgc', '--out', 'existing.png', '--overwrite');
  assert.match(past.stderr, /x\.hgc: not an \.hgc file/);
  // A run folder holding an input is refused even with --overwrite.
  mkdirSync(at('run'), { recursive: true });
  writeFileSync(at('run/pre.safetensors'), 'x');
  assert.match(hourglass('finetune', '--pretrained', 'run/pre.safetensors', '--out', 'run', '--overwrite').stderr, /--out run holds the input --pretrained run\/pre\.safetensors/);
});

test('detect score: an existing --out is refused, --overwrite replaces it; --in still works with a warning; --id-column is carried to scores.csv', () => {
  const fit = hourglass('detect', 'fit', '--data', 'sensors-id.csv', '--id-column', 'id', '--arch', 'pca', '--components', '2', '--out', 'det.safetensors');
  assert.equal(fit.code, 0, fit.stderr);
  writeFileSync(at('scores.csv'), 'precious\n');
  const refused = hourglass('detect', 'score', '--model', 'det.safetensors', '--data', 'sensors-id.csv', '--id-column', 'id', '--out', 'scores.csv');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--out scores\.csv already exists; pass --overwrite to replace it/);
  assert.equal(readFileSync(at('scores.csv'), 'utf8'), 'precious\n');

  const scored = hourglass('detect', 'score', '--model', 'det.safetensors', '--data', 'sensors-id.csv', '--id-column', 'id', '--out', 'scores.csv', '--overwrite');
  assert.equal(scored.code, 0, scored.stderr);
  const lines = readFileSync(at('scores.csv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 121);
  assert.match(lines[0], /^id,score,normalized_score,flag/);
  assert.match(lines[1], /^m0,/);
  assert.match(lines[120], /^m119,/);

  const old = hourglass('detect', 'score', '--model', 'det.safetensors', '--in', 'sensors.csv', '--out', 'old-spelling.csv');
  assert.equal(old.code, 0, old.stderr);
  assert.match(old.stderr, /warning: --in is deprecated; use --data/);
  assert.match(readFileSync(at('old-spelling.csv'), 'utf8'), /^row,score/);

  const unknown = hourglass('detect', 'score', '--model', 'det.safetensors', '--data', 'sensors-id.csv', '--id-column', 'ident', '--out', 'u.csv');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /--id-column ident: sensors-id\.csv has no such column; its columns are id, temp, pressure, rpm, vib/);
  const without = hourglass('detect', 'score', '--model', 'det.safetensors', '--data', 'sensors-id.csv', '--out', 'u.csv');
  assert.match(without.stderr, /column 'id' is not numeric/);
});

test('pca --scaler: a table is standardised by default (one huge-scale column does not take all the variance); the model file keeps the scaler', () => {
  const ratios = (dir: string): number[] => JSON.parse(readFileSync(at(path.join(dir, 'metrics.json')), 'utf8')).explainedVarianceRatio;
  const raw = hourglass('pca', '--data', 'sensors.csv', '--components', '2', '--scaler', 'none', '--out', 'pca-raw');
  assert.equal(raw.code, 0, raw.stderr);
  assert.ok(ratios('pca-raw')[0] > 0.98, `unscaled: rpm dominates (${ratios('pca-raw')[0]})`);
  const std = hourglass('pca', '--data', 'sensors-id.csv', '--id-column', 'id', '--components', '2', '--out', 'pca-std');
  assert.equal(std.code, 0, std.stderr);
  assert.match(std.stdout, /scaler standard/);
  assert.ok(ratios('pca-std')[0] < 0.7, `standardised: ${ratios('pca-std')[0]}`);
  // eval and encode on the PCA file apply its scaler: errors in standard units, features per row.
  const ev = hourglass('eval', '--model', 'pca-std/pca.safetensors', '--data', 'sensors.csv', '--json');
  assert.equal(ev.code, 0, ev.stderr);
  const mse = JSON.parse(ev.stdout).mse;
  assert.ok(mse > 0 && mse < 1, `standardised MSE ${mse}`);
  const enc = hourglass('encode', '--model', 'pca-std/pca.safetensors', '--data', 'sensors-id.csv', '--id-column', 'id', '--out', 'codes.csv');
  assert.equal(enc.code, 0, enc.stderr);
  assert.match(readFileSync(at('codes.csv'), 'utf8'), /^id,z0,z1\nm0,/);
  assert.match(hourglass('pca', '--data', 'sensors.csv', '--scaler', 'log', '--out', 'pca-bad').stderr, /--scaler must be none, minmax or standard/);
  assert.throws(() => statSync(at('pca-bad')));
});
