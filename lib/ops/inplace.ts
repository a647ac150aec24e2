// lib/ops/inplace.ts — in-place variants (x.add_(y), x.clamp_(0, 1), ...) with PyTorch's autograd rules.
// Contract: inplace(self, op) computes op on self's current values, writes the result into self's
// storage (through self's strides, converting to self's dtype) and bumps the storage's version counter
// (Tensor._version, shared by every view), so a tensor saved for a backward and modified since makes
// that backward fail (lib/autograd.ts). Refused with coded errors, before anything is written: a
// result dtype self cannot hold (a float result into an integer tensor, a non-bool into bool), a
// result shape other than self's (self does not broadcast), self an expanded view (several elements
// sharing one memory location), and, when autograd records, a leaf that requires grad or a view of
// one (ERR_TORCHLET_AUTOGRAD), or a view taken before its base required grad (NOT_IMPLEMENTED). When
// autograd records, self becomes the op's output node (its gradFn is the op's, e.g. AddBackward for
// add_), its old value is kept by a clone the node reads, its old graph stays behind that clone, and
// the nodes that used self before the write keep its old node (retireNode). Written through a view,
// the viewed base gets PyTorch's CopySlices node (its old graph outside the view's region, the op's
// inside) and each view of the chain a view node of the base (AsStridedBackward); a view whose base
// was written since is given such a node before it is used (refreshStaleView, lib/autograd.ts).
import { native, enums } from '../binding';
import { Tensor, DType, isFloating, checkTensor, hasInternalOverlap } from '../tensor';
import { TorchletError, TorchletRangeError, shapeError, dtypeError } from '../errors';
import { isGradEnabled, autogradError, record, retireNode, noGrad, refreshStaleView, setViewRefresher } from '../autograd';
import type { GradOp, GradFn } from '../autograd';
import { cast, clone, relu, reluGrad, isNonNegative } from './elementwise';
import { bnReluHooks } from './fusion';
import { inplaceHook } from './inplace_hook';

const VIEW_OPS: GradOp[] = ['ViewBackward', 'PermuteBackward', 'UnsqueezeBackward', 'SqueezeBackward', 'NarrowBackward', 'SelectBackward', 'ExpandBackward', 'SliceBackward', 'DiagonalBackward', 'UnfoldBackward', 'AsStridedBackward'];

/**
 * The nodes of the clones inplace() makes of a tensor's old value for the op to read: torch.jit.freeze's
 * trace (lib/jit.ts) sees through them, so `out += identity` is read as an add of out's value.
 */
export const inplaceClones = new WeakSet<GradFn>();

/** Whether a result of dtype `from` may be written into a tensor of dtype `to` (PyTorch's can_cast). */
function canCast(from: DType, to: DType): boolean {
  if (isFloating(from) && !isFloating(to)) return false;
  if (to === 'bool' && from !== 'bool') return false;
  return true;
}

/**
 * The tensor self views in a graph: the first input of self's node, when it shares self's storage and
 * that node is a view op's or reads the storage in another geometry (any op returning a view, e.g.
 * diagonal: the viewed tensor is its first argument). An in-place op's own node reads a stand-in of
 * self's old values (the same storage in the same geometry) or a copy of them first, and is not a view;
 * its other inputs may be views of self (x.add_(x.t())) and are operands, never what self views (taking
 * them so made the chain x -> x.t() -> x endless). null if none.
 */
function viewedInput(self: Tensor): Tensor | null {
  const fn = self.gradFn;
  const t = fn ? fn.inputs[0] : null;
  if (!fn || !t || t._storage !== self._storage) return null;
  return VIEW_OPS.includes(fn.op) || !sameGeometry(t, self) ? t : null;
}
function sameGeometry(a: Tensor, b: Tensor): boolean {
  return a.offset === b.offset && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i] && a.strides[i] === b.strides[i]);
}

/**
 * What an in-place write into self under autograd must rebase: [self, the tensors it views ..., base]
 * when self is a view (of views) made in a graph, or a view of a tensor that requires no grad made
 * before the write (its storage's first tensor, then the base); [self] otherwise. Refused: a view of
 * a leaf that requires grad (PyTorch's error), and a view made before its base required grad written
 * after it did (a write PyTorch would rebase, that torchlet cannot: the view does not know its base).
 */
