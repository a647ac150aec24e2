// lib/autograd.ts — grad mode, the tape and the backward engine.
// Contract: an op's output records a GradFn (record()) when grad mode is on and some input requires
// grad; the node names its op with a member of GRAD_OPS (typed: code that recognises a node, like
// the maxPool2d(relu(x)) fusion, compares `op`), its inputs, and a backward that maps the output
// gradient to one gradient per input (null where none is needed). The engine (runEngine) walks the
// graph once in topological order from one or more roots: backward() / torch.autograd.backward
// accumulate into leaves' `.grad` (or only into `inputs`, leaves or not; and into retainGrad()
// tensors), torch.autograd.grad returns the gradients of its inputs and touches no `.grad`; only the
// nodes that lead to a wanted tensor run. Tensor hooks (registerHook) see, and may replace, a
// tensor's gradient before it is used. Without createGraph the pass runs with grad mode off and frees
// every intermediate gradient it owns; with createGraph it runs with grad mode on, so the gradients
// record their own graph (second derivatives): the nodes of DOUBLE_BACKWARD_OPS compute their
// gradients from differentiable ops (or record a node of their own, linearGrad); any other node's
// gradients are marked first-order only, and a backward through them is ERR_TORCHLET_NOT_IMPLEMENTED
// naming the node, never a wrong second derivative. The graph is freed unless retainGraph (default:
// createGraph): each node that ran is marked freed (its closure and inputs dropped), so a second
// backward through it is a coded error (ERR_TORCHLET_AUTOGRAD). A node may list the tensors its
// backward reads (`saved`, with their storage versions when recorded): one modified in place since
// (PyTorch's version counter, Tensor._version) or disposed makes backward fail before any gradient
// is computed, naming the node. Anomaly mode (detectAnomaly / setDetectAnomaly) keeps each node's
// forward stack and turns a NaN returned by a node's backward into an error naming both.
// Grad mode is one global flag: noGrad / enableGrad / inferenceMode set it for a callback and restore
// it after (even when the callback throws); setGradEnabled sets it until changed.
import { invalidArg, typeArg, internalError, checkSameTensorKind, checkOptionKeys, noExtraArgs, TorchletRangeError, TorchletError } from './errors';
import { checkTensor } from './tensor';
import type { Tensor } from './tensor';
import { keep } from './memory';
import { onesLike, zerosLike } from './creation';
import * as E from './ops/elementwise';
import * as R from './ops/reduce';

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
/**
 * Turns gradient recording on or off from here on (torch.set_grad_enabled(mode) called as a
 * function). noGrad / enableGrad / inferenceMode still restore the mode they found when they end.
 */
export function setGradEnabled(mode: boolean, ...rest: never[]): void {
  noExtraArgs('setGradEnabled', 'mode', rest);
  if (typeof mode !== 'boolean') typeArg('mode', 'a boolean', mode);
  gradEnabled = mode;
}
let inferenceDepth = 0;
/**
 * Runs fn with gradient recording off and returns its result (like `with torch.inference_mode():`);
 * the previous grad mode comes back when fn returns or throws. Unlike PyTorch, the tensors made are
 * ordinary tensors (no inference-tensor restrictions) and enableGrad / setGradEnabled(true) inside
 * it turn recording back on: this is noGrad that isInferenceModeEnabled() can see. As noGrad, it
 * covers fn's synchronous part only (not the rest of an async fn).
 */
