import { csvFuzzer } from './csv.js';
import { npyFuzzer } from './npy.js';
import { idxFuzzer } from './idx.js';
import { safetensorsFuzzer } from './safetensors.js';
import { hgcFuzzer } from './hgc.js';
import { imageFuzzer } from './image.js';
import type { FormatFuzzer } from './types.js';

/** Every input format the tool reads; case i of a run fuzzes FORMATS[i % FORMATS.length]. */
export const FORMATS: readonly FormatFuzzer[] = [csvFuzzer, npyFuzzer, idxFuzzer, safetensorsFuzzer, hgcFuzzer, imageFuzzer];

export function fuzzerFor(format: string): FormatFuzzer {
  const f = FORMATS.find((x) => x.format === format);
  if (!f) throw new Error(`unknown fuzz format '${format}' (known: ${FORMATS.map((x) => x.format).join(', ')})`);
  return f;
}
