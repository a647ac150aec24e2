// lib/nn/transformer.ts — nn.TransformerEncoderLayer and nn.TransformerEncoder with PyTorch 1.13's
// semantics and defaults (dimFeedforward=2048, dropout=0.1, activation 'relu', layerNormEps=1e-5,
// batchFirst=false, normFirst=false), composed from MultiheadAttention, Linear, Dropout and LayerNorm
// so autograd derives every gradient. State-dict keys are PyTorch's (self_attn.in_proj_weight,
// linear1.weight, norm1.weight, ..., layers.0.self_attn.in_proj_weight, norm.weight): PyTorch's
// state dicts load unchanged. Only PyTorch's general ("slow") path is implemented: the 1.13 inference
// fast path with nested tensors (which writes zeros at padded positions) is not reproduced, so
// enableNestedTensor is not an option.
import { invalidArg, checkInt, typeArg, checkOptionKeys, noExtraArgs } from '../errors';
import { transformerLayerOptions } from './module_options';
import { Tensor, checkTensor } from '../tensor';
import { noGrad } from '../autograd';
import { Module } from './module';
import { Linear, Dropout, ModuleList } from './layers';
import { LayerNorm } from './normalization';
import { MultiheadAttention } from './attention';
import { add, mul, relu, erf } from '../ops/elementwise';

/** An activation of the feed-forward block: PyTorch's names, or a function of one tensor. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

// TODO: switch to F.gelu once it lands (another branch adds it); this is PyTorch's exact ('none') form.
function gelu(x: Tensor): Tensor {
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

export interface TransformerEncoderLayerOptions {
  /** width of the feed-forward block, default 2048 */
  dimFeedforward?: number;
  /** dropout probability (attention weights, feed-forward, residual branches), default 0.1 */
  dropout?: number;
  /** 'relu' (default), 'gelu', or a function of one tensor */
  activation?: TransformerActivation;
  /** eps of both LayerNorms, default 1e-5 */
  layerNormEps?: number;
  /** inputs and output are [N, S, E] instead of [S, N, E], default false */
  batchFirst?: boolean;
  /** pre-norm (LayerNorm before attention and feed-forward) instead of post-norm, default false */
  normFirst?: boolean;
}

export interface TransformerEncoderLayerForwardOptions {
  /** attention mask [S, S] or [N*nhead, S, S]: bool (true = masked) or float (added) */
  srcMask?: Tensor | null;
  /** key padding mask [N, S] ([S] unbatched): bool (true = padding) or float (added) */
  srcKeyPaddingMask?: Tensor | null;
}


function checkSrc(src: Tensor, dModel: number): void {
  checkTensor('src', src);
  if ((src.ndim !== 2 && src.ndim !== 3) || src.shape[src.ndim - 1] !== dModel)
    invalidArg('src', `a tensor [S, N, ${dModel}], [N, S, ${dModel}] (batchFirst) or [S, ${dModel}] (unbatched)`, src);
}

export class TransformerEncoderLayer extends Module {
  static readonly stateDictNames = { selfAttn: 'self_attn' };
  readonly dimFeedforward: number;
  readonly dropoutP: number;
  readonly activation: TransformerActivation;
  readonly layerNormEps: number;
  readonly batchFirst: boolean;
  readonly normFirst: boolean;
  selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  private readonly act: (x: Tensor) => Tensor;

