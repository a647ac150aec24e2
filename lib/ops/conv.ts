// lib/ops/conv.ts — convolution over 1, 2 or 3 spatial dims: conv1d [N, C, L], conv2d [N, C, H, W]
// and conv3d [N, C, D, H, W] (each also unbatched, without N), with stride, padding (a number, one
// per dim, 'same' or 'valid'), dilation, groups and an optional bias, and gradients for input,
// weight and bias. All three run through one N-dimensional path: prepareConv checks every argument
// with a named error and builds the native ConvParams (spatial dims right-aligned to three), and
// runConv calls the one native op (convForward / convBackwardInput / convBackwardWeight).
// Also convTranspose1d / 2d / 3d (the input gradient of a convolution, run through the same
// native kernels: see convTransposeNd) and conv2dReluMaxPool2d: conv2d -> ReLU -> max pooling (non-overlapping windows) in one native
// pass whose full-size conv output and gradient are never stored (same values and gradients).
import { native, enums } from '../binding';
import type { TensorArg, OptTensorArg, ConvParams, ConvAlgoCode, Dims3, Pool2dParams } from '../../binding';
import { invalidArg, checkTuple, typeArg, dtypeError, shapeError, checkOptionKeys, noExtraArgs, deviceMismatch } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record, GradOp, isGradEnabled, noGrad, linearGrad } from '../autograd';
import { keep } from '../memory';
import { markNonNegative, add, relu, mul, cast, compare } from './elementwise';
import { cat } from './shape';
import { reluMaxPool2d, maxPool2d, poolGather as poolGatherAt } from './pool2d';
import { sum } from './reduce';

/** PyTorch's keyword arguments of F.conv1d / conv2d / conv3d (numbers apply to every spatial dim). */
export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[] | 'same' | 'valid';
  dilation?: number | number[];
  groups?: number;
}
export type Conv1dOptions = ConvOptions;
export type Conv2dOptions = ConvOptions;
export type Conv3dOptions = ConvOptions;

/** 1-D convolution of input [N, C, L] (or [C, L]) with weight [outChannels, C/groups, kL]. */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv1dOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('conv1d', 'input, weight, bias, { stride, padding, dilation, groups }', rest);
  return convNd(1, input, weight, bias, opts);
}

/** 2-D convolution of input [N, C, H, W] (or [C, H, W]) with weight [outChannels, C/groups, kH, kW]. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('conv2d', 'input, weight, bias, { stride, padding, dilation, groups }', rest);
  return convNd(2, input, weight, bias, opts);
}

/** 3-D convolution of input [N, C, D, H, W] (or [C, D, H, W]) with weight [outChannels, C/groups, kD, kH, kW]. */
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv3dOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('conv3d', 'input, weight, bias, { stride, padding, dilation, groups }', rest);
  return convNd(3, input, weight, bias, opts);
}

export type Nd = 1 | 2 | 3;
const SPATIAL: Record<Nd, string[]> = { 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };

interface PreparedConv {
  params: ConvParams;
  outShape: number[];
  /** per spatial dim: drop the first output ('same' padding of odd total, see prepareConv) */
  trim: boolean[];
}

function convNd(nd: Nd, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvOptions): Tensor {
  const prep = prepareConv(nd, input, weight, bias, opts);
  if (prep === 'unbatched') return convNd(nd, input.unsqueeze(0), weight, bias, opts).squeeze(0);
  let out = runConv(input, weight, bias, prep.outShape, prep.params, CONV_KERNELS);
  if (!prep.trim.some((t) => t)) return out;
  prep.trim.forEach((t, i) => {
    if (t) out = out.narrow(2 + i, 1, out.shape[2 + i] - 1);
  });
  return out.contiguous();
}

/**
 * Checks the arguments of an nd-dimensional convolution and returns the native params, the output
 * shape and the dims to trim — or 'unbatched' for an input without the batch dim (the caller adds
 * it). Padding 'same' (stride 1) pads d*(k-1) in total per dim; PyTorch puts an odd total's extra
 * zero at the end, which equals padding ceil(total/2) on both sides and dropping the first output.
 */