export function inferenceMode<T>(fn: () => T, ...rest: never[]): T {
  noExtraArgs('inferenceMode', 'fn', rest);
  if (typeof fn !== 'function') typeArg('fn', 'a function', fn);
  inferenceDepth++;
  try {
    return withGradMode(false, fn);
  } finally {
    inferenceDepth--;
  }
}
/** Whether an inferenceMode callback is running (torch.is_inference_mode_enabled). */
export function isInferenceModeEnabled(...rest: never[]): boolean {
  noExtraArgs('isInferenceModeEnabled', '', rest);
  return inferenceDepth > 0;
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
  'ToCopyBackward', 'CopyBackward', 'FillBackward', 'CopySlices', 'AsStridedBackward', 'CloneBackward',
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
  'ExpandBackward', 'CatBackward', 'SliceBackward', 'DiagonalBackward', 'UnfoldBackward',
  // indexing
  'GatherBackward', 'ScatterBackward', 'ScatterAddBackward', 'IndexSelectBackward', 'IndexAddBackward', 'ScatterReduceBackward', 'IndexCopyBackward', 'IndexFillBackward', 'MaskedScatterBackward', 'PutBackward',
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
  'MaxPool3DWithIndicesBackward', 'AvgPool3DBackward', 'AdaptiveAvgPool3DBackward', 'AdaptiveMaxPool3DBackward',
  // padding and resampling (lib/ops/pad.ts, lib/ops/upsample.ts)
  'ConstantPadNdBackward', 'ReflectionPadBackward', 'ReplicationPadBackward', 'CircularPadBackward',
  'UpsampleNearestBackward', 'UpsampleNearestExactBackward', 'UpsampleLinearBackward', 'UpsampleBicubicBackward',
  // sliding blocks and grid sampling (lib/ops/fold.ts, lib/ops/grid_sample.ts)
  'Im2ColBackward', 'Col2ImBackward', 'GridSampler2DBackward', 'GridSampler3DBackward',
  // normalisation and dropout
  'BatchNormBackward', 'BatchNormReluBackward', 'LayerNormBackward', 'GroupNormBackward', 'InstanceNormBackward',
  'DropoutBackward',
  // activations and losses
  'SoftmaxBackward', 'LogSoftmaxBackward', 'NllLossBackward', 'BinaryCrossEntropyBackward', 'BinaryCrossEntropyWithLogitsBackward',
  'L1LossBackward', 'SmoothL1LossBackward', 'HuberLossBackward', 'KlDivBackward', 'GaussianNllLossBackward',
  'MarginRankingLossBackward', 'CosineEmbeddingLossBackward',
  // linear algebra on the host (lib/ops/linalg.ts; first-order only)
  'LinalgDetBackward', 'LinalgSlogdetBackward', 'LogdetBackward', 'LinalgInvExBackward', 'LinalgSolveExBackward',
  'LinalgCholeskyExBackward', 'LinalgSvdBackward',
  // recurrent cells (lib/ops/rnn.ts)
  'ThnnFusedLstmCellBackward', 'ThnnFusedGruCellBackward', 'LstmLayerBackward', 'GruLayerBackward',
  // nn.Module.registerFullBackwardHook's identity around a module's input and output
  'BackwardHookFunctionBackward',
  'CheckpointFunctionBackward', // torch.utils.checkpoint (lib/utils_checkpoint.ts)
  // double backward (createGraph): nodes recorded by backward passes whose kernels are native
  'ConvolutionBackwardBackward', 'ThresholdBackwardBackward', 'MaxPool2DWithIndicesBackwardBackward',
  'AvgPool2DBackwardBackward', 'AdaptiveAvgPool2DBackwardBackward', 'AdaptiveMaxPool2DBackwardBackward',
  'NllLossBackwardBackward', 'NativeDropoutBackwardBackward', 'SliceBackwardBackward',
  'MaxPool3DWithIndicesBackwardBackward', 'AvgPool3DBackwardBackward', 'AdaptiveAvgPool3DBackwardBackward', 'AdaptiveMaxPool3DBackwardBackward',
  'CtcLossBackward', // F.ctcLoss (lib/ops/ctc.ts; first-order only)
  'StandardGammaBackward', // Gamma / Beta / Dirichlet rsample (lib/distributions/continuous.ts; first-order only)
  'SpecialEntrBackward', 'SpecialErfcxBackward', 'SpecialNdtriBackward', 'SpecialLogNdtrBackward', 'I0Backward', 'SpecialI0EBackward', 'SpecialI1Backward', 'SpecialI1EBackward', 'SpecialZetaBackward', 'PolygammaBackward', 'IgammaBackward', 'IgammacBackward', // torch.special (lib/ops/special.ts; first-order only)
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
  /** a gradient computed under createGraph by a node without double backward: backward through it is an error */
  firstOrderOnly?: boolean;
  /** anomaly mode: the stack of the forward call that recorded this node */
  stack?: string;
  /**
   * Each input's node when this one was recorded (false: the input did not require grad then). An
   * in-place op gives its tensor a new node afterwards; the gradient of this node still goes to the
   * node the input had (see edgesOf), as PyTorch's edges point to nodes, not to tensors.
   */
  inputFns?: (GradFn | null | false)[];
  /** Set when an in-place op replaced this node on its tensor: a tensor object that still carries it. */
  retiredTo?: Tensor;
  /** A view's node: the tensor viewed (sharing the storage) and its node when the view was made. */
  viewOf?: Tensor;
  viewOfFn?: GradFn | null;
}

let viewRefresher: ((view: Tensor) => void) | null = null;
/** Installed by lib/ops/inplace.ts: gives a view whose base was written in place since a node viewing the base's new graph. */
export function setViewRefresher(fn: (view: Tensor) => void): void {
  viewRefresher = fn;
}
/**
 * A view whose base got a new node since the view was made (an in-place write into the base, or
 * through another view) is given a view node of the base's new graph before it is used, as PyTorch
 * regenerates a view's grad_fn: its gradient then follows the values it now holds.
 */
