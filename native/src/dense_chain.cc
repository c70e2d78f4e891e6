// Shared pieces of the fused dense-chain kernels: argument parsing and the element-wise steps
// both the scoring and the training kernel apply. See dense_chain.h.
#include "dense_chain.h"

#include <cmath>

#include "activation.h"
#include "bias.h"
#include "args.h"

namespace hourglass::dense_chain {

namespace {

Act parseAct(const Napi::Env& env, const std::string& name) {
  if (name == "identity") return Act::Identity;
  if (name == "relu") return Act::Relu;
  if (name == "leaky_relu") return Act::LeakyRelu;
  if (name == "sigmoid") return Act::Sigmoid;
  if (name == "tanh") return Act::Tanh;
  fail(env, "unknown activation '" + name + "' (expected identity, relu, leaky_relu, sigmoid or tanh)");
}

}  // namespace

std::vector<ChainLayer> parseLayers(const Napi::CallbackInfo& info, size_t i, int64_t d, bool withGrads) {
  auto env = info.Env();
  if (!info[i].IsArray()) fail(env, "layers must be an array");
  auto list = info[i].As<Napi::Array>();
  if (list.Length() == 0) fail(env, "layers must not be empty");
  std::vector<ChainLayer> layers;
  int64_t width = d;
  for (uint32_t l = 0; l < list.Length(); l++) {
    std::string at = "layers[" + std::to_string(l) + "]";
    Napi::Value entry = list.Get(l);
    const uint32_t fields = withGrads ? 8 : 6;
    if (!entry.IsArray() || entry.As<Napi::Array>().Length() != fields)
      fail(env, at + (withGrads ? " must be [weight, bias, in, out, activation, slope, weightGrad, biasGrad]"
                                : " must be [weight, bias, in, out, activation, slope]"));
    auto e = entry.As<Napi::Array>();
    auto dimension = [&](uint32_t k, const char* what) {
      Napi::Value v = e.Get(k);
      double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (!(x >= 1 && x <= kMaxWidth && x == std::floor(x)))
        fail(env, at + " " + what + " must be an integer from 1 to " + std::to_string(kMaxWidth));
      return static_cast<int64_t>(x);
    };
    int64_t in = dimension(2, "in"), out = dimension(3, "out");
    if (width < 0) width = in;  // the chain's input width is the first layer's
    if (in != width) fail(env, at + " takes " + std::to_string(in) + " inputs but receives " + std::to_string(width));
    auto typed = [&](uint32_t k, const char* what, int64_t length, bool optional) -> float* {
      Napi::Value v = e.Get(k);
      if (optional && v.IsNull()) return nullptr;
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        fail(env, at + " " + what + " must be a Float32Array" + (optional ? " or null" : ""));
      auto array = v.As<Napi::Float32Array>();
      if (static_cast<int64_t>(array.ElementLength()) != length)
        fail(env, at + " " + what + " has " + std::to_string(array.ElementLength()) + " elements, expected " + std::to_string(length));
      return array.Data();
    };
    const float* weight = typed(0, "weight", in * out, false);
    const float* bias = typed(1, "bias", out, true);
    if (!e.Get(4u).IsString()) fail(env, at + " activation must be a string");
    Act act = parseAct(env, e.Get(4u).As<Napi::String>().Utf8Value());
    Napi::Value slopeValue = e.Get(5u);
    if (!slopeValue.IsNumber() || !std::isfinite(slopeValue.As<Napi::Number>().DoubleValue()))
      fail(env, at + " slope must be a finite number");
    float* weightGrad = nullptr;
    float* biasGrad = nullptr;
    if (withGrads) {
      weightGrad = typed(6, "weightGrad", in * out, false);
      biasGrad = typed(7, "biasGrad", out, true);
      if ((biasGrad == nullptr) != (bias == nullptr)) fail(env, at + " biasGrad must be null exactly when bias is");
    }
    layers.push_back({weight, bias, in, out, act, static_cast<float>(slopeValue.As<Napi::Number>().DoubleValue()), weightGrad, biasGrad});
    width = out;
  }
  if (d >= 0 && width != d) fail(env, "the last layer gives " + std::to_string(width) + " values per sample, the input has " + std::to_string(d));
  return layers;
}


namespace {

// The activation kernels' kind for a chain activation other than Identity (which callers skip).
Activation activationOf(Act act) {
  switch (act) {
    case Act::LeakyRelu:
      return Activation::LeakyRelu;
    case Act::Sigmoid:
      return Activation::Sigmoid;
    case Act::Tanh:
      return Activation::Tanh;
    default:
      return Activation::Relu;
  }
}

}  // namespace

void biasActivate(const ChainLayer& L, float* y, int64_t rows) {
  if (L.bias) addBiasToRows(y, L.bias, rows, L.out);
  if (L.act != Act::Identity) activationForwardRange(activationOf(L.act), y, y, rows * L.out, L.slope);
}

void activationGrad(Act act, float slope, const float* y, float* g, int64_t count) {
  if (act != Act::Identity) activationBackwardRange(activationOf(act), y, g, g, count, slope);
}

}  // namespace hourglass::dense_chain
