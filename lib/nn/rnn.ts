// lib/nn/rnn.ts — nn.LSTM, nn.GRU, nn.RNN, nn.LSTMCell, nn.GRUCell and nn.RNNCell with PyTorch 1.13's semantics and
// defaults: options numLayers=1, bias=true, batchFirst=false, dropout=0 (between layers, training
// only), bidirectional=false; input [T, N, inputSize] ([N, T, inputSize] with batchFirst, [T, inputSize]
// unbatched); initial states [numLayers * D, N, hidden] (zeros when omitted); LSTM returns
// [output, [hN, cN]], GRU and RNN [output, hN], output [T, N, D * hidden]. Gate orders are PyTorch's (LSTM
// i, f, g, o; GRU r, z, n with n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); RNN
// h' = act(W_ih x + b_ih + W_hh h + b_hh), act the option nonlinearity 'tanh' (default) or 'relu') and so are the
// parameters: weight_ih_l{k}[_reverse] [G * hidden, in], weight_hh_l{k}[_reverse] [G * hidden, hidden],
// bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse] (attributes weightIhL0, weightHhL0Reverse, ...;
// state-dict keys PyTorch's), all initialised uniform(-1/sqrt(hidden), 1/sqrt(hidden)).
// A layer and direction: the input projection of all steps in one linear(), then lstmLayer /
// gruLayer (lib/ops/rnn.ts): per step the recurrent GEMM and the fused native cell, one autograd
// node per layer and direction with its backpropagation through time. The cells: two linear() and
// the fused step (lstmCellFused / gruCellFused). nn.RNN and nn.RNNCell have no fused cell: per step
// linear + add + tanh/relu, composed under autograd. A PackedSequence input (nn.utils.rnn, lib/nn/rnn_utils.ts)
// runs per step on the batchSizes[t] longest sequences (the cells above, one step at a time; each
// sequence's final state is the one after its own last step, the reverse direction starts at its
// last step) and returns a PackedSequence with the input's batchSizes and indices; h0 / hN are in the
// caller's batch order (permuted by sortedIndices / unsortedIndices). Not implemented (rejected as an
// unknown option): projSize.
import { invalidArg, checkInt, dtypeError, shapeError, typeArg, checkOptionKeys, noExtraArgs, optBool } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { empty, zeros } from '../creation';
import { Module, Parameter } from './module';
import * as init from './init';
import { linear } from '../ops/matmul';
import { dropout, checkP } from '../ops/dropout';
import { cat, stack } from '../ops/shape';
import { add, relu, tanh } from '../ops/elementwise';
import { indexSelect } from '../ops/index';
import { PackedSequence } from './rnn_utils';
import { lstmCellFused, gruCellFused, lstmLayer, gruLayer } from '../ops/rnn';

type Mode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';
const GATES: Record<Mode, number> = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 };

/** nn.RNN's and nn.RNNCell's activation. */
export type RNNNonlinearity = 'tanh' | 'relu';
/** The option nonlinearity read before the options are checked (they are checked by the base class). */
function nonlinearityOf(opts: unknown): RNNNonlinearity {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) return 'tanh';
  const v = (opts as { nonlinearity?: unknown }).nonlinearity;
  if (v === undefined) return 'tanh';
  if (v !== 'tanh' && v !== 'relu') invalidArg('opts.nonlinearity', "'tanh' or 'relu'", v);
  return v;
}

/** weightIhL0Reverse -> weight_ih_l0_reverse, weightIh -> weight_ih: PyTorch's names of the recurrent parameters. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
const PARAM_NAME = /^(weight|bias)(Ih|Hh)(L\d+(Reverse)?)?$/;
/** stateDictNames for the recurrent modules: every parameter attribute maps to its snake_case key. */
const RNN_STATE_NAMES: Readonly<Record<string, string>> = new Proxy({} as Record<string, string>, {
  getOwnPropertyDescriptor: (_t, k) =>
    typeof k === 'string' && PARAM_NAME.test(k) ? { value: snake(k), writable: false, enumerable: true, configurable: true } : undefined,
  get: (_t, k) => (typeof k === 'string' && PARAM_NAME.test(k) ? snake(k) : undefined),
  has: (_t, k) => typeof k === 'string' && PARAM_NAME.test(k),
});