function prepareConv(
  nd: Nd, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvOptions,
): PreparedConv | 'unbatched' {
  const dims = SPATIAL[nd];
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'groups']);
  checkTensor('input', input);
  checkTensor('weight', weight);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== nd + 1 && input.ndim !== nd + 2)
    shapeError('input', `a ${nd + 1}-D [C, ${dims.join(', ')}] or ${nd + 2}-D [N, C, ${dims.join(', ')}] tensor`, input);
  if (input.ndim === nd + 1) return 'unbatched';
  if (weight.ndim !== nd + 2)
    shapeError('weight', `a ${nd + 2}-D tensor [outChannels, inChannels/groups, ${dims.map((d) => `k${d}`).join(', ')}]`, weight);
  if (weight.dtype !== input.dtype) dtypeError('weight', `a ${input.dtype} tensor (same dtype as input)`, weight);
  const prep = convGeometry(nd, input.shape, weight.shape, opts, input, weight);
  if (bias) {
    checkTensor('bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== prep.params.OC) shapeError('bias', `a 1-D tensor of ${prep.params.OC} elements`, bias);
    if (bias.dtype !== input.dtype) dtypeError('bias', `a ${input.dtype} tensor`, bias);
  }
  return prep;
}

/** The native params, output shape and trimmed dims of an nd-dimensional conv of these shapes
 * (input [N, C, ...], weight [OC, C/groups, ...]); `input`/`weight` are what errors show. */
function convGeometry(nd: Nd, inShape: number[], wShape: number[], opts: ConvOptions, input: unknown, weight: unknown): PreparedConv {
  const dims = SPATIAL[nd];
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) invalidArg('groups', 'a positive integer', groups);
  const [N, C, ...inSize] = inShape;
  const [OC, Cg, ...kernel] = wShape;
  if (Cg < 1 || kernel.some((k) => k < 1)) shapeError('weight', 'a kernel of positive size', weight);
  if (C % groups !== 0) invalidArg('groups', `a divisor of the input channels (${C})`, groups);
  if (OC % groups !== 0) invalidArg('groups', `a divisor of the output channels (${OC})`, groups);
  if (Cg * groups !== C)
    invalidArg('input', `${Cg * groups} channels (weight expects ${Cg} per group x ${groups} groups)`, input);
  const stride = checkTuple('stride', opts.stride ?? 1, nd, 1);
  const dilation = checkTuple('dilation', opts.dilation ?? 1, nd, 1);
  let padding: number[];
  let trim: boolean[] = new Array<boolean>(nd).fill(false);
  const pad = opts.padding ?? 0;
  if (pad === 'valid') padding = new Array<number>(nd).fill(0);
  else if (pad === 'same') {
    if (stride.some((s) => s !== 1)) invalidArg('padding', "numeric padding ('same' requires stride 1)", pad);
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    trim = total.map((t) => t % 2 === 1);
    padding = total.map((t) => Math.ceil(t / 2));
  } else if (typeof pad === 'string')
    return typeArg('padding', `a number, [${dims.join(', ').toLowerCase()}], 'same' or 'valid'`, pad);
  else padding = checkTuple('padding', pad, nd, 0);
  const out = inSize.map((n, i) => Math.floor((n + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i]) + 1);
  if (out.some((o) => o < 1))
    shapeError('input', `a spatial size large enough for the kernel (output would be ${out.join('x')})`, input);
  // right-aligned to three spatial dims: the missing leading ones are trivial
  const dims3 = (v: number[], fill: number): Dims3 => [...new Array<number>(3 - nd).fill(fill), ...v] as Dims3;
  const params: ConvParams = {
    N, C, OC, groups, in: dims3(inSize, 1), kernel: dims3(kernel, 1), out: dims3(out, 1), stride: dims3(stride, 1),
    pad: dims3(padding, 0), dilation: dims3(dilation, 1), algo: preferred, relu: false, packed: false, frozen: false,
  };
  return { params, outShape: [N, OC, ...out], trim };
}

interface ConvKernels {
  forward(x: TensorArg, w: TensorArg, b: OptTensorArg, y: TensorArg, params: ConvParams): void;
  backwardInput(dy: TensorArg, w: TensorArg, dx: TensorArg, params: ConvParams): void;
  backwardWeight(dy: TensorArg, x: TensorArg, dw: TensorArg, db: OptTensorArg, params: ConvParams): void;
}

