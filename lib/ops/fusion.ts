// lib/ops/fusion.ts — hooks through which one op recognises the node of another and records a fused
// backward in its place (no imports, so the ops on both sides can use it without import cycles).
// bnReluHooks: a BatchNormBackward node (lib/ops/norm.ts) -> given relu's output, the inputs, node
// name and backward of relu(batchNorm(...)) that go straight to the batch norm's inputs with the relu
// mask (used by E.relu). Keyed weakly by the node, so it lives exactly as long as the graph.
// residualAddRelu: outputs of frozen convs (lib/jit.ts) that the trace saw read only by an add whose
// sum only ReLUs read (a residual block's end), with their storage's version then: E.add, under noGrad,
// writes relu(sum) into such an output in place in one pass and marks it non-negative, so that the ReLU
// that follows is a view. A mark counts only while the version is unchanged (no in-place write since).
import type { Tensor } from '../tensor';
import type { GradOp } from '../autograd';

export interface FusedBackward {
  inputs: (Tensor | null)[];
  op: GradOp;
  backward: (g: Tensor) => (Tensor | null)[];
}
export const bnReluHooks = new WeakMap<object, (reluOut: Tensor) => FusedBackward>();
export const residualAddRelu = new WeakMap<object, number>();
