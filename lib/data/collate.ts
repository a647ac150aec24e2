// lib/data/collate.ts — default collation: a list of samples (tuples of tensors or numbers) into
// a tuple of batched tensors, stacking along a new first dimension.
import { invalidArg, shapeError, typeArg } from '../errors';
import { Tensor } from '../tensor';
import { fromBuffer, tensor } from '../creation';

function stackTensors(ts: Tensor[]): Tensor {
  const shape = ts[0].shape;
  ts.forEach((t, i) => {
    if (t.shape.join() !== shape.join()) shapeError(`samples[${i}]`, `a tensor of shape [${shape.join(', ')}]`, t);
  });
  const parts = ts.map((t) => t.toArray());
  const Ctor = parts[0].constructor as new (n: number) => Float32Array;
  const per = parts[0].length;
  const out = new Ctor(per * ts.length);
  parts.forEach((p, i) => out.set(p as Float32Array, i * per));
  return fromBuffer(out, [ts.length, ...shape], { dtype: ts[0].dtype });
}

export function stack(samples: unknown[]): unknown {
  if (!Array.isArray(samples)) typeArg('samples', 'an array of samples', samples);
  if (!samples.length) invalidArg('samples', 'a non-empty batch', samples);
  const first = samples[0];
  if (first instanceof Tensor) return stackTensors(samples as Tensor[]);
  if (typeof first === 'number') return tensor(samples as number[]);
  if (Array.isArray(first)) return first.map((_, k) => stack(samples.map((s) => (s as unknown[])[k])));
  return invalidArg('samples', 'tensors, numbers or tuples of them', first);
}
