// Run-time instruction-set level of the hand-written kernels. See isa_level.h.
#include "isa_level.h"

#include <cstdlib>
#include <dnnl.hpp>

namespace hourglass {

const char* isaName(IsaLevel level) {
  switch (level) {
    case IsaLevel::Avx512:
      return "avx512";
    case IsaLevel::Avx2:
      return "avx2";
    default:
      return "baseline";
  }
}

IsaLevel detectedIsaLevel() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  // libgcc's check includes the operating system's support (XCR0) for the wider registers.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return IsaLevel::Avx512;
  if (__builtin_cpu_supports("x86-64-v3")) return IsaLevel::Avx2;
#endif
  return IsaLevel::Baseline;
}

namespace {

IsaCap readCap() {
  IsaCap cap;
  const char* value = std::getenv("HOURGLASS_MAX_ISA");
  if (value == nullptr || *value == '\0') return cap;
  cap.set = true;
  cap.raw = value;
  for (IsaLevel level : {IsaLevel::Avx512, IsaLevel::Avx2, IsaLevel::Baseline})
    if (cap.raw == isaName(level)) {
      cap.level = level;
      return cap;
    }
  cap.valid = false;
  cap.error = "HOURGLASS_MAX_ISA must be avx512, avx2 or baseline, got '" + cap.raw + "': correct it or unset it";
  return cap;
}

}  // namespace

const IsaCap& isaCap() {
  static const IsaCap cap = readCap();
  return cap;
}

IsaLevel isaLevel() {
  static const IsaLevel level = [] {
    IsaLevel detected = detectedIsaLevel();
    const IsaCap& cap = isaCap();
    if (!cap.set || !cap.valid) return detected;  // an invalid cap stops every call (addon.cc)
    return static_cast<int>(cap.level) < static_cast<int>(detected) ? cap.level : detected;
  }();
  return level;
}

void applyIsaCapToOneDnn() {
  const IsaCap& cap = isaCap();
  // avx512 is the widest level: it leaves oneDNN free to use AVX-512 extensions (bfloat16,
  // VNNI, AMX). Unset, a user's own ONEDNN_MAX_CPU_ISA stays in force.
  if (!cap.set || !cap.valid || cap.level == IsaLevel::Avx512) return;
  dnnl::cpu_isa isa = cap.level == IsaLevel::Avx2 ? dnnl::cpu_isa::avx2 : dnnl::cpu_isa::sse41;
  try {
    dnnl::set_max_cpu_isa(isa);
  } catch (...) {
    // Too late (something already used oneDNN): cpuCapabilities() reports oneDNN's actual ISA.
  }
}

}  // namespace hourglass