export function refreshStaleView(t: Tensor): void {
  if (viewRefresher && isStaleView(t)) viewRefresher(t);
}
/** Whether t is a view whose base, or any tensor between them (a view of a view), got a new node since. */
function isStaleView(t: Tensor): boolean {
  for (let f = t.gradFn; f && f.viewOf && !f.viewOf.disposed; f = f.viewOf.gradFn) if (f.viewOf.gradFn !== f.viewOfFn) return true;
  return false;
}

/**
 * A node's inputs as backward must follow them: an input written in place since the node was recorded
 * (a new node on the same tensor) stands for its node of then (`retiredTo`), and an input that did not
 * require grad then gets no gradient, whatever it requires now.
 */
function edgesOf(fn: GradFn): (Tensor | null)[] {
  const then = fn.inputFns;
  if (!then) return fn.inputs;
  let out: (Tensor | null)[] | null = null;
  for (let j = 0; j < fn.inputs.length; j++) {
    const t = fn.inputs[j];
    if (!t) continue;
    const f = then[j];
    const e = f === false ? null : t.gradFn === f || !f ? t : (f.retiredTo ?? t);
    if (e !== t) (out ??= fn.inputs.slice())[j] = e;
  }
  return out ?? fn.inputs;
}

/**
 * An in-place write gives `self` a new node: `old` (a tensor object with self's old node) stands for
 * the old one. Returns the tensor object that stands for it, the one to use from then on: a node
 * retired already (a write through a view retires the view's node in the op and again when it rebases
 * the view) keeps its first object, so that the engine, which runs one node per tensor object, runs it once.
 */
export function retireNode(old: Tensor): Tensor {
  const f = old.gradFn;
  if (!f) return old;
  if (f.retiredTo && !f.retiredTo.disposed) return f.retiredTo;
  f.retiredTo = old;
  return old;
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

// ---- anomaly detection --------------------------------------------------------------------------
let anomalyEnabled = false;
/** Whether anomaly detection is on (torch.is_anomaly_enabled). */
export function isAnomalyEnabled(...rest: never[]): boolean {
  noExtraArgs('isAnomalyEnabled', '', rest);
  return anomalyEnabled;
}
/**
 * Turns anomaly detection on or off (torch.autograd.set_detect_anomaly): while on, every recorded
 * node keeps a short stack of the forward call that made it, and backward checks the gradients each
 * node returns: a NaN is an ERR_TORCHLET_AUTOGRAD error naming the node and the forward op, with that
 * stack. Slows both passes down; for debugging.
 */
export function setDetectAnomaly(mode: boolean, ...rest: never[]): void {
  noExtraArgs('setDetectAnomaly', 'mode', rest);
  if (typeof mode !== 'boolean') typeArg('mode', 'a boolean', mode);
  anomalyEnabled = mode;
}
/** Runs fn with anomaly detection on (like `with torch.autograd.detect_anomaly():`), then restores the previous mode. */
export function detectAnomaly<T>(fn: () => T, ...rest: never[]): T {
  noExtraArgs('detectAnomaly', 'fn', rest);
  if (typeof fn !== 'function') typeArg('fn', 'a function', fn);
  const prev = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = prev;
  }
}
/** The forward call's stack without the autograd frames (at most 8 frames). */
function forwardStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 24; // past the ops' own frames to the caller's
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const lines = stack.split('\n').slice(1);
  return lines.filter((l) => !/[\\/]autograd\.[jt]s:/.test(l)).slice(0, 8).join('\n');
}
/** 'MaxPool2DWithIndicesBackward' -> 'MaxPool2DWithIndices': the forward op a node stands for. */
function forwardName(op: string): string {
  return op.replace(/Backward\d*$/, '');
}

let recordObserver: ((fn: GradFn) => void) | null = null;
/**
 * Calls `observer` with every node record() makes while `body` runs (torch.jit.freeze's trace, lib/jit.ts:
 * the nodes no output's graph reaches, e.g. an in-place write on a value nothing reads afterwards, still
 * read the values they took). Not nested; restored when body returns or throws.
 */
export function observeRecords<R>(observer: (fn: GradFn) => void, body: () => R): R {
  const before = recordObserver;
  recordObserver = observer;
  try {
    return body();
  } finally {
    recordObserver = before;
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
    for (const t of inputs) if (t && t.gradFn && t.gradFn.viewOf) refreshStaleView(t);
    out.requiresGrad = true;
    out.gradFn = { op, name: op, inputs, backward, inputFns: inputs.map((t) => (t && t.requiresGrad ? t.gradFn : false)) };
    const st = out._storage;
    if (st.owner === out) {
      st.owner = null; // a view or alias of out must not keep out's graph alive (memory.ts)
      st.ownerInGraph = true;
    }
    const b = inputs[0];
    if (b && b !== out && b._storage === out._storage) {
      out.gradFn.viewOf = b;
      out.gradFn.viewOfFn = b.gradFn;
    }
    if (saved) out.gradFn.saved = saved.filter((t): t is Tensor => !!t).map((t) => ({ tensor: t, version: t._version }));
    if (anomalyEnabled) out.gradFn.stack = forwardStack();
    if (recordObserver) recordObserver(out.gradFn);
  }
  return out;
}

