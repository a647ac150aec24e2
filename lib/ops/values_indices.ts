// lib/ops/values_indices.ts — the result of ops that give values and their indices (max/min over a
// dim, sort, topk, kthvalue, cummax, ...): PyTorch's named tuples, read by name
// (`const { values, indices } = x.max(1)`) or destructured as an array (`const [v, i] = x.topk(3)`).
import type { Tensor } from '../tensor';

/** Values and indices, by name or destructured as an array (PyTorch's named tuples). */
export class ValuesIndices {
  constructor(
    readonly values: Tensor,
    readonly indices: Tensor,
  ) {}
  get 0(): Tensor {
    return this.values;
  }
  get 1(): Tensor {
    return this.indices;
  }
  get length(): 2 {
    return 2;
  }
  *[Symbol.iterator](): IterableIterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
}
