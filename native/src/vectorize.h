// node-gyp compiles for the baseline x86-64 instruction set (SSE2, 4 floats per vector).
// Element-wise kernels marked HOURGLASS_VECTORIZED are compiled three times (AVX-512,
// AVX2 + FMA, baseline) and the dynamic loader binds the best one the CPU supports, so
// the plain C++ loops inside them vectorize 8 or 16 floats wide where the hardware can.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HOURGLASS_VECTORIZED __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOURGLASS_VECTORIZED
#endif