/** The N-dimensional native convolution kernels (1-D, 2-D and 3-D share them). */
const CONV_KERNELS: ConvKernels = {
  forward: (x, w, b, y, p) => native.convForward(x, w, b, y, p),
  backwardInput: (dy, w, dx, p) => native.convBackwardInput(dy, w, dx, p),
  backwardWeight: (dy, x, dw, db, p) => native.convBackwardWeight(dy, x, dw, db, p),
};

/**
 * y = conv(input, weight) + bias with output shape outShape through kernels k, recording the
 * backward that calls k's input- and weight-gradient kernels (only for the inputs that need one).
 */
function runConv(
  input: Tensor, weight: Tensor, bias: Tensor | null | undefined, outShape: number[], params: ConvParams, k: ConvKernels,
  op: GradOp = 'ConvolutionBackward', convOutGrad?: (g: Tensor) => Tensor,
): Tensor {
  const x = input.contiguous();
  const w = weight.contiguous();
  const b = bias ? bias.contiguous() : null;
  const y = Tensor.empty(outShape, input.dtype, input.device);
  k.forward(x.arg(), w.arg(), b ? b.arg() : null, y.arg(), params);
  return record(y, [input, weight, bias ?? null], op, (g) => {
    if (isGradEnabled()) {
      // createGraph (grad mode on in backward): each gradient records its own node (double backward);
      // a fused op first maps g to the conv output's gradient (convOutGrad, recorded too)
      const gz = convOutGrad ? convOutGrad(g) : g;
      return [
        input.requiresGrad ? convGradInput(gz, weight, input.shape, params) : null,
        weight.requiresGrad ? convGradWeight(input, gz, weight.shape, params) : null,
        bias && bias.requiresGrad ? sum(gz, gz.shape.map((_, i) => i).filter((i) => i !== 1)) : null,
      ];
    }
    const gc = g.contiguous();
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (input.requiresGrad) {
      gx = Tensor.empty(input.shape.slice(), input.dtype, input.device);
      k.backwardInput(gc.arg(), w.arg(), gx.arg(), params);
    }
    const needB = !!bias && bias.requiresGrad;
    if (weight.requiresGrad || needB) {
      gw = Tensor.empty(weight.shape.slice(), weight.dtype, weight.device);
      gb = needB ? Tensor.empty([outShape[1]], input.dtype, input.device) : null;
      k.backwardWeight(gc.arg(), x.arg(), gw.arg(), gb ? gb.arg() : null, params);
      if (!weight.requiresGrad) {
        gw.dispose();
        gw = null;
      }
    }
    if (gc !== g) gc.dispose();
    return [gx, gw, gb];
  }, [x, w]);
}

/**
 * The input gradient of a convolution (params) for output gradient g: convBackwardInput. Recorded
 * (under createGraph) as ConvolutionBackwardBackward of (g, weight): it is bilinear, d/dg is the
 * forward conv of the incoming gradient gg with weight, d/dweight the weight gradient for input gg.
 */
function convGradInput(g: Tensor, weight: Tensor, inShape: number[], params: ConvParams): Tensor {
  const gc = g.contiguous();
  const wc = weight.contiguous();
  const gx = Tensor.empty(inShape.slice(), g.dtype, g.device);
  native.convBackwardInput(gc.arg(), wc.arg(), gx.arg(), params);
  return record(gx, [g, weight], 'ConvolutionBackwardBackward', (gg) => [
    g.requiresGrad ? runConv(gg, weight, null, g.shape, params, CONV_KERNELS) : null,
    weight.requiresGrad ? convGradWeight(gg, g, weight.shape, params) : null,
  ], [gc, wc]);
}
/**
 * The weight gradient of a convolution of x for output gradient g: convBackwardWeight. Recorded as
 * ConvolutionBackwardBackward of (x, g): d/dx is the input gradient for g with weight gg, d/dg the
 * forward conv of x with weight gg.
 */
function convGradWeight(x: Tensor, g: Tensor, wShape: number[], params: ConvParams): Tensor {
  const xc = x.contiguous();
  const gc = g.contiguous();
  const gw = Tensor.empty(wShape.slice(), g.dtype, g.device);
  native.convBackwardWeight(gc.arg(), xc.arg(), gw.arg(), null, params);
  return record(gw, [x, g], 'ConvolutionBackwardBackward', (gg) => [
    x.requiresGrad ? convGradInput(g, gg, x.shape, params) : null,
    g.requiresGrad ? runConv(x, gg, null, g.shape, params, CONV_KERNELS) : null,
  ], [xc, gc]);
}