function checkBool(name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') typeArg(name, 'a boolean', v);
}

/** Options of nn.LSTM and nn.GRU (PyTorch's keyword arguments). */
export interface RNNOptions {
  /** stacked layers, default 1 */
  numLayers?: number;
  /** b_ih and b_hh, default true */
  bias?: boolean;
  /** input and output [N, T, feature] instead of [T, N, feature], default false */
  batchFirst?: boolean;
  /** dropout on the outputs of every layer but the last (training only), default 0 */
  dropout?: number;
  /** a second, reversed direction per layer (outputs concatenated), default false */
  bidirectional?: boolean;
}

abstract class RNNBase extends Module {
  static readonly stateDictNames = RNN_STATE_NAMES;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(readonly mode: Mode, readonly inputSize: number, readonly hiddenSize: number, opts: RNNOptions, extraKeys: string[] = []) {
    super();
    opts = checkOptionKeys('opts', opts, ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', ...extraKeys]);
    checkInt('inputSize', inputSize, 1);
    checkInt('hiddenSize', hiddenSize, 1);
    this.numLayers = opts.numLayers ?? 1;
    checkInt('opts.numLayers', this.numLayers, 1);
    for (const k of ['bias', 'batchFirst', 'bidirectional'] as const) checkBool(`opts.${k}`, opts[k]);
    this.bias = optBool('opts.bias', opts.bias ?? undefined, true);
    this.batchFirst = optBool('opts.batchFirst', opts.batchFirst ?? undefined, false);
    this.bidirectional = optBool('opts.bidirectional', opts.bidirectional ?? undefined, false);
    this.dropout = checkP(opts.dropout ?? 0, 'opts.dropout');
    const G = GATES[mode] * hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const self = this as unknown as Record<string, Parameter>;
    // PyTorch's registration order (its state-dict order): per layer, per direction: w_ih, w_hh, b_ih, b_hh
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `L${l}${d ? 'Reverse' : ''}`;
        self[`weightIh${sfx}`] = new Parameter(empty([G, l === 0 ? inputSize : hiddenSize * D]));
        self[`weightHh${sfx}`] = new Parameter(empty([G, hiddenSize]));
        if (this.bias) {
          self[`biasIh${sfx}`] = new Parameter(empty([G]));
          self[`biasHh${sfx}`] = new Parameter(empty([G]));
        }
      }
    }
    this.resetParameters();
  }

  /** Every weight uniform(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch's reset_parameters. */
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -k, k);
  }

  /** The parameters per layer and direction, [w_ih, w_hh, b_ih, b_hh] (PyTorch's all_weights). */
  get allWeights(): Parameter[][] {
    const self = this as unknown as Record<string, Parameter>;
    const out: Parameter[][] = [];
    for (let l = 0; l < this.numLayers; l++)
      for (let d = 0; d < (this.bidirectional ? 2 : 1); d++) {
        const sfx = `L${l}${d ? 'Reverse' : ''}`;
        out.push([`weightIh${sfx}`, `weightHh${sfx}`, `biasIh${sfx}`, `biasHh${sfx}`].filter((n) => self[n]).map((n) => self[n]));
      }
    return out;
  }

  /** Checks input and the initial states; returns [input as [T, N, I], states as [L*D, N, H], batched]. */
  protected prepare(input: Tensor, states: (Tensor | null)[], names: string[]): [Tensor, Tensor[], boolean] {
    checkTensor('input', input);
    const w = (this as unknown as Record<string, Parameter>).weightIhL0;
    if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
    if (input.dtype !== w.dtype) dtypeError('input', `a ${w.dtype} tensor (the dtype of the module's parameters)`, input);
    if (input.device !== w.device) invalidArg('input', `a tensor on ${w.device} (the device of the module's parameters)`, `a tensor on ${input.device}`);
    const I = this.inputSize;
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== I)
      shapeError('input', `a tensor [T, N, ${I}], [N, T, ${I}] (batchFirst) or [T, ${I}] (unbatched)`, input);
    const batched = input.ndim === 3;
    let x = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    const [T, N] = x.shape;
    if (T < 1) shapeError('input', 'a sequence of length >= 1', input);
    const LD = this.numLayers * (this.bidirectional ? 2 : 1);
    const H = this.hiddenSize;
    const want = batched ? [LD, N, H] : [LD, H];
    const out = states.map((s, i) => {
      if (s === null || s === undefined) return zeros([LD, N, H], { dtype: input.dtype, device: input.device });
      checkTensor(names[i], s);
      if (s.shape.join() !== want.join()) shapeError(names[i], `a tensor [${want.join(', ')}]`, s);
      if (s.dtype !== input.dtype) dtypeError(names[i], `a ${input.dtype} tensor (input's dtype)`, s);
      if (s.device !== input.device) invalidArg(names[i], `a tensor on ${input.device} (input's device)`, `a tensor on ${s.device}`);
      return batched ? s : s.unsqueeze(1);
    });
    if (!batched) x = x.contiguous();
    return [x, out, batched];
  }

  /**
   * Runs every layer and direction over x [T, N, I] from the initial states (one [L*D, N, H] tensor
   * per state: h, and c for LSTM); returns the output [T, N, D*H] and the final states, stacked.
   */
  protected run(x: Tensor, init0: Tensor[]): [Tensor, Tensor[]] {
    const D = this.bidirectional ? 2 : 1;
    const self = this as unknown as Record<string, Parameter | undefined>;
    const lstm = this.mode === 'LSTM';
    const finals: Tensor[][] = init0.map(() => []);
    let layerIn = x;
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropout > 0 && this.training) layerIn = dropout(layerIn, { p: this.dropout, training: true });
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const sfx = `L${l}${d ? 'Reverse' : ''}`;
        const [wIh, wHh, bIh, bHh] = [self[`weightIh${sfx}`]!, self[`weightHh${sfx}`]!, self[`biasIh${sfx}`] ?? null, self[`biasHh${sfx}`] ?? null];
        const gi = linear(layerIn, wIh, bIh); // every step's input projection: one GEMM
        const k = l * D + d;
        const last = d ? 0 : x.shape[0] - 1; // the time index a direction ends at
        if (lstm) {
          const hc = lstmLayer(gi, init0[0].select(0, k), init0[1].select(0, k), wHh, bHh, d === 1);
          outs.push(hc.select(1, 0));
          finals[0].push(hc.select(0, last).select(0, 0));
          finals[1].push(hc.select(0, last).select(0, 1));
        } else if (this.mode === 'GRU') {
          const hs = gruLayer(gi, init0[0].select(0, k), wHh, bHh, d === 1);
          outs.push(hs);
          finals[0].push(hs.select(0, last));
        } else {
          // Elman RNN: no fused cell; one step = linear + add + activation, under autograd
          const act = this.mode === 'RNN_TANH' ? tanh : relu;
          const Tn = x.shape[0];
          let h = init0[0].select(0, k);
          const hs: Tensor[] = new Array<Tensor>(Tn);
          for (let s = 0; s < Tn; s++) {
            const t = d ? Tn - 1 - s : s;
            h = act(add(gi.select(0, t), linear(h, wHh, bHh)));
            hs[t] = h;
          }
          outs.push(stack(hs, 0));
          finals[0].push(h);
        }
      }
      layerIn = D === 1 ? outs[0] : cat(outs, 2);
    }
    return [layerIn, finals.map((f) => stack(f, 0))];
  }

  /** Checks a PackedSequence input and the initial states; returns [data, states in the sorted batch order, batch sizes]. */
  protected preparePacked(input: PackedSequence, states: (Tensor | null)[], names: string[]): [Tensor, Tensor[], number[]] {
    const x = input.data;
    const w = (this as unknown as Record<string, Parameter>).weightIhL0;
    if (!isFloating(x.dtype)) dtypeError('input.data', 'a floating-point tensor', x);
    if (x.dtype !== w.dtype) dtypeError('input.data', `a ${w.dtype} tensor (the dtype of the module's parameters)`, x);
    if (x.device !== w.device) invalidArg('input.data', `a tensor on ${w.device} (the device of the module's parameters)`, `a tensor on ${x.device}`);
    if (x.ndim !== 2 || x.shape[1] !== this.inputSize) shapeError('input.data', `a tensor [sum of lengths, ${this.inputSize}]`, x);
    const bs = input.batchSizeList();
    const B = bs[0];
    const LD = this.numLayers * (this.bidirectional ? 2 : 1);
    const H = this.hiddenSize;
    const out = states.map((st, i) => {
      if (st === null || st === undefined) return zeros([LD, B, H], { dtype: x.dtype, device: x.device });
      checkTensor(names[i], st);
      if (st.shape.join() !== [LD, B, H].join()) shapeError(names[i], `a tensor [${LD}, ${B}, ${H}]`, st);
      if (st.dtype !== x.dtype) dtypeError(names[i], `a ${x.dtype} tensor (input.data's dtype)`, st);
      if (st.device !== x.device) invalidArg(names[i], `a tensor on ${x.device} (input.data's device)`, `a tensor on ${st.device}`);
      return input.sortedIndices ? indexSelect(st, 1, input.sortedIndices) : st;
    });
    return [x, out, bs];
  }

  /**
   * Every layer and direction over packed data [sum L, I] (batch sizes bs, sequences longest first)
   * from the initial states [L*D, B, H]: per step t the first bs[t] rows run a cell step, the others
   * keep their state. Returns the packed output [sum L, D*H] and the final states, stacked.
   */
  protected runPacked(data: Tensor, bs: number[], init0: Tensor[]): [Tensor, Tensor[]] {
    const D = this.bidirectional ? 2 : 1;
    const self = this as unknown as Record<string, Parameter | undefined>;
    const T = bs.length;
    const B = bs[0];
    const offsets: number[] = [];
    bs.reduce((o, n) => (offsets.push(o), o + n), 0);
    const act = this.mode === 'RNN_RELU' ? relu : tanh;
    const finals: Tensor[][] = init0.map(() => []);
    let layerIn = data;
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropout > 0 && this.training) layerIn = dropout(layerIn, { p: this.dropout, training: true });
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const sfx = `L${l}${d ? 'Reverse' : ''}`;
        const [wIh, wHh, bIh, bHh] = [self[`weightIh${sfx}`]!, self[`weightHh${sfx}`]!, self[`biasIh${sfx}`] ?? null, self[`biasHh${sfx}`] ?? null];
        const gi = linear(layerIn, wIh, bIh);
        const k = l * D + d;
        let h = init0[0].select(0, k);
        let c = this.mode === 'LSTM' ? init0[1].select(0, k) : null;
        const steps: Tensor[] = new Array<Tensor>(T);
        // rows n.. keep their state: finished sequences (forward) or ones not started yet (reverse, still h0)
        const keep = (next: Tensor, prev: Tensor, n: number): Tensor => (n === B ? next : cat([next, prev.narrow(0, n, B - n)], 0));
        for (let s = 0; s < T; s++) {
          const t = d ? T - 1 - s : s;
          const n = bs[t];
          const g = gi.narrow(0, offsets[t], n);
          const hA = n === B ? h : h.narrow(0, 0, n);
          const gh = linear(hA, wHh, bHh);
          let hNew: Tensor;
          if (this.mode === 'LSTM') {
            const hc = lstmCellFused(g, gh, n === B ? c! : c!.narrow(0, 0, n));
            hNew = hc.select(0, 0);
            c = keep(hc.select(0, 1), c!, n);
          } else if (this.mode === 'GRU') hNew = gruCellFused(g, gh, hA);
          else hNew = act(add(g, gh));
          steps[t] = hNew;
          h = keep(hNew, h, n);
        }
        outs.push(cat(steps, 0));
        finals[0].push(h);
        if (c) finals[1].push(c);
      }
      layerIn = D === 1 ? outs[0] : cat(outs, 1);
    }
    return [layerIn, finals.map((f) => stack(f, 0))];
  }

  /** The forward of LSTM, GRU and RNN: a tensor or a PackedSequence in, the same kind out, and the final states. */
  protected forwardAny(input: Tensor | PackedSequence, states: (Tensor | null)[], names: string[]): [Tensor | PackedSequence, Tensor[]] {
    if (input instanceof PackedSequence) {
      const [x, init0, bs] = this.preparePacked(input, states, names);
      const [out, finals] = this.runPacked(x, bs, init0);
      const u = input.unsortedIndices;
      return [new PackedSequence(out, input.batchSizes, input.sortedIndices, u), u ? finals.map((f) => indexSelect(f, 1, u)) : finals];
    }
    const [x, init0, batched] = this.prepare(input, states, names);
    const [out, finals] = this.run(x, init0);
    return this.finish(out, finals, batched);
  }

  protected finish(out: Tensor, finals: Tensor[], batched: boolean): [Tensor, Tensor[]] {
    if (!batched) return [out.squeeze(1), finals.map((f) => f.squeeze(1))];
    return [this.batchFirst ? out.transpose(0, 1) : out, finals];
  }

  extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ', bidirectional=True';
    return s;
  }
}

