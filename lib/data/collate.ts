// lib/data/collate.ts — default collation, as PyTorch's default_collate: a list of samples into one
// batch of the same structure. Tensors are stacked along a new first dimension; numbers become a 1-D
// tensor whose dtype comes from the dataset (its `dtypes` declaration for that field, e.g.
// 'int64' for class labels), never from the values: undeclared numbers are float64 (as Python floats
// in PyTorch), BigInts int64, booleans bool; strings stay an array of strings; arrays (tuples) and
// plain objects are collated field by field, recursively. Anything else, or samples of different
// structure, is a coded error naming the path of the field.
import { invalidArg, typeArg, shapeError } from '../errors';
import { Tensor, DType } from '../tensor';
import { fromBuffer } from '../creation';
import { stack as stackOp } from '../ops/shape';

/**
 * The dtypes of a sample's number fields, in the sample's own structure: a dtype at a number's place
 * (e.g. `[null, 'int64']` for [image, label] samples, `{label: 'int64'}` for objects); null or a
 * missing entry where nothing is declared.
 */
export type SampleDtypes = DType | null | undefined | readonly SampleDtypes[] | { readonly [key: string]: SampleDtypes };

const NUMBER_DTYPES = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];

function sub(d: SampleDtypes, k: string | number): SampleDtypes {
  if (d === null || d === undefined || typeof d === 'string') return undefined;
  return (d as Record<string | number, SampleDtypes>)[k];
}

function numbersTensor(vals: unknown[], dtype: string, where: string): Tensor {
  const n = vals.length;
  switch (dtype) {
    case 'float32':
    case 'float64': {
      const a = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
      vals.forEach((v, i) => (a[i] = Number(v)));
      return fromBuffer(a, [n], { dtype });
    }
    case 'int32':
    case 'int64':
    case 'uint8': {
      vals.forEach((v, i) => {
        if (typeof v === 'number' && !Number.isInteger(v)) invalidArg(`${where}[${i}]`, `an integer (the dataset declares ${dtype})`, v);
      });
      if (dtype === 'int64') return fromBuffer(BigInt64Array.from(vals, (v) => BigInt(v as number)), [n], { dtype });
      if (dtype === 'int32') return fromBuffer(Int32Array.from(vals, Number), [n], { dtype });
      return fromBuffer(Uint8Array.from(vals, Number), [n], { dtype });
    }
    case 'bool':
      return fromBuffer(Uint8Array.from(vals, (v) => (v ? 1 : 0)), [n], { dtype: 'bool' });
  }
  return invalidArg(`dtypes${where.slice('samples'.length)}`, `one of ${NUMBER_DTYPES.join(', ')}`, dtype);
}

function collateAt(batch: unknown[], dtypes: SampleDtypes, where: string): unknown {
  const first = batch[0];
  const bad = (i: number, what: string) => typeArg(`${where.replace('samples', `samples[${i}]`)}`, what, batch[i]);
  if (first instanceof Tensor) {
    batch.forEach((t, i) => {
      if (!(t instanceof Tensor)) return bad(i, 'a Tensor (as in the first sample)');
      if (t.shape.join() !== first.shape.join())
        shapeError(where.replace('samples', `samples[${i}]`), `a tensor of shape [${first.shape.join(', ')}] (as in the first sample)`, t);
      if (t.dtype !== first.dtype) bad(i, `a ${first.dtype} tensor (as in the first sample)`);
    });
    return stackOp(batch as Tensor[], 0);
  }
  if (typeof first === 'number' || typeof first === 'bigint' || typeof first === 'boolean') {
    const kind = typeof first;
    batch.forEach((v, i) => {
      if (typeof v !== kind) bad(i, `a ${kind} (as in the first sample)`);
    });
    const declared = typeof dtypes === 'string' ? dtypes : undefined;
    if (dtypes !== undefined && dtypes !== null && typeof dtypes !== 'string') invalidArg(`dtypes${where.slice(7)}`, 'a dtype for a number field', dtypes);
    const dtype = declared ?? (kind === 'bigint' ? 'int64' : kind === 'boolean' ? 'bool' : 'float64');
    return numbersTensor(batch, dtype, where);
  }
  if (typeof first === 'string') {
    batch.forEach((v, i) => {
      if (typeof v !== 'string') bad(i, 'a string (as in the first sample)');
    });
    return batch.slice();
  }
  if (Array.isArray(first)) {
    batch.forEach((v, i) => {
      if (!Array.isArray(v) || v.length !== first.length) bad(i, `an array of ${first.length} elements (each sample of the batch must have the same size)`);
    });
    return first.map((_, k) => collateAt(batch.map((s) => (s as unknown[])[k]), sub(dtypes, k), `${where}[${k}]`));
  }
  if (first !== null && typeof first === 'object' && (Object.getPrototypeOf(first) === Object.prototype || Object.getPrototypeOf(first) === null)) {
    const keys = Object.keys(first);
    batch.forEach((v, i) => {
      const o = v as Record<string, unknown>;
      if (o === null || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).length !== keys.length || !keys.every((k) => k in o))
        bad(i, `an object with the keys ${keys.join(', ')} (as the first sample)`);
    });
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = collateAt(batch.map((s) => (s as Record<string, unknown>)[k]), sub(dtypes, k), `${where}.${k}`);
    return out;
  }
  return typeArg(where.replace('samples', 'samples[0]'), 'a tensor, number, bigint, boolean, string, or an array or plain object of them', first);
}

/**
 * PyTorch's default_collate: `samples` (one batch) into one collated batch (see the file comment);
 * `dtypes` declares the dtypes of number fields (a dataset's `dtypes`).
 */
export function defaultCollate(samples: unknown[], dtypes?: SampleDtypes): unknown {
  if (!Array.isArray(samples)) typeArg('samples', 'an array of samples', samples);
  if (!samples.length) invalidArg('samples', 'a non-empty batch', samples);
  return collateAt(samples, dtypes, 'samples');
}

/** The old name of defaultCollate (kept for existing code). */
export function stack(samples: unknown[], dtypes?: SampleDtypes): unknown {
  return defaultCollate(samples, dtypes);
}
