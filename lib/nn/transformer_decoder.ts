// lib/nn/transformer_decoder.ts — nn.TransformerDecoderLayer, nn.TransformerDecoder and
// nn.Transformer with PyTorch 1.13's semantics and defaults (decoder layer: dimFeedforward=2048,
// dropout=0.1, activation 'relu', layerNormEps=1e-5, batchFirst=false, normFirst=false; Transformer:
// dModel=512, nhead=8, numEncoderLayers=6, numDecoderLayers=6, the same layer options, final
// LayerNorms on the encoder and the decoder, every parameter with more than one dimension
// Xavier-uniform initialised), composed from MultiheadAttention, Linear, Dropout and LayerNorm so
// autograd derives every gradient. A decoder layer is self-attention on tgt (tgtMask,
// tgtKeyPaddingMask), attention from tgt to memory (memoryMask, memoryKeyPaddingMask) and the
// feed-forward block, each with a residual and its LayerNorm (after it, or before with normFirst).
// Masks as nn.MultiheadAttention's: bool (true = masked) or float (added). State-dict keys are
// PyTorch's (self_attn.*, multihead_attn.*, linear1.*, norm3.*, layers.0.*, norm.*, encoder.*,
// decoder.*): PyTorch's state dicts load unchanged. Transformer.generateSquareSubsequentMask(sz) is
// PyTorch's causal float mask (-inf above the diagonal, 0 elsewhere). Only PyTorch's general path
// exists (as in lib/nn/transformer.ts).
import { invalidArg, checkInt, typeArg, checkOptionKeys, noExtraArgs, shapeError } from '../errors';
import { transformerLayerOptions, TRANSFORMER_LAYER_KEYS } from './module_options';
import { Tensor, checkTensor } from '../tensor';
import { noGrad } from '../autograd';
import { full } from '../creation';
import { Module } from './module';
import { Linear, Dropout, ModuleList } from './layers';
import { LayerNorm } from './normalization';
import { MultiheadAttention } from './attention';
import { TransformerEncoderLayer, TransformerEncoder, type TransformerActivation } from './transformer';
import * as init from './init';
import { add, relu } from '../ops/elementwise';
import { gelu } from '../ops/activation';
import { triu } from '../ops/shape';
import { defaultFloat } from '../default_dtype';

export interface TransformerDecoderLayerOptions {
  /** width of the feed-forward block, default 2048 */
  dimFeedforward?: number;
  /** dropout probability (attention weights, feed-forward, residual branches), default 0.1 */
  dropout?: number;
  /** 'relu' (default), 'gelu', or a function of one tensor */
  activation?: TransformerActivation;
  /** eps of the three LayerNorms, default 1e-5 */
  layerNormEps?: number;
  /** tgt, memory and output are [N, T, E] instead of [T, N, E], default false */
  batchFirst?: boolean;
  /** pre-norm (LayerNorm before each block) instead of post-norm, default false */
  normFirst?: boolean;
}

export interface TransformerDecoderForwardOptions {
  /** self-attention mask [T, T] or [N*nhead, T, T]: bool (true = masked) or float (added) */
  tgtMask?: Tensor | null;
  /** memory attention mask [T, S] or [N*nhead, T, S] */
  memoryMask?: Tensor | null;
  /** padding mask of tgt [N, T] ([T] unbatched): bool (true = padding) or float (added) */
  tgtKeyPaddingMask?: Tensor | null;
  /** padding mask of memory [N, S] ([S] unbatched) */
  memoryKeyPaddingMask?: Tensor | null;
}
const DECODER_FORWARD_KEYS = ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask'] as const;
const LAYER_KEYS = TRANSFORMER_LAYER_KEYS;

