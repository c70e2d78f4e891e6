// The table of every native addon entry point and the hostile calls made on each. Run as a
// script (by test/native-entry-points.test.ts, in a child process so a crash shows as a
// signal naming the last call), it prints one line per call.
import { writeSync } from 'node:fs';
import { addon } from '../../src/core/native/addon.js';

/**
 * Argument kinds, one letter per positional argument:
 * F Float32Array, D Float64Array, N Float32Array or null, n dimension, x number, b boolean,
 * c count (Adam's step: any non-negative integer, so only negative and fractional ones are hostile),
 * s kind name (activation or loss), P precision string, L list (layer tuples or Adam entries).
 */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  activationForward: 'sFFnx',
  activationBackward: 'sFFFnx',
  batchNorm2dForward: 'nnnnxbFFFFFF',
  batchNorm2dBackward: 'nnnnxFFFFFFFF',
  biasAdd: 'FFnn',
  biasGrad: 'FnnF',
  conv2dForward: 'nnnnnnnnnnnFFNF',
  conv2dBackwardData: 'nnnnnnnnnnnFFF',
  conv2dBackwardWeights: 'nnnnnnnnnnnFFFN',
  conv2dBackward: 'nnnnnnnnnnnFFFFNF',
  deconv2dForward: 'nnnnnnnnnnnnnFFNF',
  deconv2dBackwardData: 'nnnnnnnnnnnnnFFF',
  deconv2dBackwardWeights: 'nnnnnnnnnnnnnFFFN',
  deconv2dBackward: 'nnnnnnnnnnnnnFFFFNF',
  denseChainMse: 'FnnxDDLF',
  denseChainTrainStep: 'FFnLP',
  cpuCapabilities: '',
  sgemm: 'bbnnnxFnFnxFn',
  columnMeans: 'FnnD',
  columnSquaredDeviations: 'FnnDD',
  centeredCovariance: 'FnnDD',
  centeredRowGram: 'FnnDD',
  centeredGramTimes: 'FnnDDnD',
  centeredTransposeTimes: 'FnnDDnD',
  centeredProject: 'FnnFFnF',
  dgemm: 'bbnnnxDnDnxDn',
  symmetricEigen: 'DnnDD',
  orthonormalizeColumns: 'Dnn',
  lossForward: 'sFFnnN',
  lossBackward: 'sFFnF',
  adamStep: 'FFFFnxxxxxc',
  adamStepAll: 'Lxxxxc',
  sgdStep: 'FFFnxxxbb',
  pool2dWorkspaceBytes: 'bnnnnnnnnnn',
  pool2dForward: 'bnnnnnnnnnnFFN',
  pool2dBackward: 'bnnnnnnnnnnFFN',
  setThreads: 'n',
  getThreads: '',
  upsampleNearest2dForward: 'nnnnnnFF',
  upsampleNearest2dBackward: 'nnnnnnFF',
};

export interface HostileCall { name: string; label: string; args: unknown[] }

