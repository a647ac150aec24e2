// native/core/answer.cc — see answer.h.
#include "core/answer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tl {

void append_float_json(std::string& out, float v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == 0) {
    out += '0';  // JavaScript prints -0 as 0 too
    return;
  }
  // the shortest round-trip digits, as d.ddde[+-]x
  char buf[48];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const char* p = buf;
  const char* end = r.ptr;
  if (*p == '-') {
    out += '-';
    ++p;
  }
  char digits[16];
  int k = 0;
  while (p < end && *p != 'e') {
    if (*p != '.') digits[k++] = *p;
    ++p;
  }
  const int e = std::atoi(std::string(p + 1, end).c_str());  // the exponent of the first digit
  const int n = e + 1;  // ECMA-262 Number::toString's n: the decimal point after n digits
  if (k <= n && n <= 21) {
    out.append(digits, k);
    out.append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, n);
    out += '.';
    out.append(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(-n, '0');
    out.append(digits, k);
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits + 1, k - 1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
}

namespace {
void name(std::string& out, int64_t i, const PutClass& put_class) {
  if (put_class) {
    put_class(out, i);
  } else {
    out += '"';
    out += std::to_string(i);
    out += '"';
  }
}
}  // namespace

void predictions_json(std::string& out, const float* logits, int64_t k, int64_t n, int64_t topk,
                      const PutClass& put_class) {
  std::vector<float> probs(static_cast<size_t>(k));
  std::vector<int64_t> picked;
  std::vector<char> taken(static_cast<size_t>(k));
  const int64_t t = std::min(topk, k);
  out.reserve(out.size() + static_cast<size_t>(n * (k * 12 + 64 + t * 48)));
  out += '[';
  for (int64_t r = 0; r < n; ++r) {
    const float* x = logits + r * k;
    // softmax as answer.ts: m = Math.max over the row (NaN wins), exp in double stored as float
    double m = -INFINITY;
    for (int64_t c = 0; c < k; ++c) {
      const double v = x[c];
      if (std::isnan(v) || std::isnan(m))
        m = NAN;
      else if (v > m)
        m = v;
    }
    double s = 0;
    for (int64_t c = 0; c < k; ++c) {
      const double e = std::exp(double(x[c]) - m);
      probs[static_cast<size_t>(c)] = static_cast<float>(e);
      s += e;
    }
    for (int64_t c = 0; c < k; ++c)
      probs[static_cast<size_t>(c)] = static_cast<float>(double(probs[static_cast<size_t>(c)]) / s);
    // top-k by selection: the highest unpicked, the first index among equals; NaN never beats
    picked.clear();
    std::fill(taken.begin(), taken.end(), 0);
    for (int64_t j = 0; j < t; ++j) {
      int64_t best = -1;
      for (int64_t c = 0; c < k; ++c)
        if (!taken[static_cast<size_t>(c)] &&
            (best < 0 || probs[static_cast<size_t>(c)] > probs[static_cast<size_t>(best)]))
          best = c;
      taken[static_cast<size_t>(best)] = 1;
      picked.push_back(best);
    }
    if (r) out += ',';
    out += "{\"class\":";
    name(out, picked[0], put_class);
    out += ",\"index\":";
    out += std::to_string(picked[0]);
    out += ",\"probs\":[";
    for (int64_t c = 0; c < k; ++c) {
      if (c) out += ',';
      append_float_json(out, probs[static_cast<size_t>(c)]);
    }
    out += "],\"topk\":[";
    for (int64_t j = 0; j < t; ++j) {
      if (j) out += ',';
      out += "{\"class\":";
      name(out, picked[static_cast<size_t>(j)], put_class);
      out += ",\"index\":";
      out += std::to_string(picked[static_cast<size_t>(j)]);
      out += ",\"prob\":";
      append_float_json(out, probs[static_cast<size_t>(picked[static_cast<size_t>(j)])]);
      out += '}';
    }
    out += "]}";
  }
  out += ']';
}
}  // namespace tl
