// lib/ops/inplace.ts — in-place variants (x.add_(y), x.clamp_(0, 1), ...) with PyTorch's autograd rules.
// Contract: inplace(self, op) computes op on self's current values, writes the result into self's
// storage (through self's strides, converting to self's dtype) and bumps the storage's version counter
// (Tensor._version, shared by every view), so a tensor saved for a backward and modified since makes
// that backward fail (lib/autograd.ts). Refused with coded errors, before anything is written: a
// result dtype self cannot hold (a float result into an integer tensor, a non-bool into bool), a
// result shape other than self's (self does not broadcast), self an expanded view (several elements
// sharing one memory location), and, when autograd records, a leaf that requires grad
// (ERR_TORCHLET_AUTOGRAD) or a view of a tensor that requires grad (ERR_TORCHLET_NOT_IMPLEMENTED:
// PyTorch rebases the base's graph; this does not yet). When autograd records, self becomes the op's
// output node (its gradFn is the op's, e.g. AddBackward for add_), its old value is kept by a clone
// the node reads, and its old graph stays behind that clone.
import { native, enums } from '../binding';
import { Tensor, DType, isFloating, checkTensor } from '../tensor';
import { TorchletError, TorchletRangeError, shapeError, dtypeError } from '../errors';
import { isGradEnabled, autogradError, record } from '../autograd';
import type { GradOp } from '../autograd';
import { cast, clone, relu, reluGrad } from './elementwise';
import { bnReluHooks } from './fusion';

const VIEW_OPS: GradOp[] = ['ViewBackward', 'PermuteBackward', 'UnsqueezeBackward', 'SqueezeBackward', 'NarrowBackward', 'SelectBackward', 'ExpandBackward'];

/** Whether a result of dtype `from` may be written into a tensor of dtype `to` (PyTorch's can_cast). */
function canCast(from: DType, to: DType): boolean {
  if (isFloating(from) && !isFloating(to)) return false;
  if (to === 'bool' && from !== 'bool') return false;
  return true;
}

/** The refusals of an in-place write into self (see the file comment), before anything is written. */
function checkTarget(self: Tensor, name: string, recording: boolean): void {
  checkTensor('input', self);
  for (let i = 0; i < self.ndim; i++)
    if (self.strides[i] === 0 && self.shape[i] > 1)
      throw new TorchletRangeError(
        `torchlet: ${name}: unsupported operation: more than one element of the written-to tensor refers to a single memory location. ` +
          `Please clone() the tensor before performing the operation.`,
        'ERR_TORCHLET_INVALID_ARG',
      );
  if (recording) {
    if (self.requiresGrad && self.gradFn === null)
      throw autogradError(`${name}: a leaf Variable that requires grad is being used in an in-place operation.`);
    if (self.gradFn && VIEW_OPS.includes(self.gradFn.op))
      throw new TorchletError(
        `torchlet: ${name}: an in-place operation on a view of a tensor that requires grad is not supported yet (clone() the view first)`,
        'ERR_TORCHLET_NOT_IMPLEMENTED',
      );
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
  if (!self.isContiguous()) return inplace(self, 'relu_', (x) => relu(x));
  checkTarget(self, 'relu_', recording);
  const old = recording ? oldSelf(self) : null;
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
  let src = self;
  if (recording) {
    // the old self as its own node: a view of the storage carrying the old graph, cloned so that
    // the new node reads the values from before the write
    src = clone(oldSelf(self));
  }
  let out = op(src);
  if (out.shape.length !== self.shape.length || out.shape.some((s, i) => s !== self.shape[i]))
    shapeError('other', `operands whose broadcast shape is self's [${self.shape.join(', ')}] (${name} writes into self)`, `a result of shape [${out.shape.join(', ')}]`);
  if (!canCast(out.dtype, self.dtype))
    dtypeError('input', `a tensor that can hold the ${out.dtype} result of ${name}`, self);
  if (recording && out.dtype !== self.dtype) out = cast(out, self.dtype);
  native.copyStrided(out.stridedArg(), self.stridedArg(), { srcStrides: out.strides, outStrides: self.strides, shape: self.shape });
  self._storage.version++;
  if (recording && out.gradFn) {
    self.gradFn = out.gradFn;
    self.requiresGrad = true;
    // out and src stay alive while the graph refers to them (its backward may read them)
  } else {
    if (out !== self) out.dispose();
    if (src !== self) src.dispose();
  }
  return self;
}