function viewChain(self: Tensor, name: string): Tensor[] {
  const chain = [self];
  for (let t = viewedInput(self); t; t = viewedInput(t)) chain.push(t);
  const base = chain[chain.length - 1];
  if (chain.length > 1) {
    if (base.requiresGrad && !base.gradFn) throw autogradError(`${name}: a view of a leaf Variable that requires grad is being used in an in-place operation.`);
    return chain;
  }
  const { owner, ownerInGraph } = self._storage;
  if (self.gradFn || self.requiresGrad || owner === self) return chain;
  if (!owner && ownerInGraph)
    throw new TorchletError(
      `torchlet: ${name}: an in-place operation that makes a view require grad, on a view taken before its base required grad ` +
        '(or of a detached tensor), is not supported: take the view again after the base requires grad, or clone() it',
      'ERR_TORCHLET_NOT_IMPLEMENTED',
    );
  return owner && !owner.disposed ? [self, owner] : chain;
}

/** A tensor's place in its storage. */
interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}
const geometry = (t: Tensor): Geometry => ({ shape: t.shape.slice(), strides: t.strides.slice(), offset: t.offset });
/**
 * A scratch storage laid out as the base's (`base` geometry over a fresh storage of g's dtype and
 * device), its region `view`, and the base-shaped tensor on it; zeroed, or holding g (base-shaped).
 */
function layout(g: Tensor, base: Geometry, view: Geometry, fromG: boolean): { R: Tensor; V: Tensor; done(): void } {
  const extent = base.shape.some((d) => d === 0) ? 1 : base.shape.reduce((e, d, i) => e + (d - 1) * base.strides[i], base.offset + 1);
  const buf = Tensor.empty([extent], g.dtype, g.device, !fromG);
  const R = new Tensor(buf._storage, base.shape, g.dtype, g.device, base.strides, base.offset);
  const V = new Tensor(buf._storage, view.shape, g.dtype, g.device, view.strides, view.offset);
  if (fromG) noGrad(() => R.copy_(g));
  return {
    R,
    V,
    done() {
      R.dispose();
      V.dispose();
      buf.dispose();
    },
  };
}

/** v's node becomes a view node of `base`'s current graph (base's geometry as now); v's old node is retired. */
function viewOfBase(v: Tensor, base: Tensor): void {
  const baseGeo = geometry(base);
  const geo = geometry(v);
  retireNode(oldSelf(v));
  v.gradFn = null;
  v.requiresGrad = false;
  record(v, [base], 'AsStridedBackward', (g) => {
    const { R, V, done } = layout(g, baseGeo, geo, false);
    noGrad(() => V.copy_(g));
    const gb = clone(R);
    done();
    return [gb];
  });
}
setViewRefresher((v) => {
  const base = v.gradFn!.viewOf!;
  refreshStaleView(base); // a view of a view: its base first
  viewOfBase(v, base);
});

/**
 * After `out` (the op's result, with its graph: the old values of the view chain[0] through its view
 * node) was written into the view chain[0]: the base (last of chain) gets PyTorch's CopySlices node
 * (its old graph outside the view's region, out's graph inside it) and every view of the chain a
 * view node of the new base, so that a gradient reaching any of them follows the written values.
 */
function rebaseViews(chain: Tensor[], out: Tensor): void {
  const base = chain[chain.length - 1];
  const baseGeo = geometry(base);
  const viewGeo = geometry(chain[0]);
  const old = retireNode(oldSelf(base)); // nodes that took the base as an input before this write keep its old node
  base.gradFn = null;
  base.requiresGrad = false;
  record(base, [old, out], 'CopySlices', (g) => {
    const { R, V, done } = layout(g, baseGeo, viewGeo, true);
    const inside = clone(V);
    noGrad(() => V.fill_(0));
    const outside = clone(R);
    done();
    return [outside, inside];
  });
  for (const v of chain.slice(0, -1)) viewOfBase(v, base);
}

/** The refusals of an in-place write into self (see the file comment), before anything is written. */
function checkTarget(self: Tensor, name: string, recording: boolean): void {
  checkTensor('input', self);
  // as PyTorch: nothing is written into an empty tensor, and fill_ writes one value wherever it lands
  if (name !== 'fill_' && hasInternalOverlap(self))
    throw new TorchletRangeError(
      `torchlet: ${name}: unsupported operation: more than one element of the written-to tensor refers to a single memory location. ` +
        `Please clone() the tensor before performing the operation.`,
      'ERR_TORCHLET_INVALID_ARG',
    );
  if (recording) {
    if (self.requiresGrad && self.gradFn === null)
      throw autogradError(`${name}: a leaf Variable that requires grad is being used in an in-place operation.`);
  }
}