  constructor(readonly dModel: number, readonly nhead: number, opts: TransformerEncoderLayerOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('TransformerEncoderLayer', 'dModel, nhead, opts', rest);
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
    this.linear1 = new Linear(dModel, this.dimFeedforward);
    this.dropout = new Dropout(this.dropoutP);
    this.linear2 = new Linear(this.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.dropout1 = new Dropout(this.dropoutP);
    this.dropout2 = new Dropout(this.dropoutP);
  }

  /** src [S, N, E] ([N, S, E] with batchFirst, [S, E] unbatched) -> the same shape. */
  forward(src: Tensor, opts: TransformerEncoderLayerForwardOptions = {}, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'src, opts', rest);
    opts = checkOptionKeys('opts', opts, ['srcMask', 'srcKeyPaddingMask']);
    checkSrc(src, this.dModel);
    const sa = (x: Tensor): Tensor => {
      const [y] = this.selfAttn.forward(x, x, x, { attnMask: opts.srcMask ?? null, keyPaddingMask: opts.srcKeyPaddingMask ?? null, needWeights: false });
      return this.dropout1.forward(y);
    };
    const ff = (x: Tensor): Tensor => this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
    let x = src;
    if (this.normFirst) {
      x = add(x, sa(this.norm1.forward(x)));
      x = add(x, ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(add(x, sa(x)));
      x = this.norm2.forward(add(x, ff(x)));
    }
    return x;
  }

  /** A new layer with the same options and a copy of this one's parameters (PyTorch's copy.deepcopy), on the same device and dtype. */
  deepCopy(): TransformerEncoderLayer {
    const c = new TransformerEncoderLayer(this.dModel, this.nhead, {
      dimFeedforward: this.dimFeedforward, dropout: this.dropoutP, activation: this.activation,
      layerNormEps: this.layerNormEps, batchFirst: this.batchFirst, normFirst: this.normFirst,
    });
    const mine = this.namedParameters();
    const theirs = c.namedParameters();
    noGrad(() => {
      theirs.forEach(([, p], i) => {
        const src = mine[i][1];
        p._moveTo(src.device);
        if (p.dtype !== src.dtype) p._castTo(src.dtype as 'float32' | 'float64');
        p.copy_(src);
        p.requiresGrad_(src.requiresGrad);
      });
    });
    c.train(this.training);
    return c;
  }
}

export interface TransformerEncoderOptions {
  /** a final normalisation module (PyTorch's `norm`), default none */
  norm?: Module | null;
}

export interface TransformerEncoderForwardOptions {
  /** attention mask for every layer (PyTorch's `mask`; `srcMask` is accepted as the same) */
  mask?: Tensor | null;
  srcMask?: Tensor | null;
  /** key padding mask [N, S] ([S] unbatched) for every layer */
  srcKeyPaddingMask?: Tensor | null;
}

export class TransformerEncoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  readonly numLayers: number;
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, opts: TransformerEncoderOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('TransformerEncoder', 'encoderLayer, numLayers, opts', rest);
    if (!(encoderLayer instanceof TransformerEncoderLayer)) typeArg('encoderLayer', 'an nn.TransformerEncoderLayer', encoderLayer);
    checkInt('numLayers', numLayers, 1);
    opts = checkOptionKeys('opts', opts, ['norm']);
    if (opts.norm != null && !(opts.norm instanceof Module)) typeArg('opts.norm', 'an nn.Module (e.g. nn.LayerNorm) or null', opts.norm);
    this.numLayers = numLayers;
    // as PyTorch's _get_clones: independent copies of the layer, all with its initial weights
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.deepCopy()));
    this.norm = opts.norm ?? null;
  }

  forward(src: Tensor, opts: TransformerEncoderForwardOptions = {}, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'src, opts', rest);
    opts = checkOptionKeys('opts', opts, ['mask', 'srcMask', 'srcKeyPaddingMask']);
    if (opts.mask != null && opts.srcMask != null) invalidArg('opts.srcMask', "one of 'mask' and 'srcMask' (the same option)", 'both');
    const first = this.layers[0] as TransformerEncoderLayer;
    checkSrc(src, first.dModel);
    const layerOpts = { srcMask: opts.mask ?? opts.srcMask ?? null, srcKeyPaddingMask: opts.srcKeyPaddingMask ?? null };
    let x = src;
    for (const layer of this.layers) x = (layer as TransformerEncoderLayer).forward(x, layerOpts);
    if (this.norm) x = this.norm.forward(x) as Tensor;
    return x;
  }
}
