// lib/autograd.ts — grad mode, the tape and the backward engine.
// Contract: an op's output records a GradFn (record()) when grad mode is on and some input requires
// grad; the node names its op with a member of GRAD_OPS (typed: code that recognises a node, like
// the maxPool2d(relu(x)) fusion, compares `op`), its inputs, and a backward that maps the output
// gradient to one gradient per input (null where none is needed). backward() walks the graph once
// in topological order, with grad mode off, accumulates into leaves' `.grad` (kept tensors), frees
// every intermediate gradient it owns and frees the graph (retain_graph=false): each node it ran is
// marked freed (its closure and inputs dropped), so a second backward through it is a coded error
// (ERR_TORCHLET_AUTOGRAD) unless the first passed {retainGraph: true}. A node may list the tensors its
// backward reads (`saved`, with their storage versions when recorded): one modified in place since
// (PyTorch's version counter, Tensor._version) or disposed makes backward() fail before any gradient
// is computed, naming the node.
import { invalidArg, typeArg, internalError, checkSameTensorKind, checkOptionKeys, TorchletRangeError, TorchletError } from './errors';
import { checkTensor } from './tensor';
import type { Tensor } from './tensor';
import { keep } from './memory';
import { onesLike } from './creation';
import * as E from './ops/elementwise';

// ---- grad mode ----------------------------------------------------------------------------------
let gradEnabled = true;
export function isGradEnabled(): boolean {
  return gradEnabled;
}
function withGradMode<T>(enabled: boolean, fn: () => T): T {
  if (typeof fn !== 'function') typeArg('fn', 'a function', fn);
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}
/** Runs fn with gradient recording off (like `with torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}
/** Runs fn with gradient recording on (like `with torch.enable_grad()`), e.g. inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

// ---- the tape -----------------------------------------------------------------------------------
/** Every kind of autograd node, named as PyTorch's grad_fn classes (without the version suffix where PyTorch has one). */
export const GRAD_OPS = [
  // elementwise, casts and copies
  'AddBackward', 'SubBackward', 'RsubBackward', 'MulBackward', 'DivBackward', 'PowBackward', 'NegBackward',
  'ExpBackward', 'LogBackward', 'SqrtBackward', 'ReluBackward', 'SigmoidBackward', 'TanhBackward',
  // activations (lib/ops/activation.ts)
  'GeluBackward', 'LeakyReluBackward', 'EluBackward', 'SiluBackward', 'MishBackward', 'HardswishBackward', 'HardsigmoidBackward',
  'SoftplusBackward', 'SoftsignBackward', 'HardtanhBackward', 'ThresholdBackward', 'LogSigmoidBackward',
  'ToCopyBackward', 'CloneBackward',
  'AbsBackward', 'SignBackward', 'FloorBackward', 'CeilBackward', 'RoundBackward', 'TruncBackward', 'SinBackward',
  'CosBackward', 'TanBackward', 'AsinBackward', 'AcosBackward', 'AtanBackward', 'Atan2Backward', 'SinhBackward',
  'CoshBackward', 'Exp2Backward', 'Expm1Backward', 'Log1pBackward', 'Log2Backward', 'Log10Backward', 'ErfBackward',
  'ErfinvBackward', 'RsqrtBackward', 'ReciprocalBackward', 'RemainderBackward', 'FmodBackward', 'LerpBackward',
  'ClampBackward', 'ClampMinBackward', 'ClampMaxBackward', 'MaximumBackward', 'MinimumBackward', 'NanToNumBackward',
  // reductions
  'SumBackward', 'MeanBackward', 'MaxBackward0', 'MaxBackward1', 'MinBackward0', 'MinBackward1',
  'StdBackward', 'VarBackward', 'NormBackward', 'ProdBackward', 'LogsumexpBackward', 'AmaxBackward', 'AminBackward',
  // scans
  'CumsumBackward',
  // views and joins
  'ViewBackward', 'PermuteBackward', 'UnsqueezeBackward', 'SqueezeBackward', 'NarrowBackward', 'SelectBackward',
  'ExpandBackward', 'CatBackward', 'SliceBackward', 'DiagonalBackward',
  // indexing
  'GatherBackward', 'ScatterBackward', 'ScatterAddBackward', 'IndexSelectBackward', 'IndexAddBackward',
  'WhereBackward', 'MaskedFillBackward', 'IndexPutBackward', 'EmbeddingBackward',
  // ordering and scans
  'SortBackward', 'CumprodBackward', 'CummaxBackward', 'CumminBackward',
  // linear algebra
  'MmBackward', 'AddmmBackward',
  // convolution
  'ConvolutionBackward', 'ConvReluMaxPoolBackward',
  // pooling
  'MaxPool2DWithIndicesBackward', 'ReluMaxPool2dBackward', 'AvgPool2DBackward', 'AdaptiveAvgPool2DBackward',
  'AdaptiveMaxPool2DBackward', 'MaxUnpool2DBackward',
  // padding and resampling (lib/ops/pad.ts, lib/ops/upsample.ts)
  'ConstantPadNdBackward', 'ReflectionPadBackward', 'ReplicationPadBackward', 'CircularPadBackward',
  'UpsampleNearestBackward', 'UpsampleLinearBackward', 'UpsampleBicubicBackward',
  // normalisation and dropout
  'BatchNormBackward', 'BatchNormReluBackward', 'LayerNormBackward', 'GroupNormBackward', 'InstanceNormBackward',
  'DropoutBackward',
  // activations and losses
  'SoftmaxBackward', 'LogSoftmaxBackward', 'NllLossBackward', 'BinaryCrossEntropyBackward', 'BinaryCrossEntropyWithLogitsBackward',
  'L1LossBackward', 'SmoothL1LossBackward', 'HuberLossBackward', 'KlDivBackward', 'GaussianNllLossBackward',
  'MarginRankingLossBackward', 'CosineEmbeddingLossBackward',
  // recurrent cells (lib/ops/rnn.ts)
  'ThnnFusedLstmCellBackward', 'ThnnFusedGruCellBackward', 'LstmLayerBackward', 'GruLayerBackward',
  // nn.Module.registerFullBackwardHook's identity around a module's input and output
  'BackwardHookFunctionBackward',
] as const;
export type GradOp = (typeof GRAD_OPS)[number];