/**
 * maxPool2d(relu(conv2d(input, weight, bias, opts)), kernelSize) with stride = kernelSize — the
 * conv block of most small CNNs. For 4-D input the three run as one native pass: each image's conv
 * output lives only in a per-thread scratch buffer, is pooled from there, and the backward pass
 * rebuilds each image's conv-output gradient the same way. Values and gradients equal the unfused
 * ops'. Other inputs run the ops one after the other.
 */
export function conv2dReluMaxPool2d(
  input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions, kernelSize: number | number[],
): Tensor {
  const [kh, kw] = checkTuple('kernelSize', kernelSize, 2, 1);
  const unfused = (): Tensor => reluMaxPool2d(conv2d(input, weight, bias, opts), kernelSize);
  if (input instanceof Tensor && input.ndim !== 4) return unfused();
  const prep = prepareConv(2, input, weight, bias, opts);
  if (prep === 'unbatched' || prep.trim.some((t) => t)) return unfused();
  const [N, OC, OH, OW] = prep.outShape;
  if (kh * kw > 256 || OH < kh || OW < kw) return unfused();
  const [POH, POW] = [Math.floor(OH / kh), Math.floor(OW / kw)];
  const poolParams: Pool2dParams = { N, C: OC, H: OH, W: OW, OH: POH, OW: POW, kh, kw, sh: kh, sw: kw, ph: 0, pw: 0, dh: 1, dw: 1 };
  const tap = Tensor.empty([N, OC, POH, POW], 'uint8', input.device);
  // a frozen model's weight, nothing to record: the forward from pre-packed weights when their layout
  // is one the fused forward reads (a GEMM's, or Winograd's with one group)
  const cache = input.device === 'cpu' && inferencePacks.has(weight) ? inferencePackCache(weight) : null;
  const recording = isGradEnabled() && (input.requiresGrad || weight.requiresGrad || !!bias?.requiresGrad);
  if (cache && !recording) {
    const { packed, algo } = packedWeight(input, weight, prep.params, cache);
    if (FUSED_PACKED.has(algo) && (algo !== enums.ConvAlgo.Winograd || prep.params.groups === 1)) {
      const y = Tensor.empty([N, OC, POH, POW], input.dtype, input.device);
      const b = bias ? bias.contiguous() : null;
      native.conv2dReluMaxPool2dForward(input.contiguous().arg(), packed.arg(), b ? b.arg() : null, y.arg(), tap.arg(), { ...prep.params, packed: true, frozen: true }, poolParams);
      tap.dispose();
      return y;
    }
  }
  // runConv's kernels, with the pooled output y and the taps standing in for the conv output
  const y: Tensor = runConv(input, weight, bias, [N, OC, POH, POW], prep.params, {
    forward: (x, w, b, out, prm) => native.conv2dReluMaxPool2dForward(x, w, b, out, tap.arg(), prm, poolParams),
    backwardInput: (g, w, dx, prm) => native.conv2dReluMaxPool2dBackwardInput(g, y.arg(), tap.arg(), w, dx, prm, poolParams),
    backwardWeight: (g, x, dw, db, prm) => native.conv2dReluMaxPool2dBackwardWeight(g, y.arg(), tap.arg(), x, dw, db, prm, poolParams),
  }, 'ConvReluMaxPoolBackward', (g) => {
    // createGraph: the conv output's gradient, g scattered to each window's maximum where it is > 0,
    // from the unfused ops' conv output (recomputed) and max-pool indices; recorded (linear in g)
    const z = noGrad(() => runConv(input.detach(), weight.detach(), bias ? bias.detach() : null, prep.outShape, prep.params, CONV_KERNELS));
    const dz = Tensor.empty(prep.outShape.slice(), g.dtype, g.device);
    const idx = noGrad(() => (maxPool2d(relu(z), [kh, kw], { returnIndices: true }) as [Tensor, Tensor])[1]);
    const gc = g.contiguous();
    noGrad(() => native.maxPool2dBackward(gc.arg(), idx.arg(), dz.arg(), poolParams));
    const positive = noGrad(() => cast(compare('gt', z, 0), z.dtype));
    z.dispose();
    return mul(linearGrad(dz, g, 'MaxPool2DWithIndicesBackwardBackward', (gg) => poolGatherAt(gg, idx)), positive);
  });
  return y;
}