// ---- double backward ----------------------------------------------------------------------------
/**
 * The nodes whose backward is differentiable under createGraph: every backward closure recorded with
 * one of these names computes its gradients from differentiable ops (or records its own node, e.g.
 * linearGrad) when grad mode is on, which is how the engine runs it for createGraph. Any other node's
 * gradients are computed without a graph and marked first-order only (firstOrderOnly): differentiating
 * through them is an ERR_TORCHLET_NOT_IMPLEMENTED error naming the node, never a wrong second derivative.
 */
export const DOUBLE_BACKWARD_OPS: ReadonlySet<GradOp> = new Set<GradOp>([
  'AddBackward', 'SubBackward', 'RsubBackward', 'MulBackward', 'DivBackward', 'PowBackward', 'NegBackward',
  'ExpBackward', 'LogBackward', 'SqrtBackward', 'ReluBackward', 'SigmoidBackward', 'TanhBackward',
  'ToCopyBackward', 'CloneBackward',
  'AbsBackward', 'SignBackward', 'FloorBackward', 'CeilBackward', 'RoundBackward', 'TruncBackward', 'SinBackward',
  'CosBackward', 'TanBackward', 'AsinBackward', 'AcosBackward', 'AtanBackward', 'SinhBackward', 'CoshBackward',
  'Exp2Backward', 'Expm1Backward', 'Log1pBackward', 'Log2Backward', 'Log10Backward', 'ErfBackward', 'ErfinvBackward',
  'RsqrtBackward', 'ReciprocalBackward', 'NanToNumBackward',
  'SumBackward', 'MeanBackward', 'NormBackward', 'VarBackward', 'StdBackward',
  'ViewBackward', 'PermuteBackward', 'UnsqueezeBackward', 'SqueezeBackward', 'ExpandBackward',
  'NarrowBackward', 'SelectBackward', 'SliceBackward', 'SliceBackwardBackward', 'CatBackward', 'UnfoldBackward',
  'MmBackward', 'AddmmBackward',
  'ConvolutionBackward', 'ConvReluMaxPoolBackward', 'ConvolutionBackwardBackward',
  'MaxPool2DWithIndicesBackward', 'ReluMaxPool2dBackward', 'AvgPool2DBackward', 'AdaptiveAvgPool2DBackward',
  'AdaptiveMaxPool2DBackward', 'MaxPool2DWithIndicesBackwardBackward', 'AvgPool2DBackwardBackward',
  'AdaptiveAvgPool2DBackwardBackward', 'AdaptiveMaxPool2DBackwardBackward',
  'MaxPool3DWithIndicesBackward', 'AvgPool3DBackward', 'AdaptiveAvgPool3DBackward', 'AdaptiveMaxPool3DBackward',
  'MaxPool3DWithIndicesBackwardBackward', 'AvgPool3DBackwardBackward', 'AdaptiveAvgPool3DBackwardBackward', 'AdaptiveMaxPool3DBackwardBackward',
  'BatchNormBackward', 'BatchNormReluBackward', 'DropoutBackward', 'NativeDropoutBackwardBackward',
  'SoftmaxBackward', 'LogSoftmaxBackward', 'NllLossBackward', 'NllLossBackwardBackward',
  'ThresholdBackwardBackward', 'GatherBackward', 'ScatterAddBackward',
]);

/**
 * Marks gradients computed without a graph while grad mode is on (createGraph) as first-order only:
 * each gets a node that makes any backward through it an ERR_TORCHLET_NOT_IMPLEMENTED error naming
 * `op` (checked before that backward computes anything). Without grad mode the gradients are returned as they are.
 */
export function firstOrderOnly(op: GradOp, name: string, grads: (Tensor | null)[], dependsOn: (Tensor | null)[]): (Tensor | null)[] {
  if (!gradEnabled) return grads;
  // the node lists what the gradients depend on (the output gradient and the node's inputs), so that a
  // backward towards any of them (autograd.grad's inputs too) reaches it and fails
  const inputs = dependsOn.filter((t) => t && t.requiresGrad);
  return grads.map((gi) => {
    if (!gi || gi.requiresGrad || !isFloatingGrad(gi)) return gi;
    // marked on an alias (same storage): gi may be a tensor someone else holds (a caller's gradient)
    const a = gi.detach();
    a.requiresGrad = true;
    a.gradFn = { op, name, inputs, backward: () => [], firstOrderOnly: true };
    return a;
  });
}
function isFloatingGrad(t: Tensor): boolean {
  return t.dtype === 'float32' || t.dtype === 'float64';
}
/**
 * dx = L(g) for a linear map L with constant coefficients (a pooling scatter, a mask), computed by a
 * native kernel: under grad mode (createGraph) records dx's node, whose backward is L's adjoint
 * `adjoint(gg)` built from differentiable ops (or itself recorded), so dx can be differentiated again.
 */
