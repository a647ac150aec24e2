// lib/nn/utils.ts — `nn.utils`, as torch.nn.utils in PyTorch 1.13: gradient clipping
// (clipGradNorm_ returns the total norm as a tensor of the gradients' dtype on their device, and
// scales every gradient in place by min(maxNorm / (total + 1e-6), 1); clipGradValue_ clamps them to
// [-clipValue, clipValue]) and the flat-vector views of parameters (parametersToVector,
// vectorToParameters). Everything runs as tensor ops on the parameters' device (no read-back,
// except errorIfNonfinite's check) and outside autograd, as PyTorch's .detach()/.data.
import { invalidArg, typeArg, checkOptionKeys, noExtraArgs, deviceMismatch } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { full, zeros } from '../creation';
import { noGrad } from '../autograd';
import { maximum, minimum, relu } from '../ops/elementwise';
import { stack, cat } from '../ops/shape';

/** The parameters argument: a tensor or an iterable of tensors (a module's parameters()). */
function paramList(name: string, parameters: unknown): Tensor[] {
  if (parameters instanceof Tensor) return [checkTensor(name, parameters)];
  if (typeof parameters !== 'object' || parameters === null || typeof (parameters as Iterable<unknown>)[Symbol.iterator] !== 'function')
    typeArg(name, 'a tensor or an iterable of tensors', parameters);
  const list = [...(parameters as Iterable<unknown>)];
  list.forEach((p, i) => checkTensor(`${name}[${i}]`, p));
  return list as Tensor[];
}
/** The gradients of the parameters that have one, each checked (a tensor of its parameter's shape). */
function gradsOf(name: string, params: Tensor[]): Tensor[] {
  const out: Tensor[] = [];
  params.forEach((p, i) => {
    const g = p.grad as unknown;
    if (g === null || g === undefined) return;
    checkTensor(`${name}[${i}].grad`, g);
    if ((g as Tensor).shape.join() !== p.shape.join()) invalidArg(`${name}[${i}].grad`, `a gradient of shape [${p.shape.join(', ')}]`, g);
    if ((g as Tensor).dtype !== 'float32' && (g as Tensor).dtype !== 'float64') typeArg(`${name}[${i}].grad`, 'a float32 or float64 gradient', g);
    out.push(g as Tensor);
  });
  return out;
}
function normTypeOf(v: unknown): number {
  if (v === undefined) return 2;
  if (v === 'inf') return Infinity;
  if (typeof v !== 'number' || !(v > 0)) invalidArg('opts.normType', "a norm order > 0, Infinity or 'inf'", v);
  return v as number;
}
/** |x| as two ReLUs (exact: one of them is 0). */
function abs(x: Tensor): Tensor {
  return relu(x).add(relu(x.neg()));
}
/** torch.norm(x, p) over all elements (x flat or not), a 0-d tensor of x's dtype. */
function pNorm(x: Tensor, p: number): Tensor {
  // maximum/minimum return their second operand when a comparison fails (NaN), so the operand that
  // may be NaN goes second: NaN propagates, as in PyTorch
  if (p === Infinity) return maximum(x.min().neg(), x.max()).reshape([]);
  if (p === 2) return x.mul(x).sum().sqrt();
  if (p === 1) return abs(x).sum();
  return abs(x).pow(p).sum().pow(1 / p);
}

