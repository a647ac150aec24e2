// lib/nn/sparse.ts — nn.Embedding and nn.EmbeddingBag (PyTorch's torch/nn/modules/sparse.py): a
// learnable table `weight` [numEmbeddings, embeddingDim], initialised N(0, 1) with the paddingIdx row
// zeroed, looked up by F.embedding / F.embeddingBag (lib/ops/embedding.ts); fromPretrained wraps
// a given table (shared, not copied; frozen unless freeze: false). PyTorch's printed form.
import { checkInt, checkOptionKeys, typeArg, shapeError, noExtraArgs, invalidArg } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { empty } from '../creation';
import { noGrad } from '../autograd';
import { Module, Parameter } from './module';
import * as init from './init';
import { embedding, embeddingBag, checkPaddingIdx, checkMaxNorm, EmbeddingBagMode } from '../ops/embedding';

/** nn.Embedding options (PyTorch's keyword arguments). */
export interface EmbeddingModuleOptions {
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
}
/** nn.EmbeddingBag options (PyTorch's keyword arguments). */
export interface EmbeddingBagModuleOptions {
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  mode?: EmbeddingBagMode;
  sparse?: boolean;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}
const EMBEDDING_KEYS = ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse'];
const BAG_KEYS = ['maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', 'includeLastOffset', 'paddingIdx'];

const pyNum = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));
function checkFlag(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v;
}
function pretrainedTable(embeddings: unknown): Tensor {
  const t = checkTensor('embeddings', embeddings);
  if (t.ndim !== 2) shapeError('embeddings', 'a 2-D tensor [numEmbeddings, embeddingDim]', t);
  if (!isFloating(t.dtype)) typeArg('embeddings', 'a floating-point tensor', t);
  return t;
}
function freezeOf(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'boolean') typeArg('freeze', 'a boolean', v);
  return v;
}

/** A lookup table of numEmbeddings vectors of size embeddingDim: forward(indices) -> [...indices.shape, embeddingDim]. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingModuleOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('Embedding', 'numEmbeddings, embeddingDim, { paddingIdx, maxNorm, normType, scaleGradByFreq, sparse }', rest);
    const o = checkOptionKeys('opts', opts, EMBEDDING_KEYS);
    this.numEmbeddings = checkInt('numEmbeddings', numEmbeddings, 0);
    this.embeddingDim = checkInt('embeddingDim', embeddingDim, 0);
    this.paddingIdx = checkPaddingIdx(o.paddingIdx, numEmbeddings);
    ({ maxNorm: this.maxNorm, normType: this.normType } = checkMaxNorm(o.maxNorm, o.normType));
    this.scaleGradByFreq = checkFlag('scaleGradByFreq', o.scaleGradByFreq);
    this.sparse = checkFlag('sparse', o.sparse);
    if (this.sparse) invalidArg('sparse', 'false (sparse gradients are not implemented)', true);
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }
  /** N(0, 1), then the paddingIdx row zeroed (PyTorch's reset_parameters). */
  resetParameters(): void {
    init.normal_(this.weight);
    const p = this.paddingIdx;
    if (p !== null) noGrad(() => this.weight.select(0, p).fill_(0));
  }
  /**
   * An Embedding whose weight is `embeddings` [numEmbeddings, embeddingDim] (shared, not copied),
   * frozen (requiresGrad false) unless freeze is false, as PyTorch's Embedding.from_pretrained (the
   * paddingIdx row is left as given).
   */
  static fromPretrained(embeddings: Tensor, opts: EmbeddingModuleOptions & { freeze?: boolean } = {}, ...rest: never[]): Embedding {
    noExtraArgs('Embedding.fromPretrained', 'embeddings, { freeze, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse }', rest);
    const o = checkOptionKeys('opts', opts, ['freeze', ...EMBEDDING_KEYS]);
    const t = pretrainedTable(embeddings);
    const freeze = freezeOf(o.freeze);
    const { freeze: _f, ...moduleOpts } = o;
    const m = new Embedding(t.shape[0], t.shape[1], moduleOpts);
    m.weight.dispose();
    m.weight = new Parameter(t, !freeze);
    return m;
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('Embedding.forward', 'input', rest);
    return embedding(input, this.weight, {
      paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq,
    });
  }
  extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyNum(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyNum(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    return s;
  }
}