export function linearGrad(dx: Tensor, g: Tensor, op: GradOp, adjoint: (gg: Tensor) => Tensor, savedInputs: Tensor[] = []): Tensor {
  // savedInputs: the forward inputs the map was built from (a relu's x, a pooling's input): dx
  // requires grad when they do, as PyTorch's (its derivative with respect to them is zero)
  return record(dx, [g, ...savedInputs], op, (gg) => [adjoint(gg), ...savedInputs.map((t) => (t.requiresGrad ? zerosLike(t) : null))]);
}

// ---- tensor hooks and retained gradients -------------------------------------------------------
/** A gradient hook: called with the gradient of its tensor; a returned tensor replaces it. */
export type TensorHook = (grad: Tensor) => Tensor | void | undefined | null;
/** What registerHook returns: remove() unregisters the hook (safe to call twice). */
export interface RemovableHandle {
  remove(): void;
}
const tensorHooks = new WeakMap<Tensor, Map<number, TensorHook>>();
const retainsGradSet = new WeakSet<Tensor>();
let nextHookId = 0;
/** @internal Tensor#registerHook. */
export function registerTensorHook(t: Tensor, fn: TensorHook): RemovableHandle {
  if (typeof fn !== 'function') typeArg('hook', 'a function (grad) => Tensor | undefined', fn);
  if (!t.requiresGrad)
    throw new TorchletRangeError("torchlet: cannot register a hook on a tensor that doesn't require gradient", 'ERR_TORCHLET_INVALID_ARG');
  let m = tensorHooks.get(t);
  if (!m) tensorHooks.set(t, (m = new Map()));
  const id = nextHookId++;
  m.set(id, fn);
  const table = m;
  return { remove: () => void table.delete(id) };
}
/** @internal Tensor#retainGrad: a non-leaf keeps its gradient in .grad after backward (a no-op on leaves). */
export function retainTensorGrad(t: Tensor): void {
  if (!t.requiresGrad) throw new TorchletRangeError("torchlet: can't retainGrad() on a tensor that doesn't require gradient", 'ERR_TORCHLET_INVALID_ARG');
  if (t.gradFn) retainsGradSet.add(t);
}
/** @internal Tensor#retainsGrad. */
export function tensorRetainsGrad(t: Tensor): boolean {
  return retainsGradSet.has(t);
}
/** Runs t's hooks on its gradient g (in registration order); each may return a replacement of the same kind. */
function runHooks(t: Tensor, g: Tensor): Tensor {
  const m = tensorHooks.get(t);
  if (!m || m.size === 0) return g;
  for (const fn of [...m.values()]) {
    const r = fn(g);
    if (r === undefined || r === null) continue;
    if (!isTensorLike(r)) typeArg("a tensor hook's result", 'a Tensor or undefined', r);
    if (r.shape.join() !== g.shape.join() || r.dtype !== g.dtype || r.device !== g.device)
      invalidArg("a tensor hook's result", `a ${g.dtype} gradient of shape [${g.shape.join(', ')}] on ${g.device} (as the one it was given)`, r);
    g = r;
  }
  return g;
}
function isTensorLike(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'dtype' in x && typeof (x as Tensor).numel === 'function';
}

/** The options of backward(): PyTorch's keyword arguments. */
export interface BackwardOptions {
  /** keep the graph so that backward can run through it again (PyTorch's retain_graph; default: createGraph) */
  retainGraph?: boolean;
  /** record the backward pass itself, so that the gradients can be differentiated again (default false) */
  createGraph?: boolean;
  /** accumulate only into these tensors' .grad (leaves or not); default: every leaf of the graph */
  inputs?: Tensor | Tensor[];
}
/** The options of torch.autograd.grad(). */
export interface GradOptions {
  /** the gradient of each output (PyTorch's grad_outputs); null or missing for a scalar output (ones) */
  gradOutputs?: Tensor | (Tensor | null)[] | null;
  retainGraph?: boolean;
  createGraph?: boolean;
  /** give null for an input the outputs do not depend on, instead of an error (default false) */
  allowUnused?: boolean;
}

