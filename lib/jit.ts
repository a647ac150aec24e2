// lib/jit.ts — torch.jit.freeze (alias torch.jit.optimizeForInference): a trained module turned into
// an optimised, inference-only copy, as PyTorch's torch.jit.freeze + optimize_for_inference do.
// Contract: freeze(module, exampleInput) leaves `module` untouched and returns a deep copy in eval
// mode whose forward runs under noGrad (nothing is recorded for autograd) and in which
//   * every BatchNorm1d/2d/3d (with running statistics) whose input is the output of a Conv1d/2d/3d
//     used by nothing else is folded into that conv's weight and bias (the BN becomes Identity);
//   * every conv whose (folded) output is used only by ReLUs (nn.ReLU or F.relu) applies ReLU in its
//     epilogue, and those relu() calls become views (no pass over the data);
//   * every conv whose (folded) output is read only by an add whose sum only ReLUs read (a residual
//     block's end, `relu(add(bn(conv(x)), identity))`) has that add write relu(sum) into the conv's
//     output in one pass, and the ReLU becomes a view (residualRelu; lib/ops/fusion.ts);
//   * every conv runs from weights pre-packed for the CPU's GEMM micro-kernel (once per input size),
//     also where the forward passes a frozen conv's weight to F.conv2dReluMaxPool2d itself;
//   * every nn.Linear that the forward calls becomes a FrozenLinear: its weight packed once, and a ReLU
//     epilogue where ReLUs alone read its output (those relu() calls become views);
//   * the tensors its forward creates are freed when it returns, except those it returns (as if the
//     call ran inside torch.tidy): keep intermediates you need with torch.keep().
// The data flow is found by running exampleInput through a copy once with the autograd graph on:
// pairs are recognised from the module calls (which module produced which tensor) and the graph's
// readers of each value (a node, not a tensor object: the in-place forms `y.relu_()`,
// nn.ReLU({inplace: true}) and `out.add_(identity)` fuse as the out-of-place ones, and a value read
// before an in-place write keeps that reader), so any forward code works, Sequential or hand-written.
// A value the forward returns is one more reader: no fusion rewrites a returned tensor. The frozen convs keep
// their weights privately (not in parameters() or stateDict()), so that packed weights cannot go
// stale: freeze again after changing the original's weights, and move the module to its device
// before freezing. Outputs equal the original module's in eval mode within float32 rounding.
import { invalidArg, typeArg, checkOptionKeys, noExtraArgs, optBool } from './errors';
import { Tensor, checkTensor } from './tensor';
import { noGrad, enableGrad, GradFn, observeRecords } from './autograd';
import { keep, tidy } from './memory';
import { fromBuffer } from './creation';
import { Module, Parameter } from './nn/module';
import { Identity, Linear } from './nn/layers';
import { Conv1d, Conv2d, Conv3d } from './nn/conv';
import { BatchNorm1d, BatchNorm2d } from './nn/normalization';
import { convInference, inferencePackCache, Nd, ConvOptions, ConvAlgorithm, frozenConvAlgorithm } from './ops/conv';
import { residualAddRelu } from './ops/fusion';
import { inplaceClones } from './ops/inplace';
import { linear } from './ops/matmul';
import { relu as reluOp, markNonNegative } from './ops/elementwise';
import { native } from './binding';
import { record, signature, Plan } from './replay';
import { jitInternal } from './jit_internal';

type AnyConv = Conv1d | Conv2d | Conv3d;
type AnyBatchNorm = BatchNorm1d | BatchNorm2d;
// (a conv with a paddingMode other than zeros pads with F.pad first: it stays as it is)
const isConv = (m: Module): m is AnyConv => (m instanceof Conv1d || m instanceof Conv2d || m instanceof Conv3d) && m.paddingMode === 'zeros';
const isBatchNorm = (m: Module): m is AnyBatchNorm => m instanceof BatchNorm1d || m instanceof BatchNorm2d;

