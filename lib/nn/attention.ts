// lib/nn/attention.ts — nn.MultiheadAttention (PyTorch's default sequence-first layout
// [L, N, E], or [N, L, E] with batchFirst; unbatched [L, E] too), composed from linear, bmm and
// softmax so autograd derives its gradients.
// Parameters as PyTorch: inProjWeight [3E, E] (Xavier-uniform), inProjBias [3E] (zeros),
// outProj Linear(E, E) with zero bias. Masks: attnMask float (added) or bool (true = masked),
// [L, S] or [N*numHeads, L, S]; keyPaddingMask bool or float [N, S] ([S] for unbatched input).
// Options not implemented yet (addBiasKv, addZeroAttn, kdim, vdim) are rejected as unknown keys.
import { invalidArg, checkInt, dtypeError, shapeError, typeArg, checkOptionKeys, noExtraArgs, optBool } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { empty, zeros } from '../creation';
import { Module, Parameter } from './module';
import { Linear } from './layers';
import * as init from './init';
import { linear, matmul } from '../ops/matmul';
import { softmax } from '../ops/activation';
import { add, mul, ne } from '../ops/elementwise';
import { where } from '../ops/index';
import { mean } from '../ops/reduce';
import { dropout, checkP } from '../ops/dropout';

/** A bool (or uint8) mask as an additive one: -inf where set, else 0, computed where the mask lives (no read back to the host). */
function boolToAdditive(mask: Tensor, like: Tensor): Tensor {
  if (mask.dtype !== 'bool' && mask.dtype !== 'uint8') return mask.to(like.dtype);
  const m = mask.device === like.device ? mask : mask.to(like.device);
  return where(m.dtype === 'bool' ? m : ne(m, 0), -Infinity, 0).to(like.dtype);
}

export interface MultiheadAttentionForwardOptions {
  needWeights?: boolean;
  attnMask?: Tensor | null;
  keyPaddingMask?: Tensor | null;
  averageAttnWeights?: boolean;
}

export interface MultiheadAttentionOptions {
  /** dropout probability on the attention weights (training only), default 0 */
  dropout?: number;
  /** biases in the input and output projections, default true */
  bias?: boolean;
  /** inputs and output are [N, L, E] instead of [L, N, E], default false */
  batchFirst?: boolean;
}

export class MultiheadAttention extends Module {
  /** PyTorch's state-dict spelling of the projections (in_proj_weight, in_proj_bias, out_proj.*). */
  static readonly stateDictNames = { inProjWeight: 'in_proj_weight', inProjBias: 'in_proj_bias', outProj: 'out_proj' };
  readonly headDim: number;
  readonly dropoutP: number;
  readonly batchFirst: boolean;
  inProjWeight: Parameter;
  inProjBias: Parameter | null;
  outProj: Linear;
  constructor(readonly embedDim: number, readonly numHeads: number, opts: MultiheadAttentionOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('MultiheadAttention', 'embedDim, numHeads, opts', rest);
    opts = checkOptionKeys('opts', opts, ['dropout', 'bias', 'batchFirst']);
    checkInt('embedDim', embedDim, 1);
    checkInt('numHeads', numHeads, 1);
    if (embedDim % numHeads) invalidArg('numHeads', `a divisor of embedDim (${embedDim})`, numHeads);
    for (const k of ['bias', 'batchFirst'] as const)
      if (opts[k] !== undefined && typeof opts[k] !== 'boolean') typeArg(`opts.${k}`, 'a boolean', opts[k]);
    this.headDim = embedDim / numHeads;
    this.dropoutP = checkP(opts.dropout ?? 0, 'opts.dropout');
    this.batchFirst = optBool('opts.batchFirst', opts.batchFirst ?? undefined, false);
    this.inProjWeight = new Parameter(empty([3 * embedDim, embedDim]));
    this.inProjBias = optBool('opts.bias', opts.bias ?? undefined, true) ? new Parameter(zeros([3 * embedDim])) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias: opts.bias !== false });
    init.xavierUniform_(this.inProjWeight);
    if (this.outProj.bias) init.constant_(this.outProj.bias, 0);
  }

  /**
   * Returns [attnOutput [L, N, E] ([N, L, E] with batchFirst, [L, E] for unbatched input),
   * attnWeights [N, L, S] (head-averaged; [N, H, L, S] with averageAttnWeights false; no N for
   * unbatched input) or null when needWeights is false].
   */
  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}, ...rest: never[]): [Tensor, Tensor | null] {
    noExtraArgs('forward', 'query, key, value, opts', rest);
    opts = checkOptionKeys('opts', opts, ['needWeights', 'attnMask', 'keyPaddingMask', 'averageAttnWeights']);
    checkTensor('query', query);
    checkTensor('key', key);
    checkTensor('value', value);
    for (const k of ['needWeights', 'averageAttnWeights'] as const)
      if (opts[k] !== undefined && typeof opts[k] !== 'boolean') typeArg(`opts.${k}`, 'a boolean', opts[k]);
    const E = this.embedDim;
    if (!isFloating(query.dtype)) dtypeError('query', 'a floating-point tensor', query);
    if (query.ndim === 2) {
      // unbatched [L, E]: run as a batch of one (PyTorch 1.13 accepts it; batchFirst does not apply)
      if (query.shape[1] !== E) shapeError('query', `a tensor [L, ${E}] or [L, N, ${E}]`, query);
      if (key.ndim !== 2 || key.shape[1] !== E) shapeError('key', `a tensor [S, ${E}] (as query is unbatched)`, key);
      if (value.shape.join() !== key.shape.join()) shapeError('value', `a tensor of key's shape [${key.shape.join(', ')}]`, value);
      let kpm = opts.keyPaddingMask;
      if (kpm) {
        checkTensor('keyPaddingMask', kpm);
        if (kpm.ndim !== 1 || kpm.shape[0] !== key.shape[0]) shapeError('keyPaddingMask', `a mask [${key.shape[0]}] (as query is unbatched)`, kpm);
        kpm = kpm.unsqueeze(0);
      }
      const [y, w] = this.attend(query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1), { ...opts, keyPaddingMask: kpm });
      return [y.squeeze(1), w ? w.squeeze(0) : null];
    }
    if (!this.batchFirst) return this.attend(query, key, value, opts);
    if (query.ndim !== 3 || query.shape[2] !== E) shapeError('query', `a tensor [N, L, ${E}] (batchFirst)`, query);
    if (key.ndim !== 3 || key.shape[2] !== E || key.shape[0] !== query.shape[0]) shapeError('key', `a tensor [${query.shape[0]}, S, ${E}] (batchFirst)`, key);
    if (value.shape.join() !== key.shape.join()) shapeError('value', `a tensor of key's shape [${key.shape.join(', ')}]`, value);
    const [y, w] = this.attend(query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1), opts);
    return [y.transpose(0, 1), w];
  }

  /** The attention on sequence-first [L, N, E] inputs. */
  private attend(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions): [Tensor, Tensor | null] {
    const E = this.embedDim;
    const H = this.numHeads;
    const hd = this.headDim;
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
    if (!(optBool('opts.needWeights', opts.needWeights ?? undefined, true))) return [y, null];
    const w4 = attn.reshape([N, H, L, S]);
    return [y, (optBool('opts.averageAttnWeights', opts.averageAttnWeights ?? undefined, true)) ? mean(w4, 1) : w4];
  }
}