export interface ClipGradNormOptions {
  /** the order of the norm: a number > 0 or Infinity ('inf'); default 2 */
  normType?: number | 'inf';
  /** throw when the total norm is NaN or infinite (default false: scale by it anyway, as PyTorch) */
  errorIfNonfinite?: boolean;
}
/**
 * Clips the gradients of `parameters` in place so that their total norm (the norm of the vector of
 * every gradient's norm) is at most maxNorm: each gradient is multiplied by
 * min(maxNorm / (total + 1e-6), 1). Returns the total norm before clipping, a 0-d tensor (as
 * torch.nn.utils.clip_grad_norm_; `.item()` gives the number). Parameters without a gradient are
 * skipped; with none at all the result is torch.tensor(0).
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, opts: ClipGradNormOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('clipGradNorm_', 'parameters, maxNorm, opts', rest);
  const params = paramList('parameters', parameters);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) typeArg('maxNorm', 'a number', maxNorm);
  const o = checkOptionKeys('opts', opts, ['normType', 'errorIfNonfinite']);
  const p = normTypeOf(o.normType);
  if (o.errorIfNonfinite !== undefined && typeof o.errorIfNonfinite !== 'boolean') typeArg('opts.errorIfNonfinite', 'a boolean', o.errorIfNonfinite);
  const grads = gradsOf('parameters', params);
  if (!grads.length) return zeros([]);
  const device = grads[0].device;
  const dtype = grads.some((g) => g.dtype === 'float64') ? 'float64' : 'float32';
  return noGrad(() => {
    const norms = grads.map((g) => pNorm(g.detach(), p).to(device).to(dtype));
    const total = norms.length === 1 && p === Infinity ? norms[0] : pNorm(stack(norms), p);
    if (o.errorIfNonfinite) {
      const t = total.item();
      if (!Number.isFinite(t))
        invalidArg('parameters',
          `gradients whose total norm of order ${p} is finite, so that they can be clipped (to scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false)`,
          `a total norm of ${t}`);
    }
    // clamp(maxNorm / (total + 1e-6), max=1), NaN kept (second operand, see pNorm)
    const coef = minimum(full([], 1, { dtype, device }), full([], maxNorm, { dtype, device }).div(total.add(1e-6)));
    for (const g of grads) {
      const c = coef.to(g.device).to(g.dtype);
      g.copy_(g.mul(c));
    }
    return total;
  });
}

/** Clamps every gradient of `parameters` in place to [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_). */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number, ...rest: never[]): void {
  noExtraArgs('clipGradValue_', 'parameters, clipValue', rest);
  const params = paramList('parameters', parameters);
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) typeArg('clipValue', 'a number', clipValue);
  const grads = gradsOf('parameters', params);
  noGrad(() => {
    for (const g of grads) {
      const lo = full([], -clipValue, { dtype: g.dtype, device: g.device });
      const hi = full([], clipValue, { dtype: g.dtype, device: g.device });
      g.copy_(minimum(hi, maximum(lo, g))); // clamp(g, lo, hi), NaN kept (second operands, see pNorm)
    }
  });
}

/** The parameters flattened and concatenated into one vector (torch.nn.utils.parameters_to_vector); all on one device. */
export function parametersToVector(parameters: Tensor | Iterable<Tensor>, ...rest: never[]): Tensor {
  noExtraArgs('parametersToVector', 'parameters', rest);
  const params = paramList('parameters', parameters);
  if (!params.length) invalidArg('parameters', 'at least one parameter', params);
  params.forEach((p, i) => {
    if (p.device !== params[0].device) deviceMismatch(`parameters[${i}]`, `a parameter on ${params[0].device}, as parameters[0]`, p.device);
  });
  return cat(params.map((p) => p.reshape([-1])));
}

/**
 * Copies consecutive slices of `vec` (a 1-D tensor with at least as many elements as the
 * parameters hold) into the parameters, in order (torch.nn.utils.vector_to_parameters). The
 * parameters keep their dtype and device (PyTorch makes them views of vec instead).
 */
export function vectorToParameters(vec: Tensor, parameters: Tensor | Iterable<Tensor>, ...rest: never[]): void {
  noExtraArgs('vectorToParameters', 'vec, parameters', rest);
  if (!(vec instanceof Tensor)) typeArg('vec', 'a tensor', vec);
  checkTensor('vec', vec);
  const params = paramList('parameters', parameters);
  if (vec.ndim !== 1) invalidArg('vec', 'a 1-D tensor', vec);
  const total = params.reduce((n, p) => n + p.numel(), 0);
  if (vec.numel() < total) invalidArg('vec', `a vector of at least ${total} elements (the parameters' total)`, vec);
  params.forEach((p, i) => {
    if (p.device !== vec.device) deviceMismatch(`parameters[${i}]`, `a parameter on ${vec.device}, as vec`, p.device);
  });
  noGrad(() => {
    let at = 0;
    for (const p of params) {
      const n = p.numel();
      p.copy_(vec.narrow(0, at, n).reshape(p.shape));
      at += n;
    }
  });
}

/** nn.utils.rnn: padSequence, PackedSequence, packPaddedSequence, padPackedSequence, packSequence. */
export * as rnn from './rnn_utils';
/** nn.utils.stateless: functionalCall (the same function as torch.func.functionalCall, lib/func.ts). */
export * as stateless from '../func';
export { weightNorm, removeWeightNorm, spectralNorm, removeSpectralNorm } from './weight_norm';
export type { WeightNormOptions, SpectralNormOptions } from './weight_norm';