/** tgt [T, N, E], [N, T, E] (batchFirst) or [T, E]; memory of the same rank and batch, any length. */
function checkTgtMemory(tgt: Tensor, memory: Tensor, dModel: number, batchFirst: boolean): void {
  checkTensor('tgt', tgt);
  checkTensor('memory', memory);
  if ((tgt.ndim !== 2 && tgt.ndim !== 3) || tgt.shape[tgt.ndim - 1] !== dModel)
    shapeError('tgt', `a tensor [T, N, ${dModel}], [N, T, ${dModel}] (batchFirst) or [T, ${dModel}] (unbatched)`, tgt);
  if (tgt.ndim === 2) {
    if (memory.ndim !== 2 || memory.shape[1] !== dModel) shapeError('memory', `a tensor [S, ${dModel}] (as tgt is unbatched)`, memory);
    return;
  }
  const N = tgt.shape[batchFirst ? 0 : 1];
  if (memory.ndim !== 3 || memory.shape[2] !== dModel || memory.shape[batchFirst ? 0 : 1] !== N)
    shapeError('memory', batchFirst ? `a tensor [${N}, S, ${dModel}] (batchFirst)` : `a tensor [S, ${N}, ${dModel}]`, memory);
}

/** Copies src's parameters (same structure, same order) into dst, with src's device, dtype and requiresGrad. */
function copyParameters(src: Module, dst: Module): void {
  const mine = src.namedParameters();
  const theirs = dst.namedParameters();
  noGrad(() => {
    theirs.forEach(([, p], i) => {
      const s = mine[i][1];
      p._moveTo(s.device);
      if (p.dtype !== s.dtype) p._castTo(s.dtype as 'float32' | 'float64');
      p.copy_(s);
      p.requiresGrad_(s.requiresGrad);
    });
  });
  dst.train(src.training);
}

export class TransformerDecoderLayer extends Module {
  static readonly stateDictNames = { selfAttn: 'self_attn', multiheadAttn: 'multihead_attn' };
  readonly dimFeedforward: number;
  readonly dropoutP: number;
  readonly activation: TransformerActivation;
  readonly layerNormEps: number;
  readonly batchFirst: boolean;
  readonly normFirst: boolean;
  selfAttn: MultiheadAttention;
  multiheadAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  private readonly act: (x: Tensor) => Tensor;

  constructor(readonly dModel: number, readonly nhead: number, opts: TransformerDecoderLayerOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('TransformerDecoderLayer', 'dModel, nhead, opts', rest);
    const cfg = transformerLayerOptions(dModel, nhead, opts, relu, gelu);
    this.dimFeedforward = cfg.dimFeedforward;
    this.dropoutP = cfg.dropoutP;
    this.act = cfg.act;
    this.activation = cfg.activation;
    this.layerNormEps = cfg.layerNormEps;
    this.batchFirst = cfg.batchFirst;
    this.normFirst = cfg.normFirst;
    // the order of PyTorch's __init__, which is its state-dict order
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: this.dropoutP, batchFirst: this.batchFirst });
    this.multiheadAttn = new MultiheadAttention(dModel, nhead, { dropout: this.dropoutP, batchFirst: this.batchFirst });
    this.linear1 = new Linear(dModel, this.dimFeedforward);
    this.dropout = new Dropout(this.dropoutP);
    this.linear2 = new Linear(this.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.norm3 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.dropout1 = new Dropout(this.dropoutP);
    this.dropout2 = new Dropout(this.dropoutP);
    this.dropout3 = new Dropout(this.dropoutP);
  }

  /** tgt [T, N, E] ([N, T, E] with batchFirst, [T, E] unbatched), memory [S, N, E] (likewise) -> tgt's shape. */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderForwardOptions = {}, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'tgt, memory, opts', rest);
    opts = checkOptionKeys('opts', opts, DECODER_FORWARD_KEYS);
    checkTgtMemory(tgt, memory, this.dModel, this.batchFirst);
    const sa = (x: Tensor): Tensor => {
      const [y] = this.selfAttn.forward(x, x, x, { attnMask: opts.tgtMask ?? null, keyPaddingMask: opts.tgtKeyPaddingMask ?? null, needWeights: false });
      return this.dropout1.forward(y);
    };
    const mha = (x: Tensor): Tensor => {
      const [y] = this.multiheadAttn.forward(x, memory, memory, { attnMask: opts.memoryMask ?? null, keyPaddingMask: opts.memoryKeyPaddingMask ?? null, needWeights: false });
      return this.dropout2.forward(y);
    };
    const ff = (x: Tensor): Tensor => this.dropout3.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
    let x = tgt;
    if (this.normFirst) {
      x = add(x, sa(this.norm1.forward(x)));
      x = add(x, mha(this.norm2.forward(x)));
      x = add(x, ff(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(add(x, sa(x)));
      x = this.norm2.forward(add(x, mha(x)));
      x = this.norm3.forward(add(x, ff(x)));
    }
    return x;
  }

  /** A new layer with the same options and a copy of this one's parameters (PyTorch's copy.deepcopy), on the same device and dtype. */
  deepCopy(): TransformerDecoderLayer {
    const c = new TransformerDecoderLayer(this.dModel, this.nhead, {
      dimFeedforward: this.dimFeedforward, dropout: this.dropoutP, activation: this.activation,
      layerNormEps: this.layerNormEps, batchFirst: this.batchFirst, normFirst: this.normFirst,
    });
    copyParameters(this, c);
    return c;
  }
}

