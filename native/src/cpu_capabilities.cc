// cpuCapabilities() -> what this CPU offers and which paths the engine takes on it: the
// features that matter to hourglass, the instruction-set level of the hand-written kernels
// (detected, capped by HOURGLASS_MAX_ISA), the ISA oneDNN actually uses, and whether
// bfloat16 matrix products can be planned (mixed-precision training). Benchmarks print it,
// `hourglass info` shows it, and tests check that a forced level is really in force.
#include <dnnl.hpp>

#include <string>

#include "args.h"
#include "bf16_matmul.h"
#include "isa_level.h"
#include "registry.h"

namespace hourglass {
namespace {

std::string oneDnnIsaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    case dnnl::cpu_isa::all:
      return "all";
    default:
      return "isa " + std::to_string(static_cast<int>(isa));
  }
}

Napi::Value CpuCapabilities(const Napi::CallbackInfo& info) {
  expectCount(info, 0, "cpuCapabilities");
  auto env = info.Env();
  Napi::Object features = Napi::Object::New(env);
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  __builtin_cpu_init();
  features.Set("avx2", __builtin_cpu_supports("avx2") != 0);
  features.Set("fma", __builtin_cpu_supports("fma") != 0);
  features.Set("avx512f", __builtin_cpu_supports("avx512f") != 0);
  features.Set("avx512_bf16", __builtin_cpu_supports("avx512bf16") != 0);
  features.Set("amx", __builtin_cpu_supports("amx-bf16") != 0);
#else
  for (const char* f : {"avx2", "fma", "avx512f", "avx512_bf16", "amx"}) features.Set(f, false);
#endif

  Napi::Object result = Napi::Object::New(env);
  result.Set("features", features);
  result.Set("detectedLevel", isaName(detectedIsaLevel()));
  result.Set("level", isaName(isaLevel()));
  const IsaCap& cap = isaCap();
  result.Set("cap", cap.set ? Napi::Value(Napi::String::New(env, cap.raw)) : env.Null());
  result.Set("capError", cap.valid ? env.Null() : Napi::Value(Napi::String::New(env, cap.error)));
  result.Set("onednnIsa", oneDnnIsaName(dnnl::get_effective_cpu_isa()));
  // Planning one small product is the question oneDNN answers reliably (the CPU flag alone is
  // not enough: the cap, or a oneDNN built without the kernel, also decides).
  std::string bf16Reason;
  try {
    Bf16Matmul probe(16, 16, 16, false, true);
  } catch (const dnnl::error& e) {
    bf16Reason = std::string("oneDNN has no bfloat16 matrix product here (") + e.what() + ")";
    if (cap.set && isaLevel() != IsaLevel::Avx512)
      bf16Reason += "; HOURGLASS_MAX_ISA=" + cap.raw + " keeps this process below AVX-512";
  }
  result.Set("bfloat16", bf16Reason.empty());
  result.Set("bfloat16Reason", bf16Reason.empty() ? env.Null() : Napi::Value(Napi::String::New(env, bf16Reason)));
  return result;
}

}  // namespace

HOURGLASS_EXPORT(cpuCapabilities, CpuCapabilities);

}  // namespace hourglass
