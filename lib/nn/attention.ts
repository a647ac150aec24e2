// lib/nn/attention.ts — nn.MultiheadAttention (PyTorch's default sequence-first layout
// [L, N, E]), composed from linear, bmm and softmax so autograd derives its gradients.
// Parameters as PyTorch: inProjWeight [3E, E] (Xavier-uniform), inProjBias [3E] (zeros),
// outProj Linear(E, E) with zero bias. Masks: attnMask float (added) or bool (true = masked),
// [L, S] or [N*numHeads, L, S]; keyPaddingMask bool [N, S].
import { invalidArg, checkInt, dtypeError, shapeError, checkOptionKeys, optBool } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { empty, zeros, fromBuffer } from '../creation';
import { Module, Parameter } from './module';
import { Linear } from './layers';
import * as init from './init';
import { linear, matmul } from '../ops/matmul';
import { softmax } from '../ops/activation';
import { add, mul } from '../ops/elementwise';
import { mean } from '../ops/reduce';
import { dropout } from '../ops/dropout';

function boolToAdditive(mask: Tensor, like: Tensor): Tensor {
  if (mask.dtype !== 'bool' && mask.dtype !== 'uint8') return mask.to(like.dtype);
  const m = mask.toArray() as Uint8Array;
  const out = new Float64Array(m.length);
  m.forEach((v, i) => (out[i] = v ? -Infinity : 0));
  return fromBuffer(out, mask.shape.slice(), { device: like.device }).to(like.dtype);
}

export interface MultiheadAttentionForwardOptions {
  needWeights?: boolean;
  attnMask?: Tensor | null;
  keyPaddingMask?: Tensor | null;
  averageAttnWeights?: boolean;
}

export class MultiheadAttention extends Module {
  /** PyTorch's state-dict spelling of the projections (in_proj_weight, in_proj_bias, out_proj.*). */
  static readonly stateDictNames = { inProjWeight: 'in_proj_weight', inProjBias: 'in_proj_bias', outProj: 'out_proj' };
  readonly headDim: number;
  readonly dropoutP: number;
  inProjWeight: Parameter;
  inProjBias: Parameter | null;
  outProj: Linear;
  constructor(readonly embedDim: number, readonly numHeads: number, opts: { dropout?: number; bias?: boolean } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['dropout', 'bias']);
    checkInt('embedDim', embedDim, 1);
    checkInt('numHeads', numHeads, 1);
    if (embedDim % numHeads) invalidArg('numHeads', `a divisor of embedDim (${embedDim})`, numHeads);
    this.headDim = embedDim / numHeads;
    this.dropoutP = opts.dropout ?? 0;
    this.inProjWeight = new Parameter(empty([3 * embedDim, embedDim]));
    this.inProjBias = optBool('opts.bias', opts.bias, true) ? new Parameter(zeros([3 * embedDim])) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias: opts.bias !== false });
    init.xavierUniform_(this.inProjWeight);
    if (this.outProj.bias) init.constant_(this.outProj.bias, 0);
  }

  /** Returns [attnOutput [L, N, E], attnWeights [N, L, S] (head-averaged) or null]. */
  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    opts = checkOptionKeys('opts', opts, ['needWeights', 'attnMask', 'keyPaddingMask', 'averageAttnWeights']);
    checkTensor('query', query);
    checkTensor('key', key);
    checkTensor('value', value);
    const E = this.embedDim;
    const H = this.numHeads;
    const hd = this.headDim;
    if (!isFloating(query.dtype)) dtypeError('query', 'a floating-point tensor', query);
    if (query.ndim !== 3 || query.shape[2] !== E) shapeError('query', `a tensor [L, N, ${E}]`, query);
    if (key.ndim !== 3 || key.shape[2] !== E || key.shape[1] !== query.shape[1]) shapeError('key', `a tensor [S, ${query.shape[1]}, ${E}]`, key);
    if (value.shape.join() !== key.shape.join()) shapeError('value', `a tensor of key's shape [${key.shape.join(', ')}]`, value);
    const [L, N] = query.shape;
    const S = key.shape[0];
    const w = this.inProjWeight;
    const b = this.inProjBias;
    const part = (t: Tensor | null, i: number): Tensor | null => (t ? t.narrow(0, i * E, E) : null);
    const q = linear(query, part(w, 0)!, part(b, 0));
    const k = linear(key, part(w, 1)!, part(b, 1));
    const v = linear(value, part(w, 2)!, part(b, 2));
    // [L, N, E] -> [N*H, L, hd]
    const heads = (t: Tensor, len: number): Tensor => t.reshape([len, N * H, hd]).transpose(0, 1);
    const qh = mul(heads(q, L), 1 / Math.sqrt(hd));
    const kh = heads(k, S);
    const vh = heads(v, S);
    let scores = matmul(qh, kh.transpose(1, 2)); // [N*H, L, S]
    if (opts.attnMask) {
      const m = checkTensor('attnMask', opts.attnMask);
      const ok = (m.ndim === 2 && m.shape[0] === L && m.shape[1] === S) || (m.ndim === 3 && m.shape.join() === [N * H, L, S].join());
      if (!ok) invalidArg('attnMask', `a mask [${L}, ${S}] or [${N * H}, ${L}, ${S}]`, m);
      scores = add(scores, boolToAdditive(m, scores));
    }
    if (opts.keyPaddingMask) {
      const m = checkTensor('keyPaddingMask', opts.keyPaddingMask);
      if (m.ndim !== 2 || m.shape[0] !== N || m.shape[1] !== S) shapeError('keyPaddingMask', `a mask [${N}, ${S}]`, m);
      const add4 = boolToAdditive(m, scores).reshape([N, 1, 1, S]);
      scores = add(scores.reshape([N, H, L, S]), add4).reshape([N * H, L, S]);
    }
    let attn = softmax(scores, -1);
    if (this.dropoutP > 0) attn = dropout(attn, { p: this.dropoutP, training: this.training });
    const out = matmul(attn, vh); // [N*H, L, hd]
    const merged = out.transpose(0, 1).reshape([L * N, E]);
    const y = this.outProj.forward(merged).reshape([L, N, E]);
    if (!(opts.needWeights ?? true)) return [y, null];
    const w4 = attn.reshape([N, H, L, S]);
    return [y, (opts.averageAttnWeights ?? true) ? mean(w4, 1) : w4];
  }
}