// ---- backward engine ----------------------------------------------------------------------------
interface EngineOptions {
  retain: boolean;
  create: boolean;
  /** grad(): return the gradients of these (none is accumulated anywhere); backward({inputs}): accumulate only into these */
  inputs: Tensor[] | null;
  capture: boolean;
}
function boolOption(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v;
}
function tensorList(name: string, v: unknown, allowNull: boolean): (Tensor | null)[] {
  const arr = Array.isArray(v) ? v : [v];
  arr.forEach((t, i) => {
    if (t === null && allowNull) return;
    checkTensor(Array.isArray(v) ? `${name}[${i}]` : name, t);
  });
  return arr as (Tensor | null)[];
}
/** The gradient each root starts with: `given` (checked against the root) or ones for a scalar. */
function rootGradient(name: string, root: Tensor, given: Tensor | null | undefined, rootName: string): Tensor | null {
  if (given !== undefined && given !== null) {
    checkTensor(name, given);
    checkSameTensorKind(name, given, root, rootName);
    return given;
  }
  if (root.numel() !== 1) invalidArg(name, 'a gradient tensor (backward() without one needs a scalar output)', root);
  return null;
}

/**
 * Back-propagates from `roots` (each starting with its gradient in rootGrads, ones where null).
 * Accumulates into leaves' .grad (or only into opts.inputs), or with opts.capture returns the
 * gradient of each of opts.inputs (null where none arrived) and accumulates nothing.
 */
