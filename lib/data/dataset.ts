// lib/data/dataset.ts — datasets and loading: the Dataset protocol (length + get, optional fast
// getBatch), TensorDataset, ImageDataset (uint8 images -> float tensors through toTensor/normalize),
// Subset, randomSplit (seeded) and DataLoader (batchSize, shuffle, dropLast; last partial batch kept).
import { invalidArg, checkInt, typeArg, shapeError, checkOptions } from '../errors';
import { Tensor } from '../tensor';
import { fromBuffer } from '../creation';
import { tidy } from '../memory';
import { nextRandom } from '../random';
import { stack } from './collate';

export interface Dataset<T = [Tensor, Tensor]> {
  readonly length: number;
  get(i: number): T;
  /** Optional fast path used by DataLoader: the collated batch for these indices. */
  getBatch?(indices: number[]): T;
}

/** A small seeded PRNG (mulberry32) for shuffles and splits. */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== 'number') typeArg('seed', 'a number', seed);
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export function randperm(n: number, rand: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}
/** A dataset argument: an object with an integer length >= 0 and a get(i) method. */
function checkDataset(name: string, d: unknown): void {
  const o = d as { length?: unknown; get?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.get !== 'function' || typeof o.length !== 'number' || !Number.isInteger(o.length) || o.length < 0)
    typeArg(name, 'a dataset (an object with length and get(i))', d);
}
/** An index into a dataset of `length` items. */
function checkIndex(name: string, i: unknown, length: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) typeArg(name, 'an integer index', i);
  if (!((i as number) >= 0 && (i as number) < length)) invalidArg(name, `an index in [0, ${length - 1}]`, i);
  return i as number;
}
function checkIndices(name: string, v: unknown): number[] {
  if (!Array.isArray(v)) typeArg(name, 'an array of indices', v);
  return v as number[];
}

function freshSeed(): number {
  const [s, off] = nextRandom(1);
  return (Math.floor(s) ^ Math.floor(off / 4) ^ 0x5bd1e995) >>> 0;
}

export class TensorDataset implements Dataset<Tensor[]> {
  readonly length: number;
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (!tensors.length) invalidArg('tensors', 'at least one tensor', tensors);
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) typeArg(`tensors[${i}]`, 'a Tensor', t);
      if (t.ndim === 0 || t.shape[0] !== tensors[0].shape[0])
        shapeError(`tensors[${i}]`, `a tensor whose first dimension is ${tensors[0].shape[0]}`, t);
    });
    this.tensors = tensors;
    this.length = tensors[0].shape[0];
  }
  get(i: number): Tensor[] {
    return this.tensors.map((t) => t.index(i).clone());
  }
}

export type ImageTransform = ((x: Tensor) => Tensor) & { mean?: number[]; std?: number[]; kind?: string };
/** Scales uint8 pixels to [0, 1] (the dataset does this; kept for PyTorch-like pipelines). */
export function toTensor(): ImageTransform {
  const f = ((x: Tensor) => x) as ImageTransform;
  f.kind = 'toTensor';
  return f;
}
/** (x - mean) / std per channel. */
export function normalize(mean: number | number[], std: number | number[]): ImageTransform {
  const m = Array.isArray(mean) ? mean : [mean];
  const s = Array.isArray(std) ? std : [std];
  if (!m.length || !m.every((v) => typeof v === 'number')) typeArg('mean', 'a number or an array of numbers', mean);
  if (!s.length || !s.every((v) => typeof v === 'number')) typeArg('std', 'a number or an array of numbers', std);
  if (s.some((v) => !(v > 0))) invalidArg('std', 'positive numbers', std);
  const f = ((x: Tensor) => {
    const C = x.shape[x.ndim - 3] ?? 1;
    const mt = fromBuffer(Float32Array.from({ length: C }, (_, i) => m[i % m.length]), [C, 1, 1]);
    const st = fromBuffer(Float32Array.from({ length: C }, (_, i) => s[i % s.length]), [C, 1, 1]);
    return x.sub(mt).div(st);
  }) as ImageTransform;
  f.kind = 'normalize';
  f.mean = m;
  f.std = s;
  return f;
}
export function compose(...fs: ImageTransform[]): ImageTransform {
  fs.forEach((g, i) => {
    if (typeof g !== 'function') typeArg(`transforms[${i}]`, 'a transform function', g);
  });
  const f = ((x: Tensor) => fs.reduce((y, g) => g(y), x)) as ImageTransform;
  const norm = fs.filter((g) => g.kind === 'normalize');
  if (fs.every((g) => g.kind === 'normalize' || g.kind === 'toTensor') && norm.length <= 1) {
    f.kind = norm.length ? 'normalize' : 'toTensor';
    f.mean = norm[0]?.mean;
    f.std = norm[0]?.std;
  }
  return f;
}

