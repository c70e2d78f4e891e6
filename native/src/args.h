// Argument validation shared by every entry point. A wrong call from JavaScript must
// throw a JavaScript error (Napi::Error with a message naming the argument), never
// read or write out of bounds, and never abort the process.
#pragma once
#include <napi.h>
#include <cmath>
#include <cstdint>
#include <string>

namespace hourglass {

// Thrown as a C++ exception; node-addon-api turns it into a JS Error (NAPI_CPP_EXCEPTIONS).
[[noreturn]] inline void fail(const Napi::Env& env, const std::string& message) {
  throw Napi::Error::New(env, "hourglass native: " + message);
}

inline void expectCount(const Napi::CallbackInfo& info, size_t count, const char* fn) {
  if (info.Length() != count)
    fail(info.Env(), std::string(fn) + " expects " + std::to_string(count) + " arguments, got " +
                         std::to_string(info.Length()));
}

// A non-negative integer that fits comfortably in int64 (shapes, strides, counts).
inline int64_t dim(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) fail(info.Env(), std::string(name) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v < 0 || v != std::floor(v) || v > 9.0e15)
    fail(info.Env(), std::string(name) + " must be a non-negative integer, got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

inline double number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) fail(info.Env(), std::string(name) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v)) fail(info.Env(), std::string(name) + " must be finite");
  return v;
}

inline bool flag(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean()) fail(info.Env(), std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

template <class T>
struct TypedView {
  T* data;
  size_t length;
};
using FloatView = TypedView<float>;
using DoubleView = TypedView<double>;

// A typed array argument of element type T holding at least `needed` elements.
template <class T>
inline TypedView<T> typedArray(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t needed,
                               napi_typedarray_type type, const char* typeName) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type)
    fail(info.Env(), std::string(name) + " must be a " + typeName);
  auto array = info[i].As<Napi::TypedArrayOf<T>>();
  if (static_cast<int64_t>(array.ElementLength()) < needed)
    fail(info.Env(), std::string(name) + " has " + std::to_string(array.ElementLength()) +
                         " elements, needs at least " + std::to_string(needed));
  return {array.Data(), array.ElementLength()};
}

inline FloatView floats(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t needed) {
  return typedArray<float>(info, i, name, needed, napi_float32_array, "Float32Array");
}

inline DoubleView doubles(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t needed) {
  return typedArray<double>(info, i, name, needed, napi_float64_array, "Float64Array");
}

// Products of dimensions checked for overflow before they are used as lengths.
inline int64_t product(const Napi::Env& env, std::initializer_list<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (d != 0 && p > (INT64_C(1) << 50) / d) fail(env, "shape is too large");
    p *= d;
  }
  return p;
}

}  // namespace hourglass