/** The forward algorithms whose packed weight layout the fused forward reads. */
const FUSED_PACKED = new Set<number>(['Pointwise', 'Shifted', 'Im2col', 'Batched', 'Winograd'].map((n) => (enums.ConvAlgo as Record<string, number>)[n]));

// ---- algorithms -------------------------------------------------------------------------------

/** The CPU convolution algorithms (native/ops/conv.h: ConvAlgo), in camelCase. */
export type ConvAlgorithm =
  | 'shifted' | 'im2col' | 'col2im' | 'pointwise' | 'batched' | 'depthwise' | 'winograd' | 'direct';
/** What torch.backends.conv.algorithm accepts: 'auto' (by shape), 'perImage' (the per-image GEMM
 * algorithms only), or an algorithm to use wherever it applies ('auto' elsewhere). */
export type ConvAlgorithmPreference = 'auto' | 'perImage' | 'batched' | 'depthwise' | 'winograd' | 'direct';
const PREFERENCES: readonly ConvAlgorithmPreference[] = ['auto', 'perImage', 'batched', 'depthwise', 'winograd', 'direct'];
const ALGO_NAMES = Object.keys(enums.ConvAlgo).map((k) => k[0].toLowerCase() + k.slice(1));
const algoCode = (name: string): number => (enums.ConvAlgo as Record<string, number>)[name[0].toUpperCase() + name.slice(1)];
let preferred = enums.ConvAlgo.Auto as ConvParams['algo'];

/** torch.backends.conv: the CPU convolution algorithm preference (like torch.backends.cudnn). */
export const convBackend = {
  get algorithm(): ConvAlgorithmPreference {
    return ALGO_NAMES[preferred] as ConvAlgorithmPreference;
  },
  set algorithm(v: ConvAlgorithmPreference) {
    if (!PREFERENCES.includes(v)) invalidArg('torch.backends.conv.algorithm', `one of ${PREFERENCES.map((p) => `'${p}'`).join(', ')}`, v);
    preferred = algoCode(v) as ConvAlgoCode;
  },
};

/** Which algorithm each pass of a convolution runs on the CPU. */
export interface ConvAlgorithms {
  forward: ConvAlgorithm;
  backwardInput: ConvAlgorithm;
  backwardWeight: ConvAlgorithm;
}
/**
 * The CPU algorithms that F.conv1d/2d/3d choose for an input of shape inputShape ([N, C, ...]) and a
 * weight of shape weightShape, with the current torch.backends.conv.algorithm preference.
 */
export function convAlgorithms(inputShape: number[], weightShape: number[], opts: ConvOptions = {}, ...rest: never[]): ConvAlgorithms {
  noExtraArgs('convAlgorithms', 'inputShape, weightShape, opts', rest);
  checkShape('inputShape', inputShape);
  checkShape('weightShape', weightShape);
  const nd = weightShape.length - 2;
  if (nd !== 1 && nd !== 2 && nd !== 3) shapeError('weightShape', 'the shape of a 1-D, 2-D or 3-D convolution weight', weightShape);
  if (inputShape.length === nd + 1) return convAlgorithms([1, ...inputShape], weightShape, opts);
  if (inputShape.length !== nd + 2) shapeError('inputShape', `${nd + 2} dimensions [N, C, ...] for this weight`, inputShape);
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'groups']);
  const codes = algorithmCodes(nd as Nd, inputShape, weightShape, opts, false);
  return { forward: ALGO_NAMES[codes[0]], backwardInput: ALGO_NAMES[codes[1]], backwardWeight: ALGO_NAMES[codes[2]] } as ConvAlgorithms;
}
/** The forward algorithm that a frozen conv layer (torch.jit.freeze: its weights transformed and packed
 * once) runs on the CPU for an input of shape inputShape ([N, C, ...]). */
