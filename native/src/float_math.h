// exp, expm1, sigmoid, tanh and log for float, written with +, *, / and bit operations only. The libm
// functions are opaque scalar calls that stop a loop from vectorizing; these inline into
// the loop body, so a sigmoid over a batch runs 8-16 lanes wide. Range reduction plus a
// Taylor polynomial keeps them within a few ulp of the exact value. NaN inputs give NaN.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace hourglass::floatmath {

inline float fromBits(int32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline int32_t toBits(float f) {
  int32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

constexpr float kLog2e = 1.44269504088896341f;
// ln 2 split in two: kLn2High has 9 significant bits, so k * kLn2High is exact for the
// small integers k used here and the reduction x - k ln2 loses no precision.
constexpr float kLn2High = 0.693359375f;
constexpr float kLn2Low = -2.12194440054690583e-4f;
// Adding 1.5 * 2^23 rounds a float of magnitude < 2^22 to an integer, which then sits in
// the low mantissa bits of the sum: k = bits(x + kRoundShift) - bits(kRoundShift).
constexpr float kRoundShift = 12582912.0f;
constexpr int32_t kRoundShiftBits = 0x4B400000;

// expm1(r) for |r| <= ln2 / 2, Taylor series to r^8 (truncation below 1e-9 relative).
inline float expm1Reduced(float r) {
  float p = 1.0f / 40320;
  p = p * r + 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  return (p * r) * r + r;
}

// Splits x = k ln2 + r with |r| <= ln2 / 2 and returns r; k goes to *k. |x| must be below 2^21.
inline float reduce(float x, int32_t* k) {
  float shifted = x * kLog2e + kRoundShift;
  float kf = shifted - kRoundShift;
  *k = toBits(shifted) - kRoundShiftBits;
  return (x - kf * kLn2High) - kf * kLn2Low;
}

// 2^k for k in [-126, 127].
inline float powerOfTwo(int32_t k) { return fromBits((k + 127) << 23); }

// e^x for x <= 0, down into the denormal range: 2^k is applied as two normal factors
// 2^(k/2) 2^(k - k/2), so results below 2^-126 round once, like the exact value would.
inline float expNonPositive(float x) {
  x = std::max(x, -104.0f);  // e^-104 is below half the smallest denormal
  int32_t k;
  float r = reduce(x, &k);
  int32_t half = k >> 1;
  return (expm1Reduced(r) + 1.0f) * powerOfTwo(half) * powerOfTwo(k - half);
}

// e^x - 1 for x <= 0, accurate in relative terms near zero (where e^x - 1 would cancel).
inline float expm1NonPositive(float x) {
  x = std::max(x, -80.0f);  // e^-80 - 1 == -1 in float already
  int32_t k;
  float r = reduce(x, &k);
  float scale = powerOfTwo(k);
  return expm1Reduced(r) * scale + (scale - 1.0f);
}

// 1 / (1 + e^-x), through e^-|x| so that the exponential never overflows: for x < 0 it
// is e^x / (1 + e^x), which keeps full precision far into the negative tail.
inline float sigmoid(float x) {
  float e = expNonPositive(fromBits(toBits(x) | INT32_MIN));
  return (x < 0.0f ? e : 1.0f) / (1.0f + e);
}

// tanh through expm1(-2|x|), which keeps full relative precision for small |x|.
inline float tanh(float x) {
  int32_t sign = toBits(x) & INT32_MIN;
  float magnitude = fromBits(toBits(x) & INT32_MAX);
  float e = expm1NonPositive(-2.0f * magnitude);
  float t = -e / (2.0f + e);
  // t >= 0, but -0 / 2 is -0: take its magnitude so that tanh(+0) is +0.
  return fromBits((toBits(t) & INT32_MAX) | sign);
}

// max(log(x), -100) for x >= 0, the clamped logarithm of torch's BCELoss (log(0) gives -100).
inline float logClamped(float x) {
  // Denormals have no implicit leading bit; scale them into the normal range first.
  bool tiny = x < 1.17549435e-38f;
  float scaled = tiny ? x * 18446744073709551616.0f : x;  // * 2^64
  int32_t bits = toBits(scaled);
  int32_t exponent = (bits >> 23) - 127 - (tiny ? 64 : 0);
  float mantissa = fromBits((bits & 0x007FFFFF) | 0x3F800000);  // in [1, 2)
  // Centre the mantissa on 1: [sqrt(1/2), sqrt(2)) keeps the series argument below 0.172.
  bool high = mantissa > 1.41421356f;
  mantissa = high ? mantissa * 0.5f : mantissa;
  exponent += high ? 1 : 0;
  // log(m) = 2 atanh(s) with s = (m - 1) / (m + 1) = 2 (s + s^3/3 + s^5/5 + ...)
  float s = (mantissa - 1.0f) / (mantissa + 1.0f);
  float z = s * s;
  float series = 1.0f / 11;
  series = series * z + 1.0f / 9;
  series = series * z + 1.0f / 7;
  series = series * z + 1.0f / 5;
  series = series * z + 1.0f / 3;
  float logMantissa = 2.0f * s + 2.0f * s * z * series;
  float e = static_cast<float>(exponent);
  float result = e * kLn2High + (logMantissa + e * kLn2Low);
  result = std::max(result, -100.0f);
  return x == x ? result : x;
}

}  // namespace hourglass::floatmath