export interface TransformerDecoderOptions {
  /** a final normalisation module (PyTorch's `norm`), default none */
  norm?: Module | null;
}

export class TransformerDecoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  readonly numLayers: number;
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, opts: TransformerDecoderOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('TransformerDecoder', 'decoderLayer, numLayers, opts', rest);
    if (!(decoderLayer instanceof TransformerDecoderLayer)) typeArg('decoderLayer', 'an nn.TransformerDecoderLayer', decoderLayer);
    checkInt('numLayers', numLayers, 1);
    opts = checkOptionKeys('opts', opts, ['norm']);
    if (opts.norm != null && !(opts.norm instanceof Module)) typeArg('opts.norm', 'an nn.Module (e.g. nn.LayerNorm) or null', opts.norm);
    this.numLayers = numLayers;
    // as PyTorch's _get_clones: independent copies of the layer, all with its initial weights
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.deepCopy()));
    this.norm = opts.norm ?? null;
  }

  /** tgt and memory as TransformerDecoderLayer.forward's; the masks go to every layer. */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderForwardOptions = {}, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'tgt, memory, opts', rest);
    opts = checkOptionKeys('opts', opts, DECODER_FORWARD_KEYS);
    const first = this.layers[0] as TransformerDecoderLayer;
    checkTgtMemory(tgt, memory, first.dModel, first.batchFirst);
    let x = tgt;
    for (const layer of this.layers) x = (layer as TransformerDecoderLayer).forward(x, memory, opts);
    if (this.norm) x = this.norm.forward(x) as Tensor;
    return x;
  }
}

export interface TransformerOptions extends TransformerDecoderLayerOptions {
  /** the model width (embedding size), default 512 */
  dModel?: number;
  /** attention heads (a divisor of dModel), default 8 */
  nhead?: number;
  /** encoder layers, default 6 */
  numEncoderLayers?: number;
  /** decoder layers, default 6 */
  numDecoderLayers?: number;
  /** an encoder module used instead of the built one (PyTorch's custom_encoder): forward(src, {mask, srcKeyPaddingMask}) */
  customEncoder?: Module | null;
  /** a decoder module used instead of the built one (PyTorch's custom_decoder): forward(tgt, memory, {tgtMask, ...}) */
  customDecoder?: Module | null;
}

export interface TransformerForwardOptions extends TransformerDecoderForwardOptions {
  /** encoder self-attention mask [S, S] or [N*nhead, S, S] */
  srcMask?: Tensor | null;
  /** padding mask of src [N, S] ([S] unbatched); memoryKeyPaddingMask is separate, as PyTorch's */
  srcKeyPaddingMask?: Tensor | null;
}