/** A tensor object for self's values and graph before an in-place write: a view of the same storage. */
function oldSelf(self: Tensor): Tensor {
  const old = new Tensor(self._storage, self.shape.slice(), self.dtype, self.device, self.strides.slice(), self.offset);
  old.requiresGrad = self.requiresGrad;
  old.gradFn = self.gradFn;
  return old;
}

/**
 * x.relu_(), F.relu(x, {inplace: true}), nn.ReLU({inplace: true}): relu's values written into self.
 * Under autograd no clone of the old values is kept: relu's gradient mask (x > 0) is the same read from
 * its output (relu(x) > 0 exactly where x > 0; NaN neither), so the node reads self after the write,
 * and relu(batchNorm(...)) keeps its fused backward (lib/ops/fusion.ts) as the out-of-place relu does.
 * A contiguous self is rewritten in one pass of the relu kernel over its own storage (no temporary); a
 * non-contiguous one takes inplace()'s general path.
 */
export function reluInplace(self: Tensor): Tensor {
  checkTensor('input', self);
  const recording = isGradEnabled() && self.requiresGrad;
  if (!self.isContiguous() || (recording && viewChain(self, 'relu_').length > 1)) return inplace(self, 'relu_', (x) => relu(x));
  checkTarget(self, 'relu_', recording);
  // a frozen conv's output with its ReLU epilogue already (lib/jit.ts): nothing to write
  if (!recording && isNonNegative(self)) return self;
  const old = recording ? retireNode(oldSelf(self)) : null;
  // one pass over self's own storage (the unary kernel reads and writes each element at one index)
  native.unary(self.arg(), self.arg(), { op: enums.UnaryOp.Relu, scalar: 0 });
  self._storage.version++;
  if (!old) return self;
  const hook = old.gradFn && old.gradFn.op === 'BatchNormBackward' ? bnReluHooks.get(old.gradFn) : undefined;
  if (hook) {
    const f = hook(self);
    return record(self, f.inputs, f.op, f.backward);
  }
  return record(self, [old], 'ReluBackward', (g) => [reluGrad(self, g)], [self]);
}

/**
 * Runs `op` on self (and the operands in `others`, only looked at for requiresGrad) and writes the
 * result into self; `name` is the method (e.g. 'add_') for messages. Returns self.
 */
export function inplace(self: Tensor, name: string, op: (src: Tensor) => Tensor, others: unknown[] = []): Tensor {
  checkTensor('input', self);
  const recording = isGradEnabled() && (self.requiresGrad || others.some((o) => o instanceof Tensor && o.requiresGrad));
  checkTarget(self, name, recording);
  const chain = recording ? viewChain(self, name) : [self];
  let src = self;
  if (recording) {
    // the old self as its own node: a view of the storage carrying the old graph, cloned so that
    // the new node reads the values from before the write
    const old = retireNode(oldSelf(self)); // nodes that took self as an input before this write keep its old node
    src = clone(old);
    if (src.gradFn) inplaceClones.add(src.gradFn);
  }
  let out = op(src);
  if (out.shape.length !== self.shape.length || out.shape.some((s, i) => s !== self.shape[i]))
    shapeError('other', `operands whose broadcast shape is self's [${self.shape.join(', ')}] (${name} writes into self)`, `a result of shape [${out.shape.join(', ')}]`);
  if (!canCast(out.dtype, self.dtype))
    dtypeError('input', `a tensor that can hold the ${out.dtype} result of ${name}`, self);
  if (recording && out.dtype !== self.dtype) out = cast(out, self.dtype);
  // (out is self when the op wrote into self itself: a frozen residual add -> ReLU, elementwise.ts)
  if (out !== self) native.copyStrided(out.stridedArg(), self.stridedArg(), { srcStrides: out.strides, outStrides: self.strides, shape: self.shape });
  self._storage.version++;
  if (recording && out.gradFn && chain.length > 1) rebaseViews(chain, out);
  else if (recording && out.gradFn) {
    self.gradFn = out.gradFn;
    self.requiresGrad = true;
    // out and src stay alive while the graph refers to them (its backward may read them)
  } else {
    if (out !== self) out.dispose();
    if (src !== self) src.dispose();
  }
  return self;
}
inplaceHook.inplace = inplace;
