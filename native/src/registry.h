// Every native source file registers its JavaScript-visible functions here through a
// static Registration object, so adding a kernel never means editing a shared list.
#pragma once
#include <napi.h>
#include <string>
#include <utility>
#include <vector>

namespace hourglass {

using NativeFunction = Napi::Value (*)(const Napi::CallbackInfo&);

inline std::vector<std::pair<std::string, NativeFunction>>& registry() {
  static std::vector<std::pair<std::string, NativeFunction>> functions;
  return functions;
}

struct Registration {
  Registration(const char* name, NativeFunction fn) { registry().emplace_back(name, fn); }
};

}  // namespace hourglass

// Usage, at namespace scope in a .cc file: HOURGLASS_EXPORT(sgemm, SgemmEntry);
#define HOURGLASS_CONCAT_INNER(a, b) a##b
#define HOURGLASS_CONCAT(a, b) HOURGLASS_CONCAT_INNER(a, b)
#define HOURGLASS_EXPORT(jsName, fn) \
  static ::hourglass::Registration HOURGLASS_CONCAT(registration_, __LINE__)(#jsName, fn)
