import { callNative } from './native/addon.js';

/** Instruction-set levels of the hand-written kernels, widest first (GCC's x86-64-v4, x86-64-v3, baseline x86-64). */
export type IsaLevel = 'avx512' | 'avx2' | 'baseline';
export const ISA_LEVELS: readonly IsaLevel[] = ['avx512', 'avx2', 'baseline'];

/** The CPU features that decide the engine's paths. */
export interface CpuFeatures {
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  avx512_bf16: boolean;
  /** AMX with bfloat16 tiles. */
  amx: boolean;
}

/** What this CPU offers and which paths the native engine takes on it, in this process. */
export interface CpuCapabilities {
  features: CpuFeatures;
  /** The widest level this CPU (and its operating system) supports. */
  detectedLevel: IsaLevel;
  /** The level hourglass's own kernels run: detectedLevel, lowered by HOURGLASS_MAX_ISA. */
  level: IsaLevel;
  /** HOURGLASS_MAX_ISA as the process read it at start-up, or null when unset. */
  cap: string | null;
  /** Why the cap is unusable (every engine call then fails with this message), or null. */
  capError: string | null;
  /** The instruction set oneDNN's matrix products and convolutions use (capped with the kernels). */
  onednnIsa: string;
  /** Whether bfloat16 matrix products, hence `precision: 'bfloat16'` training, are available. */
  bfloat16: boolean;
  /** Why not, when bfloat16 is false. */
  bfloat16Reason: string | null;
}

let cached: CpuCapabilities | undefined;

/**
 * The engine's view of this CPU. Decided once per process: the level is the widest the CPU
 * supports unless the environment variable HOURGLASS_MAX_ISA (avx512, avx2 or baseline) caps
 * it, which also caps oneDNN, so one machine can run the narrower code paths. A cap above what
 * the CPU has changes nothing (it is a maximum); a value that names no level makes every
 * engine call fail with a message saying so, while this call still answers.
 */
export function cpuCapabilities(): CpuCapabilities {
  cached ??= callNative<CpuCapabilities>('cpuCapabilities');
  return { ...cached, features: { ...cached.features } };
}

/** One line for people: the kernels' level, oneDNN's ISA, bfloat16, and the cap when set. */
export function describeCapabilities(c: CpuCapabilities): string {
  const cap = c.cap === null ? '' : c.capError ? ` (HOURGLASS_MAX_ISA invalid: ${c.capError})` : ` (HOURGLASS_MAX_ISA=${c.cap}; the CPU has ${c.detectedLevel})`;
  return `kernels ${c.level}${cap}, oneDNN ${c.onednnIsa}, bfloat16 training ${c.bfloat16 ? 'available' : 'not available'}`;
}
