// `npm run bench`: every benchmark, hourglass side by side with its reference, in one run.
// Timings on a shared machine are noisy: read the ratios and medians, not single times.
import { benchDense } from './dense.js';

const only = process.argv[2];
const benches: Record<string, () => Promise<void>> = {
  dense: () => benchDense(),
};
for (const [name, run] of Object.entries(benches)) if (!only || only === name) await run();
