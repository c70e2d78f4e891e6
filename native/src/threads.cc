// Thread control for the whole process: how many OpenMP threads every later parallel
// region (the element-wise kernels, the fused dense-chain steps, oneDNN's sgemm and
// primitives under its OpenMP runtime) may use. Entry points run on the JavaScript main
// thread, so setting the main thread's OpenMP default reaches all of them.
#include <omp.h>
#include <string>
#include "args.h"
#include "registry.h"

namespace {

// More threads than this is a mistake (a typo, a byte count), not a machine.
constexpr int64_t kMaxThreads = 4096;

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  hourglass::expectCount(info, 1, "setThreads");
  int64_t n = hourglass::dim(info, 0, "threads");
  if (n < 1 || n > kMaxThreads)
    hourglass::fail(info.Env(), "threads must be an integer from 1 to " + std::to_string(kMaxThreads) + ", got " + std::to_string(n));
  omp_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  hourglass::expectCount(info, 0, "getThreads");
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

}  // namespace

HOURGLASS_EXPORT(setThreads, SetThreads);
HOURGLASS_EXPORT(getThreads, GetThreads);
