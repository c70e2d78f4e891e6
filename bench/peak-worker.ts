// The machine's float32 matrix-product rate: sgemm 2048 x 2048 x 2048 through the native
// addon, repeated for about two seconds, on as many threads as OMP_NUM_THREADS allows.
// Prints one JSON line {gflops}. Run by bench/machine-peak.ts.
import { gemm } from '../src/core/native/gemm.js';

const n = 2048;
const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
const b = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
const c = new Float32Array(n * n);
const product = () => gemm({ a, b, c, m: n, n, k: n });
for (let i = 0; i < 3; i++) product();
let reps = 0;
const start = performance.now();
while (performance.now() - start < 2000) {
  product();
  reps++;
}
const seconds = (performance.now() - start) / 1000;
process.stdout.write(JSON.stringify({ gflops: (2 * n ** 3 * reps) / seconds / 1e9 }) + '\n');
