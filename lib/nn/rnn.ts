// lib/nn/rnn.ts — nn.LSTM, nn.GRU, nn.LSTMCell and nn.GRUCell with PyTorch 1.13's semantics and
// defaults: options numLayers=1, bias=true, batchFirst=false, dropout=0 (between layers, training
// only), bidirectional=false; input [T, N, inputSize] ([N, T, inputSize] with batchFirst, [T, inputSize]
// unbatched); initial states [numLayers * D, N, hidden] (zeros when omitted); LSTM returns
// [output, [hN, cN]], GRU [output, hN], output [T, N, D * hidden]. Gate orders are PyTorch's (LSTM
// i, f, g, o; GRU r, z, n with n = tanh(W_in x + b_in + r * (W_hn h + b_hn))) and so are the
// parameters: weight_ih_l{k}[_reverse] [G * hidden, in], weight_hh_l{k}[_reverse] [G * hidden, hidden],
// bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse] (attributes weightIhL0, weightHhL0Reverse, ...;
// state-dict keys PyTorch's), all initialised uniform(-1/sqrt(hidden), 1/sqrt(hidden)).
// A layer and direction: the input projection of all steps in one linear(), then lstmLayer /
// gruLayer (lib/ops/rnn.ts): per step the recurrent GEMM and the fused native cell, one autograd
// node per layer and direction with its backpropagation through time. The cells: two linear() and
// the fused step (lstmCellFused / gruCellFused). Not implemented (rejected as unknown options): projSize, PackedSequence
// inputs (nn.utils.rnn), nn.RNN (tanh/relu).
import { invalidArg, checkInt, dtypeError, shapeError, typeArg, checkOptionKeys, noExtraArgs, optBool } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { empty, zeros } from '../creation';
import { Module, Parameter } from './module';
import * as init from './init';
import { linear } from '../ops/matmul';
import { dropout, checkP } from '../ops/dropout';
import { cat, stack } from '../ops/shape';
import { lstmCellFused, gruCellFused, lstmLayer, gruLayer } from '../ops/rnn';

type Mode = 'LSTM' | 'GRU';
const GATES: Record<Mode, number> = { LSTM: 4, GRU: 3 };

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

  constructor(readonly mode: Mode, readonly inputSize: number, readonly hiddenSize: number, opts: RNNOptions) {
    super();
    opts = checkOptionKeys('opts', opts, ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional']);
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
        } else {
          const hs = gruLayer(gi, init0[0].select(0, k), wHh, bHh, d === 1);
          outs.push(hs);
          finals[0].push(hs.select(0, last));
        }
      }
      layerIn = D === 1 ? outs[0] : cat(outs, 2);
    }
    return [layerIn, finals.map((f) => stack(f, 0))];
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
  forward(input: Tensor, hx: [Tensor, Tensor] | null = null, ...rest: never[]): [Tensor, [Tensor, Tensor]] {
    noExtraArgs('forward', 'input, hx', rest);
    if (hx !== null && hx !== undefined) {
      if (!Array.isArray(hx) || hx.length !== 2) typeArg('hx', 'an array [h0, c0] of two tensors, or null', hx);
      checkTensor('hx[0]', hx[0]);
      checkTensor('hx[1]', hx[1]);
    }
    const [x, states, batched] = this.prepare(input, hx ? [hx[0], hx[1]] : [null, null], ['hx[0]', 'hx[1]']);
    const [out, finals] = this.run(x, states);
    const [y, [hN, cN]] = this.finish(out, finals, batched);
    return [y, [hN, cN]];
  }
}

/** nn.GRU: forward(input, h0?) -> [output, hN]. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}, ...rest: never[]) {
    noExtraArgs('GRU', 'inputSize, hiddenSize, opts', rest);
    super('GRU', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx: Tensor | null = null, ...rest: never[]): [Tensor, Tensor] {
    noExtraArgs('forward', 'input, hx', rest);
    const [x, states, batched] = this.prepare(input, [hx ?? null], ['hx']);
    const [out, finals] = this.run(x, states);
    const [y, [hN]] = this.finish(out, finals, batched);
    return [y, hN];
  }
}

abstract class CellBase extends Module {
  static readonly stateDictNames = RNN_STATE_NAMES;
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;
  constructor(mode: Mode, readonly inputSize: number, readonly hiddenSize: number, opts: { bias?: boolean }) {
    super();
    opts = checkOptionKeys('opts', opts, ['bias']);
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
