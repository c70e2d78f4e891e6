import os from 'node:os';
import { cpuCapabilities, describeCapabilities } from '../../core/cpu-capabilities.js';
import { getThreads } from '../../core/threads.js';
import { HourglassError } from '../../core/errors.js';
import { opt, type Command } from '../command.js';

export const infoCommand: Command = {
  name: 'info',
  summary: "this CPU's features and the code paths the engine takes on it (HOURGLASS_MAX_ISA caps them)",
  options: [{ name: 'json', type: 'flag', description: 'print the capabilities as JSON' }],
  async run(o) {
    const c = cpuCapabilities();
    const model = os.cpus()[0]?.model ?? 'unknown CPU';
    if (opt.flag(o, 'json')) {
      process.stdout.write(JSON.stringify({ cpu: model, logicalCores: os.cpus().length, ...c }, null, 2) + '\n');
      return;
    }
    const yes = (b: boolean) => (b ? 'yes' : 'no');
    const f = c.features;
    process.stdout.write(
      [
        `CPU: ${model}, ${os.cpus().length} logical cores`,
        `features: avx2 ${yes(f.avx2)}, fma ${yes(f.fma)}, avx512f ${yes(f.avx512f)}, avx512_bf16 ${yes(f.avx512_bf16)}, amx ${yes(f.amx)}`,
        `engine: ${describeCapabilities(c)}`,
        ...(c.bfloat16Reason ? [`bfloat16: ${c.bfloat16Reason}`] : []),
        `threads: ${c.capError ? 'unknown' : getThreads()}`,
      ].join('\n') + '\n',
    );
    // Every other command would fail on this; say so here too, after the facts above.
    if (c.capError) throw new HourglassError('NATIVE', c.capError);
  },
};
