// native/core/answer.h — the JSON text of a classifier's answer (lib/serve/answer.ts's writer, run by
// the inference workers and the server for every request): for rows [r0, r0 + n) of logits [*, k],
// [{"class", "index", "probs": [k], "topk": [{"class", "index", "prob"}]}] with probabilities the
// softmax of the row computed as answer.ts's formatOutput does (exp in double, each stored as float,
// the sum of the unrounded exps, each float divided by it), top-k by selection (highest first, the
// lowest index among equals; NaN never beats), numbers the shortest decimal that reads back as the same
// float, spelt as JavaScript's Number.prototype.toString spells that decimal, non-finite as null.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace tl {
// put_class(out, i) appends class i's name as JSON text (quotes included); called for the top-k
// classes only. Without it (empty), the name is the index as a string.
using PutClass = std::function<void(std::string& out, int64_t index)>;
void predictions_json(std::string& out, const float* logits, int64_t k, int64_t n, int64_t topk,
                      const PutClass& put_class);
// Appends v as described above ("null" for NaN and infinities).
void append_float_json(std::string& out, float v);
}  // namespace tl