/**
 * Sums, means or maxima of bags of embeddings without materialising the per-entry embeddings'
 * shape: forward(input, offsets?, perSampleWeights?) -> [bags, embeddingDim] (see F.embeddingBag).
 */
export class EmbeddingBag extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly mode: EmbeddingBagMode;
  readonly sparse: boolean;
  readonly includeLastOffset: boolean;
  readonly paddingIdx: number | null;
  weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingBagModuleOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('EmbeddingBag', 'numEmbeddings, embeddingDim, { maxNorm, normType, scaleGradByFreq, mode, sparse, includeLastOffset, paddingIdx }', rest);
    const o = checkOptionKeys('opts', opts, BAG_KEYS);
    this.numEmbeddings = checkInt('numEmbeddings', numEmbeddings, 0);
    this.embeddingDim = checkInt('embeddingDim', embeddingDim, 0);
    ({ maxNorm: this.maxNorm, normType: this.normType } = checkMaxNorm(o.maxNorm, o.normType));
    this.scaleGradByFreq = checkFlag('scaleGradByFreq', o.scaleGradByFreq);
    if (this.scaleGradByFreq) invalidArg('scaleGradByFreq', 'false (not implemented for EmbeddingBag)', true);
    const mode = o.mode ?? 'mean';
    if (mode !== 'sum' && mode !== 'mean' && mode !== 'max') invalidArg('mode', "'sum', 'mean' or 'max'", mode);
    this.mode = mode;
    this.sparse = checkFlag('sparse', o.sparse);
    if (this.sparse) invalidArg('sparse', 'false (sparse gradients are not implemented)', true);
    this.includeLastOffset = checkFlag('includeLastOffset', o.includeLastOffset);
    this.paddingIdx = checkPaddingIdx(o.paddingIdx, numEmbeddings);
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }
  resetParameters(): void {
    init.normal_(this.weight);
    const p = this.paddingIdx;
    if (p !== null) noGrad(() => this.weight.select(0, p).fill_(0));
  }
  /** An EmbeddingBag over `embeddings` (shared), frozen unless freeze is false, as PyTorch's EmbeddingBag.from_pretrained. */
  static fromPretrained(embeddings: Tensor, opts: EmbeddingBagModuleOptions & { freeze?: boolean } = {}, ...rest: never[]): EmbeddingBag {
    noExtraArgs('EmbeddingBag.fromPretrained', 'embeddings, { freeze, maxNorm, normType, scaleGradByFreq, mode, sparse, includeLastOffset, paddingIdx }', rest);
    const o = checkOptionKeys('opts', opts, ['freeze', ...BAG_KEYS]);
    const t = pretrainedTable(embeddings);
    const freeze = freezeOf(o.freeze);
    const { freeze: _f, ...moduleOpts } = o;
    const m = new EmbeddingBag(t.shape[0], t.shape[1], moduleOpts);
    m.weight.dispose();
    m.weight = new Parameter(t, !freeze);
    return m;
  }
  /** input [bags, bagSize], or 1-D with offsets (bag starts); perSampleWeights (input's shape) for mode 'sum'. */
  forward(input: Tensor, offsets: Tensor | null = null, perSampleWeights: Tensor | null = null, ...rest: never[]): Tensor {
    noExtraArgs('EmbeddingBag.forward', 'input, offsets, perSampleWeights', rest);
    return embeddingBag(input, this.weight, offsets, {
      maxNorm: this.maxNorm, normType: this.normType, mode: this.mode, perSampleWeights,
      includeLastOffset: this.includeLastOffset, paddingIdx: this.paddingIdx,
    });
  }
  extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyNum(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyNum(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    s += `, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}