export interface GradFn {
  /** Which op made this node: compare this (never `name`) to recognise a node. */
  op: GradOp;
  /** Display name: the op, with a note where one op stands for another (dropout's mask multiply). */
  name: string;
  inputs: (Tensor | null)[];
  /** Gradients w.r.t. inputs (null where an input needs none), given the output gradient. */
  backward(grad: Tensor): (Tensor | null)[];
  /** The tensors backward reads, with their storage versions when recorded (checked before it runs). */
  saved?: { tensor: Tensor; version: number }[];
  /** true once a backward without retainGraph ran through this node (closure and inputs dropped). */
  freed?: boolean;
}

/** The error of autograd misuse: a freed graph, a saved tensor modified in place or disposed, an in-place op autograd refuses. */
export function autogradError(message: string): TorchletError {
  return new TorchletError(`torchlet: ${message}`, 'ERR_TORCHLET_AUTOGRAD');
}
function describeTensor(t: Tensor): string {
  return `[${t.dtype} tensor of shape [${t.shape.join(', ')}]]`;
}
/** Throws if a node's saved tensors were disposed or modified in place since they were recorded. */
function checkSaved(fn: GradFn): void {
  for (const s of fn.saved ?? []) {
    if (s.tensor.disposed)
      throw autogradError(
        `a tensor needed for gradient computation ${describeTensor(s.tensor)}, saved by ${fn.name}, was disposed before backward()`,
      );
    const v = s.tensor._version;
    if (v !== s.version)
      throw autogradError(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `${describeTensor(s.tensor)}, saved by ${fn.name}, is at version ${v}; expected version ${s.version} instead`,
      );
  }
}