export function frozenConvAlgorithm(nd: Nd, inputShape: number[], weightShape: number[], opts: ConvOptions): ConvAlgorithm {
  if (inputShape.length === nd + 1) inputShape = [1, ...inputShape];
  return ALGO_NAMES[algorithmCodes(nd, inputShape, weightShape, opts, true)[0]] as ConvAlgorithm;
}
function algorithmCodes(nd: Nd, inputShape: number[], weightShape: number[], opts: ConvOptions, frozen: boolean): number[] {
  const prep = convGeometry(nd, inputShape, weightShape, opts, inputShape, weightShape);
  const out = Tensor.empty([5], 'int64');
  native.convAlgorithms(out.arg(), { ...prep.params, frozen });
  const codes = Array.from(out.toArray() as BigInt64Array, Number);
  out.dispose();
  return codes;
}
function checkShape(name: string, s: unknown): void {
  if (!Array.isArray(s) || !s.every((v) => Number.isInteger(v) && v >= 0)) invalidArg(name, 'an array of non-negative integers', s);
}

// ---- inference ----------------------------------------------------------------------------------

/** Pre-packed copies of one weight (conv_pack_weight's buffers), by input size, batch size and layout. */
export type PackedWeights = Map<string, { packed: Tensor; algo: number }>;

/**
 * weight packed by conv_pack_weight for the CPU forward of `params` with frozen weights (and that
 * forward's algorithm code: run the forward with packed and frozen set),
 * from `cache` or packed now and kept there. The layout depends on the forward algorithm, which depends
 * on the batch size too: one entry per (input size, batch size), sharing one packed copy per layout.
 */
function packedWeight(input: Tensor, weight: Tensor, params: ConvParams, cache: PackedWeights): { packed: Tensor; algo: number } {
  const key = `${params.in.join()}|${params.N}|${params.algo}|${input.dtype}`;
  let entry = cache.get(key);
  if (!entry) {
    const info = Tensor.empty([5], 'int64');
    native.convAlgorithms(info.arg(), { ...params, frozen: true });
    const codes = info.toArray() as BigInt64Array;
    const size = Number(codes[input.dtype === 'float64' ? 4 : 3]);
    info.dispose();
    const algo = Number(codes[0]);
    const layout = `${params.in.join()}|${params.algo}|${input.dtype}|layout ${algo}`;
    entry = cache.get(layout);
    if (!entry) {
      entry = { packed: keep(Tensor.empty([size], weight.dtype, weight.device)), algo };
      native.convPackWeight(weight.contiguous().arg(), entry.packed.arg(), { ...params, frozen: true });
      cache.set(layout, entry);
    }
    cache.set(key, entry);
  }
  return entry;
}

/**
 * The pre-packed copies of weights that inference may run from, per weight: torch.jit.freeze's frozen
 * convs register theirs (jit.ts), for their own forward and for a model's forward that passes the
 * weight to conv2dReluMaxPool2d itself. A weight written in place since (its version) is repacked.
 */
const inferencePacks = new WeakMap<Tensor, { version: number; cache: PackedWeights }>();
/** The packed-weight cache of `weight` (registered now if new), emptied first when the weight was written since. */
export function inferencePackCache(weight: Tensor): PackedWeights {
  let e = inferencePacks.get(weight);
  if (!e) inferencePacks.set(weight, (e = { version: weight._version, cache: new Map() }));
  if (e.version !== weight._version) {
    for (const v of new Set(e.cache.values())) v.packed.dispose();
    e.cache.clear();
    e.version = weight._version;
  }
  return e.cache;
}

/**
 * conv1d/2d/3d for inference only (nothing recorded for autograd), as torch.jit.freeze's frozen conv
 * layers run it: with `relu`, ReLU is applied in the conv's epilogue (and the output is marked so
 * that a following relu() is a view); on the CPU the weights are pre-packed once per input size and
 * kept in `cache` (so the caller must not change `weight` afterwards).
 */
