// lib/nn/weight_norm.ts — nn.utils.weightNorm / removeWeightNorm and nn.utils.spectralNorm /
// removeSpectralNorm: PyTorch 1.13's hook-based reparametrisations (torch/nn/utils/weight_norm.py,
// spectral_norm.py), with PyTorch's attribute and state-dict names.
//   weightNorm(module, {name='weight', dim=0}): the parameter `name` becomes the parameters `name_g`
//   (the norm over every dim but `dim`; dim null or -1: over the whole tensor) and `name_v` (the
//   direction); a forward pre-hook sets module[name] = v * (g / ||v||) before every forward.
//   spectralNorm(module, {name='weight', nPowerIterations=1, eps=1e-12, dim}): the parameter becomes
//   `name_orig`, with buffers `name_u` / `name_v` (random unit vectors at the start, from torchlet's
//   generator); before every forward in training mode nPowerIterations power iterations update u and v
//   in place, and module[name] = W / (u . W v), W the weight as a matrix with `dim` first (default 1 for
//   the transposed convolutions, else 0). In eval mode u and v are used as they are.
// The remove functions put back one plain parameter holding the current reparametrised weight.
import { invalidArg, typeArg, checkInt, checkNumber, checkOptionKeys, noExtraArgs } from '../errors';
import { Tensor, normDim } from '../tensor';
import { noGrad } from '../autograd';
import { Module, Parameter, RemovableHandle } from './module';
import { normalize } from '../ops/distance';
import { matmul } from '../ops/matmul';
import { empty } from '../creation';

interface Reparam {
  kind: 'weight' | 'spectral';
  handle: RemovableHandle;
  compute: (m: Module, training: boolean) => Tensor;
}
const REPARAMS = new WeakMap<Module, Map<string, Reparam>>();
const attrs = (m: Module) => m as unknown as Record<string, unknown>;

function target(fn: string, module: unknown, name: string): Parameter {
  if (!(module instanceof Module)) typeArg('module', 'an nn.Module', module);
  if (typeof name !== 'string' || !name) typeArg('opts.name', 'a parameter name', name);
  if (REPARAMS.get(module as Module)?.has(name))
    invalidArg('opts.name', `a parameter without a reparametrisation (${fn}: ${JSON.stringify(name)} already has one)`, name);
  const p = attrs(module as Module)[name];
  if (!(p instanceof Parameter)) invalidArg('opts.name', `the name of a parameter of the module (${fn})`, name);
  return p as Parameter;
}
function register(module: Module, name: string, r: Omit<Reparam, 'handle'>): void {
  const handle = module.registerForwardPreHook((m) => {
    attrs(m)[name] = r.compute(m, m.training);
    return undefined;
  });
  let map = REPARAMS.get(module);
  if (!map) REPARAMS.set(module, (map = new Map()));
  map.set(name, { ...r, handle });
}
function unregister(fn: string, module: unknown, name: string, kind: Reparam['kind'], params: string[], buffers: string[]): Module {
  if (!(module instanceof Module)) typeArg('module', 'an nn.Module', module);
  const r = REPARAMS.get(module as Module)?.get(name);
  if (!r || r.kind !== kind) invalidArg('opts.name', `a parameter with a ${kind === 'weight' ? 'weight' : 'spectral'} norm (${fn}: ${JSON.stringify(name)} has none)`, name);
  const m = module as Module;
  const w = noGrad(() => r!.compute(m, false)).detach().clone();
  r!.handle.remove();
  REPARAMS.get(m)!.delete(name);
  for (const k of [...params, ...buffers]) delete attrs(m)[k];
  const bufs = (m as unknown as { _buffers: Set<string> })._buffers;
  for (const k of buffers) bufs.delete(k);
  attrs(m)[name] = new Parameter(w);
  return m;
}

/** ||v|| over every dim but `dim` (kept as size-1 dims), or over all of v (dim -1). */
function normExceptDim(v: Tensor, dim: number): Tensor {
  const sq = v.mul(v);
  if (dim === -1) return sq.sum().sqrt();
  const dims = v.shape.map((_, i) => i).filter((i) => i !== dim);
  return dims.length ? sq.sum(dims, { keepdim: true }).sqrt() : sq.sqrt();
}

