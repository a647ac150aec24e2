// native/cpu/fast_math.h — branch-free float32 exp, sigmoid, tanh, erfc and the normal CDF whose
// loops vectorise (libm's expf / tanhf / erff are scalar calls, 5-11 ns per element), for the unary
// ops (elementwise.cc), the recurrent cells (rnn.cc), softmax (loss.cc) and GELU / SiLU (activation.cc). float64 keeps
// libm. Accuracy (test/ops/unary.test.ts, dense grids): exp within 2 float ulp over its whole range (denormal results
// included, 0 below -103.98, inf above 88.73), sigmoid within 2 ulp, tanh within 5e-7 absolute; NaN passes through all
// three.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tl {

template <typename T>
inline T exp_fast(T x) {
  return std::exp(x);
}
// exp(x) = 2^n exp(r): n = round(x log2 e) (the 1.5 * 2^23 trick: no float-to-int conversion), r = x -
// n ln 2 in two parts (Cody-Waite), exp(r) by Cephes' degree-6 polynomial on |r| <= ln 2 / 2, and 2^n
// as two halves' exponent bits so that n down to -150 (denormal results) needs no special case.
template <>
inline float exp_fast(float x) {
  const float xc = x > 88.8f ? 88.8f : (x < -104.0f ? -104.0f : x);
  const float magic = 12582912.0f;  // 1.5 * 2^23
  const float t = xc * 1.44269504088896341f + magic;
  const float n = t - magic;
  int32_t ti, mi;
  std::memcpy(&ti, &t, 4);
  std::memcpy(&mi, &magic, 4);
  const int32_t ni = ti - mi;  // n as an integer, in [-150, 129]
  const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const int32_t n1 = ni >> 1, n2 = ni - n1;  // 2^n = 2^n1 * 2^n2, each a normal float
  // (unsigned shifts: with x NaN, n is garbage and a signed shift would overflow; the NaN is returned)
  const uint32_t b1 = static_cast<uint32_t>(n1 + 127) << 23, b2 = static_cast<uint32_t>(n2 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, 4);
  std::memcpy(&s2, &b2, 4);
  const float y = p * s1 * s2;
  return x != x ? x : y;
}

template <typename T>
inline T sigmoid_fast(T x) {
  return T(1) / (T(1) + exp_fast(-x));
}

// tanh for float32 as a rational function (the odd 13/6 minimax form Eigen uses): within 5e-7 of the
// exact tanh (a few float ulp near +-1), sign and limits exact.
template <typename T>
inline T tanh_fast(T x) {
  return static_cast<T>(std::tanh(x));
}
template <>
inline float tanh_fast(float x) {
  const float c = 7.90531110763549805f;  // tanh rounds to +-1 beyond this
  const float xc = x > c ? c : (x < -c ? -c : x);
  const float x2 = xc * xc;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  const float r = p * xc / q;
  return (x < 0.0004f && x > -0.0004f) || x != x ? x : r;  // tiny: tanh(x) = x; NaN passes
}

// erfc(z) for z >= 0, float32: Numerical Recipes' erfcc Chebyshev fit (relative error 1.2e-7 in exact
// arithmetic) with exp_fast. -z^2 + p rounded to float costs up to half an ulp of z^2 in the
// exponent: within 5e-7 relative for z < 3, 8e-6 at z = 9 (erfc = 4e-37): less than what rounding
// x / sqrt 2 to float (as PyTorch does) already moves erfc there (test/ops/activation.test.ts).
// 0 beyond 10.5 (underflowed already; z = inf would give NaN); NaN passes.
inline float erfc_pos_fast(float z) {
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const float r = t * exp_fast(p - z * z);
  return z > 10.5f ? 0.0f : r;
}

// The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2 (exact GELU's), float32: from erfc of
// |x| / sqrt 2, so that the left tail (Phi small) is as accurate relatively as the right.
inline float normal_cdf_fast(float x) {
  const float h = 0.5f * erfc_pos_fast(std::fabs(x * 0.70710678118654752f));
  return x < 0.0f ? h : 1.0f - h;
}

}  // namespace tl