/** nn.LSTM: forward(input, [h0, c0]?) -> [output, [hN, cN]]. */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}, ...rest: never[]) {
    noExtraArgs('LSTM', 'inputSize, hiddenSize, opts', rest);
    super('LSTM', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  forward(input: Tensor | PackedSequence, hx: [Tensor, Tensor] | null = null, ...rest: never[]): [Tensor | PackedSequence, [Tensor, Tensor]] {
    noExtraArgs('forward', 'input, hx', rest);
    if (hx !== null && hx !== undefined) {
      if (!Array.isArray(hx) || hx.length !== 2) typeArg('hx', 'an array [h0, c0] of two tensors, or null', hx);
      checkTensor('hx[0]', hx[0]);
      checkTensor('hx[1]', hx[1]);
    }
    const [y, [hN, cN]] = this.forwardAny(input, hx ? [hx[0], hx[1]] : [null, null], ['hx[0]', 'hx[1]']);
    return [y, [hN, cN]];
  }
}

/** nn.GRU: forward(input, h0?) -> [output, hN]. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}, ...rest: never[]) {
    noExtraArgs('GRU', 'inputSize, hiddenSize, opts', rest);
    super('GRU', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx: Tensor | null = null, ...rest: never[]): [Tensor | PackedSequence, Tensor] {
    noExtraArgs('forward', 'input, hx', rest);
    const [y, [hN]] = this.forwardAny(input, [hx ?? null], ['hx']);
    return [y, hN];
  }
}

/** Options of nn.RNN: nn.LSTM's and nn.GRU's, and the activation. */
export interface RNNModuleOptions extends RNNOptions {
  /** 'tanh' (default) or 'relu' */
  nonlinearity?: RNNNonlinearity;
}

/** nn.RNN (Elman, tanh or relu): forward(input, h0?) -> [output, hN]. */
export class RNN extends RNNBase {
  readonly nonlinearity: RNNNonlinearity;
  constructor(inputSize: number, hiddenSize: number, opts: RNNModuleOptions = {}, ...rest: never[]) {
    noExtraArgs('RNN', 'inputSize, hiddenSize, opts', rest);
    const nl = nonlinearityOf(opts);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts, ['nonlinearity']);
    this.nonlinearity = nl;
  }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx: Tensor | null = null, ...rest: never[]): [Tensor | PackedSequence, Tensor] {
    noExtraArgs('forward', 'input, hx', rest);
    const [y, [hN]] = this.forwardAny(input, [hx ?? null], ['hx']);
    return [y, hN];
  }
}

