// Module entry: exposes every function registered with HOURGLASS_EXPORT.
#include <napi.h>
#include "args.h"
#include "isa_level.h"
#include "registry.h"

namespace {

// Every entry point but cpuCapabilities, while HOURGLASS_MAX_ISA names no level: loading
// must not fail (the error would be a stack trace from import), so the first real call does.
Napi::Value RefuseInvalidIsaCap(const Napi::CallbackInfo& info) { hourglass::fail(info.Env(), hourglass::isaCap().error); }

}  // namespace

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Before anything can create a oneDNN primitive: oneDNN takes its ISA cap only then.
  hourglass::applyIsaCapToOneDnn();
  const bool refuse = !hourglass::isaCap().valid;
  for (auto& [name, fn] : hourglass::registry()) {
    auto target = refuse && name != "cpuCapabilities" ? RefuseInvalidIsaCap : fn;
    exports.Set(name, Napi::Function::New(env, target, name));
  }
  return exports;
}

NODE_API_MODULE(hourglass_native, Init)
