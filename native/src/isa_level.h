// Which x86-64 instruction-set level the hand-written kernels run on, decided once per process:
// the widest level the CPU (and the operating system) supports, capped by the environment
// variable HOURGLASS_MAX_ISA=avx512|avx2|baseline. The cap exists so that one machine can run
// and test the narrower code paths: CI on an AVX-512 machine covers what an AVX2-only CPU runs.
// The same cap is handed to oneDNN (applyIsaCapToOneDnn), so matrix products and convolutions
// take the narrower path too, and bfloat16 products become unavailable below avx512.
#pragma once
#include <string>

namespace hourglass {

// Levels as GCC's -march names them: baseline x86-64 (SSE2), x86-64-v3 (AVX2, FMA, BMI),
// x86-64-v4 (AVX-512 F, BW, CD, DQ, VL).
enum class IsaLevel { Baseline = 0, Avx2 = 1, Avx512 = 2 };

// "baseline", "avx2" or "avx512": the spelling HOURGLASS_MAX_ISA accepts.
const char* isaName(IsaLevel level);

// The widest level this CPU supports, whatever the environment says.
IsaLevel detectedIsaLevel();

// HOURGLASS_MAX_ISA as read at the first call (later changes to the environment are ignored:
// the kernels must not change path in the middle of a process).
struct IsaCap {
  bool set = false;      // the variable is present and not empty
  bool valid = true;     // it names a level; when not, `error` says what to do
  IsaLevel level = IsaLevel::Avx512;
  std::string raw;       // the variable's text
  std::string error;     // empty when valid
};
const IsaCap& isaCap();

// The level the kernels use: the detected level, lowered to the cap when one is set. A cap
// above what the CPU has changes nothing (it is a maximum). Cached: cheap enough to call per
// kernel invocation.
IsaLevel isaLevel();

// Hands the cap to oneDNN (dnnl::set_max_cpu_isa). oneDNN accepts this only before its first
// primitive or ISA query, so the addon calls it while loading. Never throws.
void applyIsaCapToOneDnn();

}  // namespace hourglass