function runEngine(roots: Tensor[], rootGrads: (Tensor | null)[], opts: EngineOptions): (Tensor | null)[] {
  const { retain, create, inputs, capture } = opts;
  // topological order by iterative DFS (post-order: inputs before the tensors made from them)
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  for (const r of roots) refreshStaleView(r);
  const edgeCache = new Map<Tensor, (Tensor | null)[]>();
  const edges = (t: Tensor): (Tensor | null)[] => {
    if (!t.gradFn) return [];
    let e = edgeCache.get(t);
    if (!e) edgeCache.set(t, (e = edgesOf(t.gradFn)));
    return e;
  };
  const stack: [Tensor, number][] = [];
  for (const r of roots)
    if (!seen.has(r)) {
      seen.add(r);
      stack.push([r, 0]);
      while (stack.length) {
        const top = stack[stack.length - 1];
        const [t, i] = top;
        const ins = edges(t);
        if (i < ins.length) {
          top[1]++;
          const c = ins[i];
          if (c && c.requiresGrad && !seen.has(c)) {
            seen.add(c);
            stack.push([c, 0]);
          }
        } else {
          order.push(t);
          stack.pop();
        }
      }
    }
  // which tensors lead to a wanted one (all, without inputs); a node runs only if one of its inputs does
  const wanted = inputs ? new Set(inputs) : null;
  const needed = new Set<Tensor>();
  for (const t of order) {
    if (!wanted || wanted.has(t) || edges(t).some((c) => c && needed.has(c))) needed.add(t);
  }
  const runs = (t: Tensor): boolean => !!t.gradFn && (!wanted || edges(t).some((c) => c && needed.has(c)));
  // every check before any gradient is computed; first, differentiating a first-order-only gradient
  for (const t of order) {
    const fn = t.gradFn;
    if (fn && fn.firstOrderOnly && needed.has(t) && runs(t))
      throw new TorchletError(
        `torchlet: the derivative of ${fn.name}'s gradient (double backward) is not implemented: ` +
          `a gradient computed with createGraph went through ${fn.name}, which can be differentiated once only`,
        'ERR_TORCHLET_NOT_IMPLEMENTED',
      );
  }
  for (const t of order) {
    // a freed node has lost its edges, so whether it leads to a wanted tensor is unknown: always an error
    if (t.gradFn && t.gradFn.freed)
      throw autogradError(
        `Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed): ` +
          `${t.gradFn.name} was freed by an earlier backward(). Specify {retainGraph: true} in the first backward() if you need to backward through the graph a second time`,
      );
    if (!needed.has(t)) continue;
    if (t.disposed)
      throw autogradError(
        `a tensor of the graph ${describeTensor(t)} was disposed before backward() reached it (keep the tensors of a graph until its backward has run)`,
      );
    const fn = t.gradFn;
    if (!fn || !runs(t)) continue;
    checkSaved(fn);
  }
  // Gradients the engine made are its own and are disposed once used — except under createGraph (they
  // are part of the new graph), the caller's root gradients (used in place, never disposed; copied
  // where one, or a view of it, would become a .grad) and the gradients returned by grad().
  const borrowed = new Set(rootGrads.filter((g): g is Tensor => !!g).map((g) => g._storage));
  const returned = new Set<Tensor>();
  const drop = (x: Tensor) => {
    if (!create && !borrowed.has(x._storage) && !returned.has(x)) x.dispose();
  };
  const own = (x: Tensor) => (borrowed.has(x._storage) || returned.has(x) ? E.clone(x) : x);
  const accumulate = (t: Tensor, g: Tensor) => {
    // a gradient function that returned the wrong kind of tensor is a bug: never store it
    if (g.shape.join() !== t.shape.join() || g.dtype !== t.dtype || g.device !== t.device)
      throw internalError(`a ${g.dtype} gradient of shape [${g.shape.join(', ')}] on ${g.device} reached a ${t.dtype} tensor of shape [${t.shape.join(', ')}] on ${t.device}`);
    if (t.grad && !t.grad.disposed) {
      const prev = t.grad;
      const total = E.add(prev, g);
      if (!create) prev.dispose();
      t.grad = keep(total);
    } else {
      const o = keep(own(g));
      t.grad = o;
      returned.add(o); // now the tensor's .grad: never disposed, copied if it must go anywhere else
    }
  };
  const captured = new Map<Tensor, Tensor>();
  const grads = new Map<Tensor, Tensor>();
  withGradMode(create, () => {
    roots.forEach((r, i) => {
      const g0 = rootGrads[i] ?? onesLike(r);
      const prev = grads.get(r);
      grads.set(r, prev ? E.add(prev, g0) : g0);
    });
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      let g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!needed.has(t)) {
        drop(g);
        continue;
      }
      const hooked = runHooks(t, g);
      if (hooked !== g) {
        if (!returned.has(g)) drop(g);
        g = hooked;
        borrowed.add(g._storage); // the hook's tensor belongs to whoever made it
      }
      if (wanted && wanted.has(t)) {
        if (capture) {
          captured.set(t, g);
          returned.add(g);
        } else accumulate(t, g);
      } else if (!t.gradFn) {
        if (!wanted) accumulate(t, g);
        drop(g);
        continue;
      }
      if (!wanted && retainsGradSet.has(t)) accumulate(t, g);
      if (!runs(t)) {
        drop(g);
        continue;
      }
      const fn = t.gradFn as GradFn;
      let ins: (Tensor | null)[];
      if (create && !DOUBLE_BACKWARD_OPS.has(fn.op)) ins = firstOrderOnly(fn.op, fn.name, noGrad(() => fn.backward(g as Tensor)), [g, ...fn.inputs]);
      else ins = fn.backward(g);
      if (anomalyEnabled) checkNaN(fn, ins);
      const fnInputs = edges(t);
      if (!retain) {
        // free the graph (retain_graph=false): the node stays, marked, so a second backward is an error
        fn.freed = true;
        fn.inputs = [];
        fn.inputFns = undefined;
        fn.saved = undefined;
        fn.backward = () => {
          throw internalError(`${fn.name} ran after it was freed`);
        };
      }
      const used = new Set<Tensor>();
      const consumed: Tensor[] = []; // added into another gradient: disposed once every input has its own
      fnInputs.forEach((inp, j) => {
        let gi = ins[j];
        if (!inp || !gi || !inp.requiresGrad) return;
        if (used.has(gi)) gi = E.clone(gi); // the same tensor returned for two inputs
        else used.add(gi);
        const prev = grads.get(inp);
        if (prev) {
          grads.set(inp, E.add(prev, gi));
          drop(prev);
          consumed.push(gi);
        } else grads.set(inp, gi);
      });
      for (const gi of consumed) drop(gi);
      for (const gi of ins) if (gi && !used.has(gi) && gi !== g) drop(gi);
      if (!used.has(g)) drop(g);
    }
  });
  return inputs && capture ? inputs.map((t) => captured.get(t) ?? null) : [];
}

/** Anomaly mode: a NaN in a gradient a node returned is an error naming the node and its forward call. */
function checkNaN(fn: GradFn, ins: (Tensor | null)[]): void {
  ins.forEach((gi, j) => {
    if (!gi || !isFloatingGrad(gi) || gi.numel() === 0) return;
    const bad = noGrad(() => {
      const m = E.isnan(gi);
      const a = R.any(m);
      const v = a.item();
      m.dispose();
      a.dispose();
      return v;
    });
    if (!bad) return;
    const where = fn.stack ? `\nThe forward call that created it (anomaly mode):\n${fn.stack}` : '';
    const err = autogradError(
      `Function '${fn.name}' returned nan values in its ${j}th output (forward op ${forwardName(fn.op)}).${where}`,
    );
    Object.assign(err, { op: fn.op, forwardOp: forwardName(fn.op), forwardStack: fn.stack ?? null });
    throw err;
  });
}

/**
 * Back-propagates from root (a scalar unless `gradient` is given) into the leaves' `.grad` (or only
 * into opts.inputs'). `gradient` must have root's shape, dtype and device (checked before anything runs).
 */