export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(opts: TransformerOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('Transformer', 'opts', rest);
    opts = checkOptionKeys('opts', opts, ['dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', ...LAYER_KEYS, 'customEncoder', 'customDecoder']);
    this.dModel = opts.dModel ?? 512;
    checkInt('opts.dModel', this.dModel, 1);
    this.nhead = opts.nhead ?? 8;
    checkInt('opts.nhead', this.nhead, 1);
    if (this.dModel % this.nhead) invalidArg('opts.nhead', `a divisor of opts.dModel (${this.dModel})`, this.nhead);
    const nEnc = opts.numEncoderLayers ?? 6;
    checkInt('opts.numEncoderLayers', nEnc, 1);
    const nDec = opts.numDecoderLayers ?? 6;
    checkInt('opts.numDecoderLayers', nDec, 1);
    for (const k of ['customEncoder', 'customDecoder'] as const)
      if (opts[k] != null && !(opts[k] instanceof Module)) typeArg(`opts.${k}`, 'an nn.Module or null', opts[k]);
    const layerOpts: TransformerDecoderLayerOptions = {};
    for (const k of LAYER_KEYS) if (opts[k] !== undefined) (layerOpts as Record<string, unknown>)[k] = opts[k];
    // the layers check the shared options (also when a custom module replaces them, as PyTorch builds them anyway)
    const encLayer = opts.customEncoder ? null : new TransformerEncoderLayer(this.dModel, this.nhead, layerOpts);
    const decLayer = new TransformerDecoderLayer(this.dModel, this.nhead, layerOpts);
    this.batchFirst = decLayer.batchFirst;
    const eps = decLayer.layerNormEps;
    this.encoder = opts.customEncoder ?? new TransformerEncoder(encLayer!, nEnc, { norm: new LayerNorm(this.dModel, { eps }) });
    this.decoder = opts.customDecoder ?? new TransformerDecoder(decLayer, nDec, { norm: new LayerNorm(this.dModel, { eps }) });
    this.resetParameters();
  }

  /** Xavier-uniform initialisation of every parameter with more than one dimension (PyTorch's _reset_parameters). */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
  }

  /**
   * src [S, N, E] and tgt [T, N, E] ([N, S, E] and [N, T, E] with batchFirst; [S, E] and [T, E]
   * unbatched) -> [T, N, E] (tgt's layout): the encoder over src (srcMask, srcKeyPaddingMask), then
   * the decoder over tgt and the encoder's output (tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask).
   */
  forward(src: Tensor, tgt: Tensor, opts: TransformerForwardOptions = {}, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'src, tgt, opts', rest);
    opts = checkOptionKeys('opts', opts, ['srcMask', 'srcKeyPaddingMask', ...DECODER_FORWARD_KEYS]);
    checkTensor('src', src);
    checkTensor('tgt', tgt);
    const E = this.dModel;
    if ((src.ndim !== 2 && src.ndim !== 3) || src.shape[src.ndim - 1] !== E)
      shapeError('src', `a tensor [S, N, ${E}], [N, S, ${E}] (batchFirst) or [S, ${E}] (unbatched)`, src);
    if (tgt.ndim !== src.ndim || tgt.shape[tgt.ndim - 1] !== E)
      shapeError('tgt', src.ndim === 3 ? `a tensor [T, N, ${E}] or [N, T, ${E}] (batchFirst), as src is batched` : `a tensor [T, ${E}] (as src is unbatched)`, tgt);
    const b = this.batchFirst ? 0 : 1;
    if (src.ndim === 3 && src.shape[b] !== tgt.shape[b])
      shapeError('tgt', `a batch of ${src.shape[b]} (src's batch) in dimension ${b}`, tgt);
    const memory = this.encoder.forward(src, { mask: opts.srcMask ?? null, srcKeyPaddingMask: opts.srcKeyPaddingMask ?? null }) as Tensor;
    const dec: TransformerDecoderForwardOptions = {};
    for (const k of DECODER_FORWARD_KEYS) dec[k] = opts[k] ?? null;
    return this.decoder.forward(tgt, memory, dec) as Tensor;
  }

  /** PyTorch's causal mask for sz positions: a float [sz, sz] tensor, -inf above the diagonal and 0 elsewhere. */
  static generateSquareSubsequentMask(sz: number, opts: { device?: string; dtype?: 'float32' | 'float64' } = {}, ...rest: never[]): Tensor {
    noExtraArgs('generateSquareSubsequentMask', 'sz, opts', rest);
    checkInt('sz', sz, 0);
    opts = checkOptionKeys('opts', opts, ['device', 'dtype']);
    const dtype = opts.dtype ?? defaultFloat();
    if (dtype !== 'float32' && dtype !== 'float64') invalidArg('opts.dtype', "'float32' or 'float64'", dtype);
    return triu(full([sz, sz], -Infinity, { dtype, device: opts.device }), 1);
  }
}
