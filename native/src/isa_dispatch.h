// Runs a kernel body compiled for the instruction-set level chosen at run time (isa_level.h).
//
// Why not GCC's target_clones: it binds the widest clone when the library is loaded (an ifunc
// resolver), so nothing can make a process take the AVX2 path on an AVX-512 machine, and that
// path went untested wherever the tests ran. Here each kernel's body is a lambda, instantiated
// three times inside functions compiled for x86-64-v4, x86-64-v3 and the baseline; `flatten`
// inlines the body (and the inline helpers it calls) into each of them, so the plain C++ loops
// vectorize 16, 8 or 4 floats wide. The choice is one switch on a cached value per call.
//
//   void addOne(float* x, int64_t n) {
//     dispatchByIsa([&] { for (int64_t i = 0; i < n; i++) x[i] += 1; });
//   }
//
// node-gyp compiles everything else for the baseline x86-64 (SSE2).
#pragma once
#include "isa_level.h"

namespace hourglass {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)

template <class Body>
__attribute__((target("arch=x86-64-v4"), flatten)) inline auto runOnAvx512(const Body& body) {
  return body();
}

template <class Body>
__attribute__((target("arch=x86-64-v3"), flatten)) inline auto runOnAvx2(const Body& body) {
  return body();
}

template <class Body>
__attribute__((flatten)) inline auto runOnBaseline(const Body& body) {
  return body();
}

template <class Body>
inline auto dispatchByIsa(const Body& body) {
  switch (isaLevel()) {
    case IsaLevel::Avx512:
      return runOnAvx512(body);
    case IsaLevel::Avx2:
      return runOnAvx2(body);
    default:
      return runOnBaseline(body);
  }
}

#else  // other compilers and architectures: the body as the build compiled it

template <class Body>
inline auto dispatchByIsa(const Body& body) {
  return body();
}

#endif

}  // namespace hourglass