export function backward(root: Tensor, gradient?: Tensor | null, opts?: BackwardOptions): void {
  autogradBackward(root, gradient === undefined ? undefined : gradient, opts, 'gradient');
}

/**
 * torch.autograd.backward(tensors, gradTensors?, {retainGraph, createGraph, inputs}): the sum of
 * each tensor's backward with its gradient (null or missing for a scalar: ones), in one pass.
 */
export function autogradBackward(
  tensors: Tensor | Tensor[],
  gradTensors?: Tensor | (Tensor | null)[] | null,
  opts?: BackwardOptions,
  gradName = 'gradTensors',
  ...rest: never[]
): void {
  noExtraArgs('backward', 'tensors, gradTensors, { retainGraph, createGraph, inputs }', rest);
  opts = checkOptionKeys('options', opts, ['retainGraph', 'createGraph', 'inputs']);
  const create = boolOption('options.createGraph', opts.createGraph, false);
  const retain = boolOption('options.retainGraph', opts.retainGraph, create);
  const roots = tensorList('tensors', tensors, false) as Tensor[];
  if (!roots.length) invalidArg('tensors', 'at least one tensor', tensors);
  roots.forEach((r, i) => {
    if (!r.requiresGrad)
      throw new TorchletRangeError(
        `torchlet: backward() on a tensor that does not require grad and has no grad_fn${roots.length > 1 ? ` (tensors[${i}])` : ''}`,
      );
  });
  const grads = gradList(gradName, gradTensors, roots, 'the tensor backward() is called on');
  let inputs: Tensor[] | null = null;
  if (opts.inputs !== undefined) {
    inputs = tensorList('options.inputs', opts.inputs, false) as Tensor[];
    if (!inputs.length) invalidArg('options.inputs', 'a non-empty tensor or array of tensors', opts.inputs);
    inputs.forEach((t, i) => {
      if (!t.requiresGrad) invalidArg(`options.inputs[${i}]`, 'a tensor that requires grad', t);
    });
  }
  runEngine(roots, grads, { retain, create, inputs, capture: false });
}
function gradList(name: string, given: unknown, roots: Tensor[], rootName: string): (Tensor | null)[] {
  let list: unknown[];
  if (given === undefined || given === null) list = roots.map(() => null);
  else if (Array.isArray(given)) list = given;
  else list = [given];
  if (list.length !== roots.length) invalidArg(name, `${roots.length} gradient(s), one per output (null for a scalar)`, `${list.length}`);
  const one = !Array.isArray(given);
  return roots.map((r, i) => rootGradient(one ? name : `${name}[${i}]`, r, list[i] as Tensor | null | undefined, one ? rootName : `${rootName}[${i}]`));
}

/**
 * torch.autograd.grad(outputs, inputs, {gradOutputs, retainGraph, createGraph, allowUnused}): the
 * gradients of the outputs (weighted by gradOutputs) w.r.t. each input, as an array, without touching
 * any `.grad`. An input the outputs do not depend on is an error unless allowUnused (then null). With
 * createGraph the gradients carry a graph and can be differentiated again (retainGraph then defaults to true).
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts?: GradOptions, ...rest: never[]): (Tensor | null)[] {
  noExtraArgs('grad', 'outputs, inputs, { gradOutputs, retainGraph, createGraph, allowUnused }', rest);
  opts = checkOptionKeys('options', opts, ['gradOutputs', 'retainGraph', 'createGraph', 'allowUnused']);
  const create = boolOption('options.createGraph', opts.createGraph, false);
  const retain = boolOption('options.retainGraph', opts.retainGraph, create);
  const allowUnused = boolOption('options.allowUnused', opts.allowUnused, false);
  const outs = tensorList('outputs', outputs, false) as Tensor[];
  const ins = tensorList('inputs', inputs, false) as Tensor[];
  if (!outs.length) invalidArg('outputs', 'at least one tensor', outputs);
  if (!ins.length) invalidArg('inputs', 'at least one tensor', inputs);
  outs.forEach((r, i) => {
    if (!r.requiresGrad)
      throw new TorchletRangeError(`torchlet: element ${i} of outputs does not require grad and does not have a grad_fn`);
  });
  const grads = gradList('options.gradOutputs', opts.gradOutputs, outs, 'outputs');
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new TorchletRangeError(`torchlet: inputs[${i}] does not require grad (One of the differentiated Tensors does not require grad)`);
  });
  const res = runEngine(outs, grads, { retain, create, inputs: ins, capture: true });
  res.forEach((g, i) => {
    if (!g && !allowUnused)
      throw new TorchletRangeError(
        `torchlet: inputs[${i}] appears not to have been used in the graph (One of the differentiated Tensors appears to not have been used in the graph). Set {allowUnused: true} if this is the desired behavior`,
      );
  });
  return res;
}