export function convInference(
  nd: Nd, input: Tensor, weight: Tensor, bias: Tensor | null, opts: ConvOptions, relu: boolean, cache: PackedWeights,
): Tensor {
  const prep = prepareConv(nd, input, weight, bias, opts);
  if (prep === 'unbatched') return convInference(nd, input.unsqueeze(0), weight, bias, opts, relu, cache).squeeze(0);
  const params = { ...prep.params, relu };
  let w = weight;
  if (input.device === 'cpu') {
    w = packedWeight(input, weight, prep.params, cache).packed;
    params.packed = params.frozen = true;
  }
  const x = input.contiguous();
  let y = Tensor.empty(prep.outShape, input.dtype, input.device);
  native.convForward(x.arg(), w.arg(), bias ? bias.contiguous().arg() : null, y.arg(), params);
  if (prep.trim.some((t) => t)) {
    prep.trim.forEach((t, i) => {
      if (t) y = y.narrow(2 + i, 1, y.shape[2 + i] - 1);
    });
    y = y.contiguous();
  }
  return relu ? markNonNegative(y) : y;
}

// ---- transposed convolution -------------------------------------------------------------------

/** PyTorch's keyword arguments of F.conv_transpose1d / 2d / 3d (numbers apply to every spatial dim). */
export interface ConvTransposeOptions {
  stride?: number | number[];
  padding?: number | number[];
  outputPadding?: number | number[];
  groups?: number;
  dilation?: number | number[];
}
export type ConvTranspose1dOptions = ConvTransposeOptions;
export type ConvTranspose2dOptions = ConvTransposeOptions;
export type ConvTranspose3dOptions = ConvTransposeOptions;
const CONV_TRANSPOSE_KEYS = ['stride', 'padding', 'outputPadding', 'groups', 'dilation'];

/**
 * 1-D transposed convolution ("deconvolution") of input [N, inChannels, L] (or [inChannels, L]) with
 * weight [inChannels, outChannels/groups, kL]: output length (L-1)*stride - 2*padding +
 * dilation*(kL-1) + outputPadding + 1, as PyTorch's F.conv_transpose1d.
 */
export function convTranspose1d(
  input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTranspose1dOptions = {}, ...rest: never[]
): Tensor {
  noExtraArgs('convTranspose1d', 'input, weight, bias, { stride, padding, outputPadding, groups, dilation }', rest);
  return convTransposeNd(1, input, weight, bias, opts);
}

/**
 * 2-D transposed convolution of input [N, inChannels, H, W] (or [inChannels, H, W]) with weight
 * [inChannels, outChannels/groups, kH, kW], as PyTorch's F.conv_transpose2d.
 */
export function convTranspose2d(
  input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTranspose2dOptions = {}, ...rest: never[]
): Tensor {
  noExtraArgs('convTranspose2d', 'input, weight, bias, { stride, padding, outputPadding, groups, dilation }', rest);
  return convTransposeNd(2, input, weight, bias, opts);
}

/**
 * 3-D transposed convolution of input [N, inChannels, D, H, W] (or [inChannels, D, H, W]) with weight
 * [inChannels, outChannels/groups, kD, kH, kW], as PyTorch's F.conv_transpose3d.
 */
export function convTranspose3d(
  input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTranspose3dOptions = {}, ...rest: never[]
): Tensor {
  noExtraArgs('convTranspose3d', 'input, weight, bias, { stride, padding, outputPadding, groups, dilation }', rest);
  return convTransposeNd(3, input, weight, bias, opts);
}

/**
 * The transposed convolution is the input gradient of the convolution that maps its output shape to
 * its input shape with the same weight: the forward pass runs convBackwardInput, the input gradient
 * convForward, and the weight gradient convBackwardWeight with the roles of input and gradient
 * swapped. With outputPadding >= stride (PyTorch allows it when outputPadding < dilation) that
 * convolution has floor(outputPadding/stride) more outputs per dim than the input has positions: the
 * input is extended with that many zeros (which add nothing; cat's gradient drops them again). The
 * bias is added afterwards (a broadcast add, with its own gradient).
 */