export interface WeightNormOptions {
  /** the parameter (default 'weight') */
  name?: string;
  /** the dim kept by the norm (default 0); null or -1: the norm of the whole tensor */
  dim?: number | null;
}
/** Weight normalisation of module[name] (PyTorch's weight_norm); returns the module. */
export function weightNorm<M extends Module>(module: M, opts: WeightNormOptions = {}, ...rest: never[]): M {
  noExtraArgs('weightNorm', 'module, { name, dim }', rest);
  const o = checkOptionKeys('opts', opts, ['name', 'dim']);
  const name = o.name ?? 'weight';
  const w = target('weightNorm', module, name);
  let dim = 0;
  if (o.dim === null) dim = -1;
  else if (o.dim !== undefined) dim = checkInt('opts.dim', o.dim) === -1 ? -1 : normDim(o.dim, w.ndim, 'opts.dim');
  const g = new Parameter(noGrad(() => normExceptDim(w, dim)).detach().clone());
  const v = new Parameter(w.detach().clone());
  delete attrs(module)[name];
  attrs(module)[`${name}_g`] = g;
  attrs(module)[`${name}_v`] = v;
  const compute = (m: Module) => {
    const gg = attrs(m)[`${name}_g`] as Tensor;
    const vv = attrs(m)[`${name}_v`] as Tensor;
    return vv.mul(gg.div(normExceptDim(vv, dim)));
  };
  attrs(module)[name] = compute(module);
  register(module, name, { kind: 'weight', compute });
  return module;
}
/** Undoes weightNorm: module[name] a parameter again, holding the current weight. */
export function removeWeightNorm<M extends Module>(module: M, opts: { name?: string } = {}, ...rest: never[]): M {
  noExtraArgs('removeWeightNorm', 'module, { name }', rest);
  const name = checkOptionKeys('opts', opts, ['name']).name ?? 'weight';
  return unregister('removeWeightNorm', module, name, 'weight', [`${name}_g`, `${name}_v`], []) as M;
}

export interface SpectralNormOptions {
  name?: string;
  /** power iterations per training forward (default 1) */
  nPowerIterations?: number;
  /** added to norms before dividing (default 1e-12) */
  eps?: number;
  /** the dim that becomes the matrix's rows (default 1 for ConvTranspose1d/2d/3d, else 0) */
  dim?: number;
}
/** Spectral normalisation of module[name] (PyTorch's spectral_norm); returns the module. */
export function spectralNorm<M extends Module>(module: M, opts: SpectralNormOptions = {}, ...rest: never[]): M {
  noExtraArgs('spectralNorm', 'module, { name, nPowerIterations, eps, dim }', rest);
  const o = checkOptionKeys('opts', opts, ['name', 'nPowerIterations', 'eps', 'dim']);
  const name = o.name ?? 'weight';
  const w = target('spectralNorm', module, name);
  const iters = checkInt('opts.nPowerIterations', o.nPowerIterations ?? 1, 0);
  const eps = checkNumber('opts.eps', o.eps ?? 1e-12);
  if (!(eps >= 0)) invalidArg('opts.eps', 'a number >= 0', eps);
  const transposed = /^ConvTranspose[123]d$/.test(module.constructor.name);
  const dim = o.dim === undefined ? (transposed ? 1 : 0) : normDim(o.dim, w.ndim, 'opts.dim');
  const asMatrix = (t: Tensor): Tensor => {
    const rows = dim === 0 ? t : t.permute([dim, ...t.shape.map((_, i) => i).filter((i) => i !== dim)]);
    return rows.reshape([rows.shape[0], -1]);
  };
  const [h, wd] = asMatrix(w).shape;
  const unit = (n: number) => normalize(empty([n], { dtype: w.dtype, device: w.device }).normal_(0, 1), { dim: 0, eps });
  const u0 = noGrad(() => unit(h));
  const v0 = noGrad(() => unit(wd));
  delete attrs(module)[name];
  attrs(module)[`${name}_orig`] = w;
  module.registerBuffer(`${name}_u`, u0);
  module.registerBuffer(`${name}_v`, v0);
  const compute = (m: Module, training: boolean) => {
    const orig = attrs(m)[`${name}_orig`] as Tensor;
    let u = attrs(m)[`${name}_u`] as Tensor;
    let v = attrs(m)[`${name}_v`] as Tensor;
    const mat = asMatrix(orig);
    if (training && iters > 0) {
      noGrad(() => {
        const md = mat.detach();
        for (let i = 0; i < iters; i++) {
          v.copy_(normalize(matmul(md.t(), u), { dim: 0, eps }));
          u.copy_(normalize(matmul(md, v), { dim: 0, eps }));
        }
      });
      u = u.clone();
      v = v.clone();
    }
    const sigma = u.mul(matmul(mat, v)).sum();
    return orig.div(sigma);
  };
  attrs(module)[name] = w.detach(); // PyTorch's weight.data until the first forward
  register(module, name, { kind: 'spectral', compute });
  return module;
}
/** Undoes spectralNorm: module[name] a parameter again, holding the current normalised weight. */
export function removeSpectralNorm<M extends Module>(module: M, opts: { name?: string } = {}, ...rest: never[]): M {
  noExtraArgs('removeSpectralNorm', 'module, { name }', rest);
  const name = checkOptionKeys('opts', opts, ['name']).name ?? 'weight';
  return unregister('removeSpectralNorm', module, name, 'spectral', [`${name}_orig`], [`${name}_u`, `${name}_v`]) as M;
}