/** Grayscale uint8 images [n, H, W] with labels: items are [float32 [1, H, W] in [0,1] after transform, int64 label]. */
export class ImageDataset implements Dataset<[Tensor, Tensor]> {
  readonly length: number;
  constructor(
    readonly images: Uint8Array,
    readonly labels: Uint8Array,
    readonly imageShape: [number, number],
    readonly transform?: ImageTransform,
  ) {
    const isBytes = (v: unknown) => Object.prototype.toString.call(v) === '[object Uint8Array]';
    if (!isBytes(images)) typeArg('images', 'a Uint8Array of pixels', images);
    if (!isBytes(labels)) typeArg('labels', 'a Uint8Array of labels', labels);
    if (!Array.isArray(imageShape) || imageShape.length !== 2) typeArg('imageShape', 'an array [H, W]', imageShape);
    imageShape.forEach((s, i) => checkInt(`imageShape[${i}]`, s, 1));
    if (transform !== undefined && typeof transform !== 'function') typeArg('transform', 'a function', transform);
    const per = imageShape[0] * imageShape[1];
    if (images.length !== labels.length * per) invalidArg('images', `${labels.length} images of ${per} pixels`, images.length);
    this.length = labels.length;
  }
  get(i: number): [Tensor, Tensor] {
    const [x, y] = this.getBatch([i]);
    return [x.squeeze(0), y.squeeze(0)];
  }
  /** One pass over the pixels: scale, and normalise in the same loop when the transform allows. */
  getBatch(indices: number[]): [Tensor, Tensor] {
    checkIndices('indices', indices);
    const [H, W] = this.imageShape;
    const per = H * W;
    const out = new Float32Array(indices.length * per);
    const lab = new BigInt64Array(indices.length);
    const fused = !this.transform || this.transform.kind === 'toTensor' || this.transform.kind === 'normalize';
    const mean = fused && this.transform?.mean ? this.transform.mean[0] : 0;
    const std = fused && this.transform?.std ? this.transform.std[0] : 1;
    const scale = 1 / 255;
    indices.forEach((idx, b) => {
      checkIndex('index', idx, this.length);
      const src = this.images.subarray(idx * per, idx * per + per);
      const o = b * per;
      for (let k = 0; k < per; k++) out[o + k] = (src[k] * scale - mean) / std;
      lab[b] = BigInt(this.labels[idx]);
    });
    let x = fromBuffer(out, [indices.length, 1, H, W]);
    if (!fused && this.transform) {
      const t = this.transform;
      x = tidy(() => t(x));
    }
    return [x, fromBuffer(lab, [indices.length])];
  }
}

export class Subset<T> implements Dataset<T> {
  readonly length: number;
  constructor(readonly dataset: Dataset<T>, readonly indices: number[]) {
    checkDataset('dataset', dataset);
    checkIndices('indices', indices).forEach((i, k) => checkIndex(`indices[${k}]`, i, dataset.length));
    this.length = indices.length;
  }
  get(i: number): T {
    checkIndex('index', i, this.length);
    return this.dataset.get(this.indices[i]);
  }
  getBatch(indices: number[]): T {
    const mapped = checkIndices('indices', indices).map((i) => this.indices[checkIndex('index', i, this.length)]);
    if (this.dataset.getBatch) return this.dataset.getBatch(mapped);
    return stack(mapped.map((i) => this.dataset.get(i))) as T;
  }
}

/** Splits a dataset into non-overlapping subsets of the given lengths (or fractions summing to 1). */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], opts: { seed?: number } = {}): Subset<T>[] {
  opts = checkOptions('opts', opts);
  checkDataset('dataset', dataset);
  if (!Array.isArray(lengths) || !lengths.every((l) => typeof l === 'number')) typeArg('lengths', 'an array of lengths (or fractions)', lengths);
  const n = dataset.length;
  let sizes = lengths.slice();
  if (sizes.every((l) => l >= 0 && l <= 1) && Math.abs(sizes.reduce((a, b) => a + b, 0) - 1) < 1e-9 && n > 1 && sizes.some((l) => l < 1 && l > 0)) {
    sizes = sizes.map((f) => Math.floor(n * f));
    let rem = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rem > 0; i = (i + 1) % sizes.length, rem--) sizes[i]++;
  }
  sizes.forEach((l, i) => checkInt(`lengths[${i}]`, l, 0));
  if (sizes.reduce((a, b) => a + b, 0) !== n)
    invalidArg('lengths', `lengths summing to the dataset size (${n})`, lengths);
  const perm = randperm(n, seededRandom(opts.seed ?? freshSeed()));
  const out: Subset<T>[] = [];
  let off = 0;
  for (const l of sizes) {
    out.push(new Subset(dataset, perm.slice(off, off + l)));
    off += l;
  }
  return out;
}

export interface DataLoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  /** Seed for the shuffle order (default: drawn from torch's generator each epoch). */
  seed?: number;
}
/** Iterates batches; each iteration (epoch) reshuffles when shuffle is true. */
export class DataLoader<T = [Tensor, Tensor]> implements Iterable<T> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private epoch = 0;
  constructor(readonly dataset: Dataset<T>, private opts: DataLoaderOptions = {}) {
    checkOptions('opts', this.opts);
    checkDataset('dataset', dataset);
    this.batchSize = checkInt('batchSize', opts.batchSize ?? 1, 1);
    this.shuffle = !!opts.shuffle;
    this.dropLast = !!opts.dropLast;
  }
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  /** The shuffle state (epochs started so far; a seeded loader's order depends only on it), to resume
   * training exactly. An unseeded loader draws its seeds from torch's generator (see getRngState). */
  stateDict(): { epoch: number } {
    return { epoch: this.epoch };
  }
  loadStateDict(state: { epoch: number }): void {
    this.epoch = checkInt('state.epoch', state?.epoch, 0);
  }
  *[Symbol.iterator](): Iterator<T> {
    const n = this.dataset.length;
    const seed = this.opts.seed !== undefined ? (this.opts.seed + this.epoch * 7919) >>> 0 : freshSeed();
    this.epoch++;
    const order = this.shuffle ? randperm(n, seededRandom(seed)) : Array.from({ length: n }, (_, i) => i);
    for (let b = 0; b < this.length; b++) {
      const idx = order.slice(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      if (this.dataset.getBatch) yield this.dataset.getBatch(idx);
      else yield stack(idx.map((i) => this.dataset.get(i))) as T;
    }
  }
}