export function convTransposeNd(nd: Nd, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvTransposeOptions): Tensor {
  const dims = SPATIAL[nd];
  opts = checkOptionKeys('opts', opts, CONV_TRANSPOSE_KEYS);
  checkTensor('input', input);
  checkTensor('weight', weight);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== nd + 1 && input.ndim !== nd + 2)
    shapeError('input', `a ${nd + 1}-D [C, ${dims.join(', ')}] or ${nd + 2}-D [N, C, ${dims.join(', ')}] tensor`, input);
  if (input.ndim === nd + 1) return convTransposeNd(nd, input.unsqueeze(0), weight, bias, opts).squeeze(0);
  if (weight.ndim !== nd + 2)
    shapeError('weight', `a ${nd + 2}-D tensor [inChannels, outChannels/groups, ${dims.map((d) => `k${d}`).join(', ')}]`, weight);
  if (weight.dtype !== input.dtype) dtypeError('weight', `a ${input.dtype} tensor (same dtype as input)`, weight);
  if (weight.device !== input.device) deviceMismatch('weight', `a tensor on ${input.device} (the device of input)`, weight.device);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) invalidArg('groups', 'a positive integer', groups);
  const [N, C, ...inSize] = input.shape;
  const [WC, OCg, ...kernel] = weight.shape;
  if (OCg < 1 || kernel.some((k) => k < 1)) shapeError('weight', 'a kernel of positive size', weight);
  if (WC !== C) invalidArg('input', `${WC} channels (weight is [inChannels=${WC}, outChannels/groups, ...])`, input);
  if (C % groups !== 0) invalidArg('groups', `a divisor of the input channels (${C})`, groups);
  const OC = OCg * groups;
  const stride = checkTuple('stride', opts.stride ?? 1, nd, 1);
  const padding = checkTuple('padding', opts.padding ?? 0, nd, 0);
  const outputPadding = checkTuple('outputPadding', opts.outputPadding ?? 0, nd, 0);
  const dilation = checkTuple('dilation', opts.dilation ?? 1, nd, 1);
  if (outputPadding.some((p, i) => p >= stride[i] && p >= dilation[i]))
    invalidArg('outputPadding', `values smaller than either stride (${stride.join(', ')}) or dilation (${dilation.join(', ')})`, opts.outputPadding);
  const out = inSize.map((n, i) => (n - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1);
  if (out.some((o) => o < 1) || inSize.some((n) => n < 1))
    shapeError('input', `a spatial size that gives a positive output size (output would be ${out.join('x')})`, input);
  if (bias) {
    checkTensor('bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== OC) shapeError('bias', `a 1-D tensor of ${OC} elements`, bias);
    if (bias.dtype !== input.dtype) dtypeError('bias', `a ${input.dtype} tensor`, bias);
    if (bias.device !== input.device) deviceMismatch('bias', `a tensor on ${input.device} (the device of input)`, bias.device);
  }
  // zero positions appended to the input where the convolution has more outputs (see above)
  const extra = outputPadding.map((p, i) => Math.floor(p / stride[i]));
  let xin = input;
  extra.forEach((e, i) => {
    if (e === 0) return;
    const shape = xin.shape.slice();
    shape[2 + i] = e;
    xin = cat([xin, Tensor.empty(shape, xin.dtype, xin.device, true)], 2 + i);
  });
  const inSizeX = xin.shape.slice(2);
  const dims3 = (v: number[], fill: number): Dims3 => [...new Array<number>(3 - nd).fill(fill), ...v] as Dims3;
  // the convolution whose input gradient this is: input [N, OC, *out] -> output [N, C, *inSizeX]
  const params: ConvParams = {
    N, C: OC, OC: C, groups, in: dims3(out, 1), kernel: dims3(kernel, 1), out: dims3(inSizeX, 1), stride: dims3(stride, 1),
    pad: dims3(padding, 0), dilation: dims3(dilation, 1), algo: preferred, relu: false, packed: false, frozen: false,
  };
  const x = xin.contiguous();
  const w = weight.contiguous();
  const y0 = Tensor.empty([N, OC, ...out], input.dtype, input.device);
  native.convBackwardInput(x.arg(), w.arg(), y0.arg(), params);
  const y = record(y0, [xin, weight], 'ConvolutionBackward', (g) => {
    const gc = g.contiguous();
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (xin.requiresGrad) {
      gx = Tensor.empty(xin.shape.slice(), xin.dtype, xin.device);
      native.convForward(gc.arg(), w.arg(), null, gx.arg(), params);
    }
    if (weight.requiresGrad) {
      gw = Tensor.empty(weight.shape.slice(), weight.dtype, weight.device);
      native.convBackwardWeight(x.arg(), gc.arg(), gw.arg(), null, params);
    }
    if (gc !== g) gc.dispose();
    return [gx, gw];
  }, [x, w]);
  return bias ? add(y, bias.view([1, OC, ...new Array<number>(nd).fill(1)])) : y;
}