abstract class CellBase extends Module {
  static readonly stateDictNames = RNN_STATE_NAMES;
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;
  constructor(mode: Mode, readonly inputSize: number, readonly hiddenSize: number, opts: { bias?: boolean }, extraKeys: string[] = []) {
    super();
    opts = checkOptionKeys('opts', opts, ['bias', ...extraKeys]);
    checkInt('inputSize', inputSize, 1);
    checkInt('hiddenSize', hiddenSize, 1);
    checkBool('opts.bias', opts.bias);
    const G = GATES[mode] * hiddenSize;
    this.weightIh = new Parameter(empty([G, inputSize]));
    this.weightHh = new Parameter(empty([G, hiddenSize]));
    this.biasIh = opts.bias === false ? null : new Parameter(empty([G]));
    this.biasHh = opts.bias === false ? null : new Parameter(empty([G]));
    this.resetParameters();
  }
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -k, k);
  }
  /** Checks input [N, I] or [I] and the states; returns them batched, and whether input was. */
  protected prepare(input: Tensor, states: (Tensor | null)[], names: string[]): [Tensor, Tensor[], boolean] {
    checkTensor('input', input);
    const w = this.weightIh;
    if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
    if (input.dtype !== w.dtype) dtypeError('input', `a ${w.dtype} tensor (the dtype of the module's parameters)`, input);
    if (input.device !== w.device) invalidArg('input', `a tensor on ${w.device} (the device of the module's parameters)`, `a tensor on ${input.device}`);
    const I = this.inputSize;
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== I) shapeError('input', `a tensor [N, ${I}] or [${I}] (unbatched)`, input);
    const batched = input.ndim === 2;
    const x = batched ? input : input.unsqueeze(0);
    const N = x.shape[0];
    const H = this.hiddenSize;
    const want = batched ? [N, H] : [H];
    const out = states.map((s, i) => {
      if (s === null || s === undefined) return zeros([N, H], { dtype: input.dtype, device: input.device });
      checkTensor(names[i], s);
      if (s.shape.join() !== want.join()) shapeError(names[i], `a tensor [${want.join(', ')}]`, s);
      if (s.dtype !== input.dtype) dtypeError(names[i], `a ${input.dtype} tensor (input's dtype)`, s);
      if (s.device !== input.device) invalidArg(names[i], `a tensor on ${input.device} (input's device)`, `a tensor on ${s.device}`);
      return batched ? s : s.unsqueeze(0);
    });
    return [x, out, batched];
  }
  extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? '' : ', bias=False'}`;
  }
}

/** nn.LSTMCell: forward(input [N, I] or [I], [h, c]?) -> [h', c']. */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}, ...rest: never[]) {
    noExtraArgs('LSTMCell', 'inputSize, hiddenSize, opts', rest);
    super('LSTM', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx: [Tensor, Tensor] | null = null, ...rest: never[]): [Tensor, Tensor] {
    noExtraArgs('forward', 'input, hx', rest);
    if (hx !== null && hx !== undefined) {
      if (!Array.isArray(hx) || hx.length !== 2) typeArg('hx', 'an array [h, c] of two tensors, or null', hx);
      checkTensor('hx[0]', hx[0]);
      checkTensor('hx[1]', hx[1]);
    }
    const [x, [h, c], batched] = this.prepare(input, hx ? [hx[0], hx[1]] : [null, null], ['hx[0]', 'hx[1]']);
    const hc = lstmCellFused(linear(x, this.weightIh, this.biasIh), linear(h, this.weightHh, this.biasHh), c);
    const [h1, c1] = [hc.select(0, 0), hc.select(0, 1)];
    return batched ? [h1, c1] : [h1.squeeze(0), c1.squeeze(0)];
  }
}

/** nn.GRUCell: forward(input [N, I] or [I], h?) -> h'. */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}, ...rest: never[]) {
    noExtraArgs('GRUCell', 'inputSize, hiddenSize, opts', rest);
    super('GRU', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx: Tensor | null = null, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, hx', rest);
    const [x, [h], batched] = this.prepare(input, [hx ?? null], ['hx']);
    const h1 = gruCellFused(linear(x, this.weightIh, this.biasIh), linear(h, this.weightHh, this.biasHh), h);
    return batched ? h1 : h1.squeeze(0);
  }
}

/** Options of nn.RNNCell. */
export interface RNNCellOptions {
  /** b_ih and b_hh, default true */
  bias?: boolean;
  /** 'tanh' (default) or 'relu' */
  nonlinearity?: RNNNonlinearity;
}

/** nn.RNNCell: forward(input [N, I] or [I], h?) -> h' = act(W_ih x + b_ih + W_hh h + b_hh). */
export class RNNCell extends CellBase {
  readonly nonlinearity: RNNNonlinearity;
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}, ...rest: never[]) {
    noExtraArgs('RNNCell', 'inputSize, hiddenSize, opts', rest);
    const nl = nonlinearityOf(opts);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts, ['nonlinearity']);
    this.nonlinearity = nl;
  }
  forward(input: Tensor, hx: Tensor | null = null, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, hx', rest);
    const [x, [h], batched] = this.prepare(input, [hx ?? null], ['hx']);
    const pre = add(linear(x, this.weightIh, this.biasIh), linear(h, this.weightHh, this.biasHh));
    const h1 = this.nonlinearity === 'tanh' ? tanh(pre) : relu(pre);
    return batched ? h1 : h1.squeeze(0);
  }
  extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity !== 'tanh' ? `, nonlinearity=${this.nonlinearity}` : '');
  }
}