/** Attaches a gradient function to `out` when recording and some input requires grad. */
export function record<T extends Tensor>(
  out: T,
  inputs: (Tensor | null)[],
  op: GradOp,
  backward: (g: Tensor) => (Tensor | null)[],
  saved?: (Tensor | null)[],
): T {
  if (gradEnabled && inputs.some((t) => t && t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { op, name: op, inputs, backward };
    if (saved) out.gradFn.saved = saved.filter((t): t is Tensor => !!t).map((t) => ({ tensor: t, version: t._version }));
  }
  return out;
}

/** The options of backward(): PyTorch's keyword arguments. */
export interface BackwardOptions {
  /** keep the graph so that backward can run through it again (PyTorch's retain_graph; default false) */
  retainGraph?: boolean;
}

// ---- backward engine ----------------------------------------------------------------------------
/**
 * Back-propagates from root (a scalar unless `gradient` is given) into the leaves' `.grad`.
 * `gradient` must have root's shape, dtype and device (checked before anything runs).
 */
export function backward(root: Tensor, gradient?: Tensor | null, opts?: BackwardOptions): void {
  opts = checkOptionKeys('options', opts, ['retainGraph']);
  const retain = opts.retainGraph ?? false;
  if (typeof retain !== 'boolean') typeArg('options.retainGraph', 'a boolean', retain);
  if (!root.requiresGrad)
    throw new TorchletRangeError('torchlet: backward() on a tensor that does not require grad and has no grad_fn');
  if (gradient !== undefined && gradient !== null) {
    checkTensor('gradient', gradient);
    checkSameTensorKind('gradient', gradient, root, 'the tensor backward() is called on');
  } else if (root.numel() !== 1)
    invalidArg('gradient', 'a gradient tensor (backward() without one needs a scalar output)', root);
  // topological order by iterative DFS
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0 && t.disposed)
      throw autogradError(
        `a tensor of the graph ${describeTensor(t)} was disposed before backward() reached it (keep the tensors of a graph until its backward has run)`,
      );
    if (i === 0 && t.gradFn) {
      if (t.gradFn.freed)
        throw autogradError(
          `Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed): ` +
            `${t.gradFn.name} was freed by an earlier backward(). Specify {retainGraph: true} in the first backward() if you need to backward through the graph a second time`,
        );
      checkSaved(t.gradFn);
    }
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c && c.requiresGrad && !seen.has(c)) {
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  // Every gradient in `grads` is owned by the engine (never aliased), so it can be disposed once used —
  // except the caller's `gradient`, which is used in place (no copy) and never disposed: it is copied
  // only if it (or a view of it) would become a leaf's .grad.
  const borrowed = gradient ?? null;
  const drop = (x: Tensor) => {
    if (x !== borrowed) x.dispose();
  };
  const own = (x: Tensor) => (borrowed && x._storage === borrowed._storage ? E.clone(x) : x); // views of it too
  const grads = new Map<Tensor, Tensor>();
  noGrad(() => {
    grads.set(root, gradient ?? onesLike(root));
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.gradFn) {
        if (t.requiresGrad) {
          // a gradient function that returned the wrong kind of tensor is a bug: never store it
          if (g.shape.join() !== t.shape.join() || g.dtype !== t.dtype || g.device !== t.device)
            throw internalError(`a ${g.dtype} gradient of shape [${g.shape.join(', ')}] on ${g.device} reached a ${t.dtype} leaf of shape [${t.shape.join(', ')}] on ${t.device}`);
          if (t.grad) {
            const total = E.add(t.grad, g);
            t.grad.dispose();
            drop(g);
            t.grad = keep(total);
          } else t.grad = keep(own(g));
        } else drop(g);
        continue;
      }
      const fn = t.gradFn;
      const ins = fn.backward(g);
      const inputs = fn.inputs;
      if (!retain) {
        // free the graph (retain_graph=false): the node stays, marked, so a second backward is an error
        fn.freed = true;
        fn.inputs = [];
        fn.saved = undefined;
        fn.backward = () => {
          throw internalError(`${fn.name} ran after it was freed`);
        };
      }
      const used = new Set<Tensor>();
      inputs.forEach((inp, j) => {
        let gi = ins[j];
        if (!inp || !gi || !inp.requiresGrad) return;
        if (used.has(gi)) gi = E.clone(gi); // the same tensor returned for two inputs
        used.add(gi);
        const prev = grads.get(inp);
        if (prev) {
          grads.set(inp, E.add(prev, gi));
          drop(prev);
          drop(gi);
        } else grads.set(inp, gi);
      });
      for (const gi of ins) if (gi && !used.has(gi) && gi !== g) drop(gi);
      if (!used.has(g)) drop(g);
    }
  });
}
