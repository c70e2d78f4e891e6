// Module entry: exposes every function registered with HOURGLASS_EXPORT.
#include <napi.h>
#include "registry.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto& [name, fn] : hourglass::registry()) exports.Set(name, Napi::Function::New(env, fn, name));
  return exports;
}

NODE_API_MODULE(hourglass_native, Init)