/** A conv layer of a frozen module: folded weight and bias held privately, optional ReLU epilogue. */
export class FrozenConv extends Module {
  readonly #weight: Tensor;
  readonly #bias: Tensor | null;
  constructor(
    readonly nd: Nd,
    weight: Tensor,
    bias: Tensor | null,
    readonly convOptions: ConvOptions,
    readonly relu: boolean,
    /** what it was made from, for toString() */
    readonly source: string,
    /** its output is the left or right operand of a residual add -> ReLU (fused into the add) */
    readonly residualRelu = false,
  ) {
    super();
    this.training = false;
    this.#weight = keep(weight);
    this.#bias = keep(bias);
    // its packed copies: for its own forward, and for a forward that passes the weight to
    // F.conv2dReluMaxPool2d itself (FashionCNN's), which finds them by the weight
    inferencePackCache(this.#weight);
  }
  /** The folded weight and bias (read them, never change them: the packed copies would go stale). */
  get weight(): Tensor {
    return this.#weight;
  }
  get bias(): Tensor | null {
    return this.#bias;
  }
  get stride(): ConvOptions['stride'] {
    return this.convOptions.stride;
  }
  get padding(): ConvOptions['padding'] {
    return this.convOptions.padding;
  }
  get dilation(): ConvOptions['dilation'] {
    return this.convOptions.dilation;
  }
  get groups(): number {
    return this.convOptions.groups ?? 1;
  }
  /** The input shape of the last forward pass (null before the first). */
  #lastInputShape: number[] | null = null;
  /** The CPU algorithm this layer's convolution ran in its last forward pass (null before the first):
   * frozen weights are transformed and packed once, so Winograd runs on smaller maps than in
   * nn.Conv2d (ResNet's 4x4 and 2x2 layers at batch 64; see F.convAlgorithms for the unfrozen choice). */
  get algorithm(): ConvAlgorithm | null {
    return this.#lastInputShape ? frozenConvAlgorithm(this.nd, this.#lastInputShape, this.#weight.shape, this.convOptions) : null;
  }
  forward(x: Tensor): Tensor {
    this.#lastInputShape = x.shape.slice();
    const y = noGrad(() => convInference(this.nd, x, this.#weight, this.#bias, this.convOptions, this.relu, inferencePackCache(this.#weight)));
    if (this.residualRelu) residualAddRelu.set(y, y._version);
    return y;
  }
  extraRepr(): string {
    return `${this.source}${this.relu ? ', relu=True' : ''}${this.residualRelu ? ', residual_add_relu=True' : ''}`;
  }
}

/**
 * A Linear layer of a frozen module: its weight packed once for the CPU's GEMM (the plain Linear packs
 * it on every call), optional ReLU epilogue (the relu() calls on its output become views). Inputs of
 * at most 24 rows, and inputs it cannot take that way (another device or dtype than the weight's; a
 * CUDA weight), run the plain linear (+ relu).
 */
export class FrozenLinear extends Module {
  readonly #weight: Tensor;
  readonly #bias: Tensor | null;
  readonly #packed: Tensor | null;
  constructor(weight: Tensor, bias: Tensor | null, readonly relu: boolean, readonly source: string) {
    super();
    this.training = false;
    this.#weight = keep(weight);
    this.#bias = keep(bias);
    const [N, K] = weight.shape;
    let packed: Tensor | null = null;
    if (weight.device === 'cpu' && N > 0 && K > 0 && (weight.dtype === 'float32' || weight.dtype === 'float64')) {
      const info = Tensor.empty([2], 'int64');
      native.linearPackInfo(info.arg(), { N, K, relu: false });
      const size = Number((info.toArray() as BigInt64Array)[weight.dtype === 'float32' ? 0 : 1]);
      info.dispose();
      packed = keep(Tensor.empty([size], weight.dtype, weight.device));
      native.linearPackWeight(weight.contiguous().arg(), packed.arg(), { N, K, relu: false });
    }
    this.#packed = packed;
  }
  /** The weight and bias (read them, never change them: the packed copy would go stale). */
  get weight(): Tensor {
    return this.#weight;
  }
  get bias(): Tensor | null {
    return this.#bias;
  }
  forward(x: Tensor): Tensor {
    return noGrad(() => {
      const [N, K] = this.#weight.shape;
      const w = this.#weight;
      // (up to 24 rows the plain linear is faster: its dot products or skinny GEMM read x as it lies,
      // where the packed product would have to pack x as a narrow B first)
      const rows = x instanceof Tensor && K > 0 ? x.numel() / K : 0;
      if (!this.#packed || !(x instanceof Tensor) || x.device !== w.device || x.dtype !== w.dtype || x.ndim < 1 || x.shape[x.ndim - 1] !== K || rows <= 24) {
        const y = linear(x, w, this.#bias);
        return this.relu ? reluOp(y) : y;
      }
      const xc = x.contiguous();
      const y = Tensor.empty([...x.shape.slice(0, -1), N], x.dtype, x.device);
      native.linearPackedForward(xc.arg(), this.#packed.arg(), this.#bias ? this.#bias.contiguous().arg() : null, y.arg(), { N, K, relu: this.relu });
      return this.relu ? markNonNegative(y) : y;
    });
  }
  extraRepr(): string {
    return `${this.source}${this.relu ? ', relu=True' : ''}`;
  }
}

/** Deep copy of a module tree: tensors cloned (parameters stay Parameters), other values shared. */
function cloneModule<M extends Module>(m: M): M {
  const copy = Object.create(Object.getPrototypeOf(m)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(m)) copy[k] = cloneValue(v);
  return copy as unknown as M;
}
function cloneValue(v: unknown): unknown {
  if (v instanceof FrozenConv || v instanceof FrozenLinear) return v; // immutable: shared
  if (v instanceof Parameter) return new Parameter(noGrad(() => v.detach().clone()), v.requiresGrad);
  if (v instanceof Tensor) return keep(noGrad(() => v.detach().clone()));
  if (v instanceof Module) return cloneModule(v);
  if (v instanceof Set) return new Set(v);
  if (Array.isArray(v)) return v.map(cloneValue);
  return v;
}

/** The parent and attribute name of every submodule (by identity). */
function parents(root: Module): Map<Module, [Module, string]> {
  const out = new Map<Module, [Module, string]>();
  for (const m of root.modules()) for (const [n, c] of m.namedChildren()) if (!out.has(c)) out.set(c, [m, n]);
  return out;
}

/** A reader of a node's value: the node that took it as its input `j`, or fn null for a value the forward returned. */
interface Reader {
  fn: GradFn | null;
  j: number;
}
/** The node input `j` of `f` had when `f` was recorded (PyTorch's edge), null for none. */
function inputNode(f: GradFn, j: number): GradFn | null {
  const then = f.inputFns?.[j];
  if (then === false) return null;
  return then ?? f.inputs[j]?.gradFn ?? null;
}
/**
 * For every node the trace recorded (`nodes`, whether an output's graph reaches them or not: a dead
 * read or an in-place write on a value nothing reads afterwards still touched it), what read its value:
 * the nodes that took it as an input, by the input's node when they were recorded (so the readers of a
 * tensor before and after an in-place write on it are told apart: x.relu_() is a ReLU reading the value,
 * not a new value), and {fn: null} for each output returning it. The clone an in-place op makes of the
 * old value (its node in inplaceClones) is seen through: its readers count as the cloned value's, with
 * their own index.
 */
function readersOf(outputs: Tensor[], nodes: GradFn[]): (node: GradFn | null) => Reader[] {
  const direct = new Map<GradFn, Reader[]>();
  const add = (n: GradFn, r: Reader) => {
    const list = direct.get(n);
    if (list) list.push(r);
    else direct.set(n, [r]);
  };
  for (const t of outputs) if (t.gradFn) add(t.gradFn, { fn: null, j: -1 });
  for (const f of nodes)
    for (let j = 0; j < f.inputs.length; j++) {
      const n = inputNode(f, j);
      if (n) add(n, { fn: f, j });
    }
  const readers = (node: GradFn | null): Reader[] =>
    !node ? [] : (direct.get(node) ?? []).flatMap((r) => (r.fn && inplaceClones.has(r.fn) ? readers(r.fn) : [r]));
  return readers;
}
/** The node of input `j` of `f` when it was recorded, seen through an in-place op's clone (as readersOf). */
function operandNode(f: GradFn, j: number): GradFn | null {
  const n = inputNode(f, j);
  return n && inplaceClones.has(n) ? inputNode(n, 0) : n;
}

function tensorsIn(v: unknown): Tensor[] {
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap(tensorsIn);
  if (v && typeof v === 'object') return Object.values(v).flatMap(tensorsIn);
  return [];
}

/** What the trace learned about one conv layer. */
interface ConvInfo {
  conv: AnyConv;
  out: Tensor | null; // its output in the trace
  node: GradFn | null; // that output's node when the conv returned it
  bn: AnyBatchNorm | null; // the BatchNorm folded into it
  bnNode: GradFn | null; // the BatchNorm's output node when it returned
}

/**
 * An optimised inference-only copy of `module` (see the file comment): BatchNorm folded into the
 * preceding conv, conv + bias + ReLU fused, weights pre-packed, no autograd. `exampleInput` (a
 * Tensor, or an array of the forward's arguments) is run once to find the data flow.
 */
export function freeze<M extends Module>(module: M, exampleInput: Tensor | unknown[], opts: FreezeOptions = {}, ...rest: never[]): M {
  noExtraArgs('freeze', 'module, exampleInput, opts', rest);
  checkOptionKeys('opts', opts, ['replay']);
  const replay = optBool('opts.replay', opts.replay, true);
  if (!(module instanceof Module)) typeArg('module', 'an nn.Module', module);
  if (!Array.isArray(exampleInput)) checkTensor('exampleInput', exampleInput);
  return freezeModule(module, exampleInput, replay, true);
}

/**
 * freeze() itself (not exported: lib/serve/worker.ts reaches it through lib/jit_internal.ts); with
 * copy = false `module` is frozen in place (its convs replaced, its
 * forward wrapped) and the convs without a BatchNorm keep viewing their weights instead of copying
 * them (lib/serve/worker.ts: a worker's model, whose weights are views of memory shared by workers).
 */
function freezeModule<M extends Module>(module: M, exampleInput: Tensor | unknown[], replay: boolean, copy: boolean): M {
  const args = Array.isArray(exampleInput) ? exampleInput : [exampleInput];
  const m = copy ? cloneModule(module) : module;
  m.eval();
  // the trace: which conv produced which tensor, which BN took a conv's output
  const infos = new Map<AnyConv, ConvInfo>();
  const producer = new Map<Tensor, ConvInfo>();
  const linears = new Map<Linear, GradFn | null>(); // each Linear's output node in the trace
  const restore: (() => void)[] = [];
  for (const sub of m.modules()) {
    if (sub instanceof Linear) {
      linears.set(sub, null);
      const fwd = sub.forward;
      sub.forward = (x: Tensor) => {
        const y = fwd.call(sub, x);
        linears.set(sub, y.gradFn);
        return y;
      };
      restore.push(() => delete (sub as Partial<Linear>).forward);
    } else if (isConv(sub)) {
      const info: ConvInfo = { conv: sub, out: null, node: null, bn: null, bnNode: null };
      infos.set(sub, info);
      const fwd = sub.forward;
      sub.forward = (x: Tensor) => {
        const y = fwd.call(sub, x);
        info.out = y;
        info.node = y.gradFn;
        producer.set(y, info);
        return y;
      };
      restore.push(() => delete (sub as Partial<AnyConv>).forward);
    } else if (isBatchNorm(sub) && sub.runningMean && sub.runningVar) {
      const fwd = sub.forward;
      sub.forward = (x: Tensor) => {
        const y = fwd.call(sub, x);
        const info = producer.get(x);
        if (info && !info.bn && info.out === x && x.gradFn === info.node) {
          info.bn = sub;
          info.bnNode = y.gradFn;
        }
        return y;
      };
      restore.push(() => delete (sub as Partial<AnyBatchNorm>).forward);
    }
  }
  let outputs: Tensor[];
  const nodes: GradFn[] = []; // every node the trace recorded, whether an output's graph reaches it or not
  try {
    outputs = tensorsIn(observeRecords((f) => nodes.push(f), () => enableGrad(() => (m.forward as (...a: unknown[]) => unknown)(...args))));
  } finally {
    restore.forEach((r) => r());
  }
  if (!outputs.length) invalidArg('module', 'a module whose forward returns tensors', module);
  // (the trace's outputs go at the end, except the caller's own tensors the forward returned, or views
  // of them: its inputs, the module's parameters and buffers as they were in the trace)
  const kept = new Set([...tensorsIn(args), ...m.parameters(), ...m.buffers()].map((t) => t._storage));
  const readers = readersOf(outputs, nodes);
  const owner = parents(m);
  const convValues = new Set<GradFn>([...infos.values()].flatMap((i) => [i.node, i.bnNode]).filter((n): n is GradFn => !!n));
  const isRelu = (r: Reader) => r.fn?.op === 'ReluBackward';
  for (const info of infos.values()) {
    // The nodes of the BN's own call read the conv output: BatchNormBackward, or BatchNormReluBackward
    // when relu(batchNorm(y)) fused its backward (lib/ops/fusion.ts; it stands for a ReLU reading the
    // BN's output, whose own node then is not in the graph at all).
    const outUses = readers(info.node);
    const bn = info.bn;
    // (the node of the BN's call, or the fused relu(bn) node made from it, which shares its inputs array)
    const bnNode = bn ? info.bnNode : null;
    const ofBn = (r: Reader) => !!bnNode && !!r.fn && (r.fn === bnNode || (r.fn.op === 'BatchNormReluBackward' && r.fn.inputs === bnNode.inputs));
    // a BN folds only when nothing but its own call read the conv's output (a returned output is a reader)
    if (bn && (!outUses.length || !outUses.every(ofBn))) info.bn = null;
    const lastUses = info.bn ? [...readers(info.bnNode), ...outUses.filter((r) => r.fn!.op === 'BatchNormReluBackward')] : outUses;
    const relu = lastUses.length > 0 && lastUses.every((r) => isRelu(r) || (!!info.bn && ofBn(r) && r.fn!.op === 'BatchNormReluBackward'));
    // its output's one reader an add (of it and another tensor) whose sum only ReLUs read
    const last = info.bn ? info.bnNode : info.node;
    const add = lastUses.length === 1 && lastUses[0].fn?.op === 'AddBackward' ? lastUses[0] : null;
    const sumUses = add ? readers(add.fn) : [];
    const operands = add ? [operandNode(add.fn!, 0), operandNode(add.fn!, 1)] : [];
    // (when both operands are conv outputs, as with a downsampled identity, the left one takes it)
    const residual = !relu && !!add && operands.filter((n) => n === last).length === 1 &&
      (add.j === 0 || !operands[0] || !convValues.has(operands[0])) && sumUses.length > 0 && sumUses.every(isRelu);
    const { weight, bias } = fold(info.conv, info.bn, copy);
    const c = info.conv;
    const frozen = new FrozenConv(c.weight.ndim - 2 as Nd, weight, bias, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups },
      relu, `${c.constructor.name}(${c.extraRepr()})${info.bn ? ` + ${info.bn.constructor.name}(${info.bn.extraRepr()})` : ''}`, residual);
    const at = owner.get(c);
    if (at) (at[0] as unknown as Record<string, Module>)[at[1]] = frozen;
    if (info.bn) {
      const bat = owner.get(info.bn);
      if (bat) (bat[0] as unknown as Record<string, Module>)[bat[1]] = new Identity();
    }
  }
  // Linears: weight packed once; a ReLU epilogue where ReLUs alone read the output (as for convs).
  // Not in place (copy = false: a serve worker's model, whose weights are memory shared by the
  // workers): a packed copy per worker would undo that sharing.
  for (const [lin, node] of linears) {
    if (!copy || !node || lin.inFeatures === 0 || lin.outFeatures === 0) continue;
    const outUses = readers(node);
    const relu = outUses.length > 0 && outUses.every(isRelu);
    const frozen = new FrozenLinear(lin.weight.detach(), lin.bias ? lin.bias.detach() : null, relu, `Linear(${lin.extraRepr()})`);
    const at = owner.get(lin);
    if (at) (at[0] as unknown as Record<string, Module>)[at[1]] = frozen;
  }
  for (const t of outputs) if (!kept.has(t._storage)) t.dispose();
  // the copy's own forward, always without autograd, freeing its intermediate tensors as it returns
  // (their memory is then reused, still warm in the caches, by the next call instead of waiting for
  // the garbage collector)
  const forward = m.forward;
  const plain = (a: unknown[]) => noGrad(() => tidy(() => (forward as (...b: unknown[]) => unknown).apply(m, a)));
  (m as { forward: (...a: unknown[]) => unknown }).forward = replay ? replayingForward(plain) : (...a: unknown[]) => plain(a);
  return m;
}

/** Options of torch.jit.freeze. */
export interface FreezeOptions {
  /**
   * Replay recorded native calls (lib/replay.ts) for inputs of a signature seen before (default
   * true): the second call with given input shapes records, later ones replay (up to 16 signatures
   * whose intermediates take at most 128 MiB together). false: the forward's JS code runs on every call.
   */
  replay?: boolean;
}

/** At most this many input signatures keep a plan (the least recently used one goes first)... */
const MAX_PLANS = 16;
/** ...and their pooled buffers at most this many bytes together: replay pays at small sizes, where the
 * fixed cost per op dominates; a large batch's intermediates stay with the caching allocator. */
const MAX_PLAN_BYTES = 128 * 2 ** 20;

/**
 * The frozen forward with recorded plans: per input signature (every argument a Tensor), the first
 * call runs the forward's code (it may pack weights, which reads on the host), the second runs it
 * while recording, and the following ones replay the recording. A run that cannot be replayed (see
 * lib/replay.ts), or whose plan alone would exceed MAX_PLAN_BYTES, leaves that signature on the plain
 * path for good.
 */
function replayingForward(plain: (a: unknown[]) => unknown): (...a: unknown[]) => unknown {
  type Entry = { seen: number; plan: Plan | null; failed: boolean };
  const plans = new Map<string, Entry>(); // in least recently used order
  const drop = (e: Entry) => {
    e.plan?.dispose();
    e.plan = null;
    e.seen = 0;
  };
  return (...a: unknown[]) => {
    if (!a.length || !a.every((t) => t instanceof Tensor)) return plain(a);
    const inputs = a as Tensor[];
    const sig = signature(inputs);
    let e = plans.get(sig);
    if (e) {
      plans.delete(sig);
      plans.set(sig, e);
      if (e.plan) {
        if (e.plan.valid()) return e.plan.run(inputs);
        drop(e);
      }
    } else {
      e = { seen: 0, plan: null, failed: false };
      plans.set(sig, e);
      if (plans.size > MAX_PLANS) {
        const [k, old] = plans.entries().next().value as [string, Entry];
        drop(old);
        plans.delete(k);
      }
    }
    if (e.failed || ++e.seen < 2) return plain(a);
    const { result, plan } = record(() => plain(a), inputs);
    if (!plan || plan.bytes > MAX_PLAN_BYTES) {
      plan?.dispose();
      e.failed = true;
      return result;
    }
    e.plan = plan;
    let total = 0;
    for (const x of plans.values()) total += x.plan ? x.plan.bytes : 0;
    for (const x of plans.values()) {
      if (total <= MAX_PLAN_BYTES || x === e) break;
      total -= x.plan ? x.plan.bytes : 0;
      drop(x);
    }
    return result;
  };
}

/** The conv's weight and bias (copied unless copy = false) with `bn` (eval mode) folded in: w * s, (b - mean) * s + beta, s = gamma / sqrt(var + eps). */
function fold(conv: AnyConv, bn: AnyBatchNorm | null, copy: boolean): { weight: Tensor; bias: Tensor | null } {
  return noGrad(() => {
    const w = conv.weight.detach();
    if (!bn && !copy) return { weight: w, bias: conv.bias ? conv.bias.detach() : null };
    if (!bn) return { weight: w.clone(), bias: conv.bias ? conv.bias.detach().clone() : null };
    const OC = w.shape[0];
    const per = w.numel() / OC;
    const wd = Float64Array.from(w.toArray() as Float32Array);
    const mean = bn.runningMean!.toArray();
    const vr = bn.runningVar!.toArray();
    const gamma = bn.weight ? bn.weight.toArray() : null;
    const beta = bn.bias ? bn.bias.toArray() : null;
    const b0 = conv.bias ? conv.bias.toArray() : null;
    const bias = new Float64Array(OC);
    for (let o = 0; o < OC; o++) {
      const s = (gamma ? Number(gamma[o]) : 1) / Math.sqrt(Number(vr[o]) + bn.eps);
      for (let k = 0; k < per; k++) wd[o * per + k] *= s;
      bias[o] = ((b0 ? Number(b0[o]) : 0) - Number(mean[o])) * s + (beta ? Number(beta[o]) : 0);
    }
    const cast = (a: Float64Array) => (w.dtype === 'float64' ? a : Float32Array.from(a));
    return {
      weight: fromBuffer(cast(wd), w.shape.slice()).to(w.device),
      bias: fromBuffer(cast(bias), [OC]).to(w.device),
    };
  });
}

/** PyTorch's name for the same thing (torch.jit.optimize_for_inference). */
export const optimizeForInference = freeze;

jitInternal.freezeModule = freezeModule;