function detached<T extends Float32Array | Float64Array>(array: T): T {
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

/** A plausible value of each kind, the background every hostile argument is placed in. */
function base(kind: string, name: string): unknown {
  switch (kind) {
    case 'F':
    case 'N':
      return new Float32Array(16);
    case 'D':
      return new Float64Array(16);
    case 'n':
    case 'c':
      return 2;
    case 'x':
      return 0.5;
    case 'b':
      return false;
    case 's':
      return name.startsWith('loss') ? 'mse' : 'relu';
    case 'P':
      return 'float32';
    default:
      return [];
  }
}

const HUGE_DIMS: [string, number][] = [['-1', -1], ['2^31', 2 ** 31], ['2^32+1', 2 ** 32 + 1], ['2^53', 2 ** 53], ['1.5', 1.5], ['NaN', NaN], ['Infinity', Infinity]];

/** Every call that must throw: no arguments, wrong types, plain Arrays, short and detached arrays, bad and overflowing dimensions. */
export function hostileCalls(name: string): HostileCall[] {
  const kinds = [...ENTRY_POINTS[name]];
  const good = () => kinds.map((k) => base(k, name));
  const at = (p: number, value: unknown) => Object.assign(good(), { [p]: value });
  const calls: HostileCall[] = [];
  const add = (label: string, args: unknown[]) => calls.push({ name, label, args });
  if (kinds.length) add('no arguments', []);
  add('one extra argument', [...good(), 0]);
  if (kinds.length) {
    add('all strings', kinds.map(() => 'x'));
    add('all objects', kinds.map(() => ({})));
    add('all null', kinds.map(() => null));
    add('all plain Arrays', kinds.map(() => [1, 2, 3, 4]));
  }
  kinds.forEach((k, p) => {
    if (k === 'F' || k === 'D' || k === 'N') {
      add(`plain Array as argument ${p}`, at(p, new Array(16).fill(0)));
      add(`wrong typed array as argument ${p}`, at(p, k === 'D' ? new Float32Array(16) : new Float64Array(16)));
      add(`short array as argument ${p}`, at(p, k === 'D' ? new Float64Array(1) : new Float32Array(1)));
      add(`detached array as argument ${p}`, at(p, detached(k === 'D' ? new Float64Array(16) : new Float32Array(16))));
      add(`string as argument ${p}`, at(p, 'x'));
    } else if (k === 'n') {
      for (const [label, v] of HUGE_DIMS) add(`dimension ${label} as argument ${p}`, at(p, v));
      add(`string dimension as argument ${p}`, at(p, '2'));
    } else if (k === 'c') {
      for (const [label, v] of HUGE_DIMS.filter(([, v]) => !Number.isSafeInteger(v) || v < 0)) add(`count ${label} as argument ${p}`, at(p, v));
    } else if (k === 'x') {
      add(`NaN as argument ${p}`, at(p, NaN));
      add(`string number as argument ${p}`, at(p, '0.5'));
    } else if (k === 'b') {
      add(`number as boolean argument ${p}`, at(p, 1));
    } else if (k === 's' || k === 'P') {
      add(`unknown name as argument ${p}`, at(p, 'bogus'));
      add(`number as name argument ${p}`, at(p, 3));
    } else if (k === 'L') {
      add(`list of garbage as argument ${p}`, at(p, [[1, 2, 3]]));
      add(`list of null as argument ${p}`, at(p, [null]));
      add(`list with detached arrays as argument ${p}`, at(p, [[detached(new Float32Array(4)), detached(new Float32Array(4)), 'relu', 2, 2, 0, detached(new Float32Array(4))]]));
      add(`object as argument ${p}`, at(p, { length: 2 ** 31 }));
    }
  });
  const dims = kinds.flatMap((k, p) => (k === 'n' ? [p] : []));
  if (dims.length) {
    // Products that overflow int32 (2^16 per dimension, 2^32 for two), int64 and size_t.
    for (const [label, v] of [['2^16', 2 ** 16], ['2^31', 2 ** 31], ['2^40', 2 ** 40], ['2^53-1', 2 ** 53 - 1]] as const)
      add(`every dimension ${label}`, Object.assign(good(), Object.fromEntries(dims.map((p) => [p, v]))));
  }
  return calls;
}

if (!process.env.NODE_TEST_CONTEXT && process.argv[2] === '--run') {
  // writeSync: the line naming a call is out before the call runs, even if the call kills the process.
  for (const name of Object.keys(addon)) {
    if (!(name in ENTRY_POINTS)) {
      writeSync(1, `${JSON.stringify({ name, label: 'not in the table', result: 'uncovered' })}\n`);
      continue;
    }
    for (const call of hostileCalls(name)) {
      writeSync(1, `${JSON.stringify({ name, label: call.label, result: 'started' })}\n`);
      let result: string;
      try {
        const value = addon[name](...call.args);
        result = `returned ${String(value)}`;
      } catch (e) {
        result = e instanceof Error ? 'threw' : `threw a non-Error ${String(e)}`;
      }
      writeSync(1, `${JSON.stringify({ name, label: call.label, result })}\n`);
    }
  }
}
