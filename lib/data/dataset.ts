// lib/data/dataset.ts — datasets and loading: the Dataset protocol (length + get, optional fast
// getBatch), TensorDataset, ImageDataset (uint8 images -> float tensors through toTensor/normalize),
// Subset, randomSplit (seeded) and DataLoader (batchSize, shuffle, dropLast; last partial batch kept).
import { invalidArg, checkInt, typeArg, shapeError, checkOptionKeys, noExtraArgs } from '../errors';
import { Tensor, DType, TypedArray } from '../tensor';
import { fromBuffer } from '../creation';
import { tidy } from '../memory';
import { Generator, checkGenerator, randpermJs } from '../random';
import { defaultCollate, SampleDtypes } from './collate';
import { Transform, ToTensor, Normalize, TransformSpec, specOf, transformFromSpec } from './transforms';
import { Image } from './image';

export interface Dataset<T = [Tensor, Tensor]> {
  readonly length: number;
  get(i: number): T;
  /** Optional fast path used by DataLoader (with the default collation): the collated batch for these indices. */
  getBatch?(indices: number[]): T;
  /** Optional: the dtypes of the number fields of a sample, e.g. `[null, 'int64']` (see defaultCollate). */
  readonly dtypes?: SampleDtypes;
  /** Optional: how DataLoader worker threads build this dataset (numWorkers > 0). */
  workerSpec?(): WorkerDatasetSpec;
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
export function checkDataset(name: string, d: unknown): void {
  const o = d as { length?: unknown; get?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.get !== 'function' || typeof o.length !== 'number' || !Number.isInteger(o.length) || o.length < 0)
    typeArg(name, 'a dataset (an object with length and get(i))', d);
}
/** An index into a dataset of `length` items. */
export function checkIndex(name: string, i: unknown, length: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) typeArg(name, 'an integer index', i);
  if (!((i as number) >= 0 && (i as number) < length)) invalidArg(name, `an index in [0, ${length - 1}]`, i);
  return i as number;
}
function checkIndices(name: string, v: unknown): number[] {
  if (!Array.isArray(v)) typeArg(name, 'an array of indices', v);
  return v as number[];
}


/** The datasets of tensors: item i is [t[i] for each tensor], all tensors sharing their first dimension. */
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
    checkIndex('index', i, this.length);
    return this.tensors.map((t) => t.index(i).clone());
  }
  /** How DataLoader workers get this dataset: its tensors copied once into SharedArrayBuffers that every worker reads. */
  workerSpec(): WorkerDatasetSpec {
    return { module: __filename, export: 'sharedTensorDataset', args: [this.tensors.map(shareTensor)] };
  }
}

/** A tensor's bytes in a SharedArrayBuffer (to cross to worker threads without a copy per worker). */
interface SharedTensor {
  buffer: SharedArrayBuffer;
  dtype: DType;
  shape: number[];
}
const ARRAYS: Record<DType, { new (b: ArrayBufferLike, off?: number, len?: number): TypedArray; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array,
};
function shareTensor(t: Tensor): SharedTensor {
  const a = t.toArray();
  const buffer = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return { buffer, dtype: t.dtype, shape: t.shape.slice() };
}
/** A TensorDataset read straight from shared memory (what a worker builds from TensorDataset.workerSpec). */
class SharedTensorDataset implements Dataset<Tensor[]> {
  readonly length: number;
  constructor(private readonly parts: SharedTensor[]) {
    this.length = parts[0].shape[0];
  }
  private rows(indices: number[], withBatchDim: boolean): Tensor[] {
    return this.parts.map(({ buffer, dtype, shape }) => {
      const C = ARRAYS[dtype];
      const per = shape.slice(1).reduce((a, b) => a * b, 1);
      const all = new C(buffer);
      const out = new C(new ArrayBuffer(per * indices.length * C.BYTES_PER_ELEMENT));
      indices.forEach((i, k) => {
        checkIndex('index', i, this.length);
        (out as Float32Array).set((all as Float32Array).subarray(i * per, i * per + per), k * per);
      });
      return fromBuffer(out, withBatchDim ? [indices.length, ...shape.slice(1)] : shape.slice(1), { dtype });
    });
  }
  get(i: number): Tensor[] {
    return this.rows([i], false);
  }
  getBatch(indices: number[]): Tensor[] {
    return this.rows(checkIndices('indices', indices), true);
  }
}
/** @internal The worker side of TensorDataset.workerSpec. */
export function sharedTensorDataset(parts: SharedTensor[]): Dataset<Tensor[]> {
  return new SharedTensorDataset(parts);
}

/** The concatenation of datasets: indices run through the first, then the second, ... */
export class ConcatDataset<T = unknown> implements Dataset<T> {
  readonly datasets: Dataset<T>[];
  readonly cumulativeSizes: number[];
  readonly length: number;
  constructor(datasets: Dataset<T>[], ...rest: never[]) {
    noExtraArgs('ConcatDataset', 'datasets', rest);
    if (!Array.isArray(datasets) || !datasets.length) typeArg('datasets', 'a non-empty array of datasets', datasets);
    datasets.forEach((d, i) => checkDataset(`datasets[${i}]`, d));
    this.datasets = datasets.slice();
    let s = 0;
    this.cumulativeSizes = datasets.map((d) => (s += d.length));
    this.length = s;
  }
  get(i: number): T {
    checkIndex('index', i, this.length);
    let d = 0;
    while (i >= this.cumulativeSizes[d]) d++;
    return this.datasets[d].get(d ? i - this.cumulativeSizes[d - 1] : i);
  }
  workerSpec(): WorkerDatasetSpec {
    return { module: __filename, export: 'concatFromSpecs', args: [this.datasets.map((d, i) => workerSpecOf(d, `datasets[${i}]`))] };
  }
}
/** @internal The worker side of ConcatDataset.workerSpec. */
export async function concatFromSpecs(specs: WorkerDatasetSpec[]): Promise<ConcatDataset> {
  return new ConcatDataset(await Promise.all(specs.map(datasetFromSpec)));
}

/**
 * How a DataLoader worker thread builds its own copy of a dataset: `require(module)[export](...args)`
 * (the export may also be the dataset itself, or a Promise of it). `module` is an absolute path or a
 * package name; `args` must survive structured cloning (numbers, strings, arrays, plain objects,
 * typed arrays, SharedArrayBuffers). The default export is `createDataset`.
 */
export interface WorkerDatasetSpec {
  module: string;
  export?: string;
  args?: unknown[];
}
/** The worker spec of a dataset (its workerSpec() method), or a coded error saying how to give one. */
export function workerSpecOf(d: unknown, name = 'dataset'): WorkerDatasetSpec {
  const f = (d as { workerSpec?: unknown }).workerSpec;
  if (typeof f !== 'function')
    invalidArg(
      name,
      'a dataset that worker threads can build (numWorkers > 0): a torchlet dataset of tensors, images or files, one with a workerSpec() method, ' +
        'or give the DataLoader option workerDataset: {module, export, args} naming a module whose export builds the dataset in each worker',
      d,
    );
  return (f as () => WorkerDatasetSpec).call(d);
}
/** Whatever a worker spec builds: `require(module)[export](...args)` awaited (not checked). */
export async function buildFromSpec(spec: WorkerDatasetSpec): Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require(spec.module) as Record<string, unknown>;
  const name = spec.export ?? 'createDataset';
  const f = m[name] ?? (name === 'createDataset' ? (m.default ?? m) : undefined);
  if (f === undefined) invalidArg('workerDataset.export', `an export of ${spec.module}`, name);
  return typeof f === 'function' ? await (f as (...a: unknown[]) => unknown)(...(spec.args ?? [])) : await f;
}
/** Builds a dataset from a worker spec (what each DataLoader worker does). */
export async function datasetFromSpec(spec: WorkerDatasetSpec): Promise<Dataset<unknown>> {
  const d = await buildFromSpec(spec);
  checkDataset(`the dataset built by ${spec.module}#${spec.export ?? 'createDataset'}`, d);
  return d as Dataset<unknown>;
}

export type ImageTransform = ((x: Tensor) => Tensor) & { mean?: number[]; std?: number[]; kind?: string; parts?: ImageTransform[] };
/**
 * The functional ToTensor: a uint8 image tensor [H, W, C] or [H, W] (or an Image) to float32
 * [C, H, W] in [0, 1] (transforms.ToTensor). In an ImageDataset, whose pixels become floats in [0, 1]
 * anyway, a leading toTensor() is that conversion.
 */
export function toTensor(): ImageTransform {
  const t = new ToTensor();
  const f = ((x: Tensor) => t.forward(x)) as ImageTransform;
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
  f.parts = fs.slice();
  const norm = fs.filter((g) => g.kind === 'normalize');
  if (fs.every((g) => g.kind === 'normalize' || g.kind === 'toTensor') && norm.length <= 1) {
    f.kind = norm.length ? 'normalize' : 'toTensor';
    f.mean = norm[0]?.mean;
    f.std = norm[0]?.std;
  }
  return f;
}

/**
 * Grayscale uint8 images [n, H, W] with labels; items are [image, int64 label]. With a transform object
 * (torch.data.transforms, e.g. Compose([RandomCrop(28, {padding: 4}), ToTensor(), Normalize(...)])),
 * each image goes through it as an Image of mode 'L' (torchvision's FashionMNIST gives PIL images),
 * one sample at a time. With no transform or the functional toTensor()/normalize()/compose(), the
 * pixels become float32 [1, H, W] in [0, 1], normalised in the same pass, a batch at a time; another
 * function gets that float batch (a leading toTensor() in a compose() is that conversion).
 */
export class ImageDataset implements Dataset<[Tensor, Tensor]> {
  readonly length: number;
  private shared?: { images: SharedArrayBuffer; labels: SharedArrayBuffer };
  constructor(
    readonly images: Uint8Array,
    readonly labels: Uint8Array,
    readonly imageShape: [number, number],
    readonly transform?: ImageTransform | Transform,
  ) {
    const isBytes = (v: unknown) => Object.prototype.toString.call(v) === '[object Uint8Array]';
    if (!isBytes(images)) typeArg('images', 'a Uint8Array of pixels', images);
    if (!isBytes(labels)) typeArg('labels', 'a Uint8Array of labels', labels);
    if (!Array.isArray(imageShape) || imageShape.length !== 2) typeArg('imageShape', 'an array [H, W]', imageShape);
    imageShape.forEach((s, i) => checkInt(`imageShape[${i}]`, s, 1));
    if (transform !== undefined && typeof transform !== 'function' && !(transform instanceof Transform)) typeArg('transform', 'a transform or a function', transform);
    const per = imageShape[0] * imageShape[1];
    if (images.length !== labels.length * per) invalidArg('images', `${labels.length} images of ${per} pixels`, images.length);
    this.length = labels.length;
  }
  /** Image i as an Image of mode 'L' (the pixels, not copied). */
  image(i: number): Image {
    checkIndex('index', i, this.length);
    const [H, W] = this.imageShape;
    return new Image(this.images.subarray(i * H * W, (i + 1) * H * W), W, H, 'L');
  }
  get(i: number): [Tensor, Tensor] {
    if (this.transform instanceof Transform) {
      const x = this.transform.forward(this.image(i));
      if (!(x instanceof Tensor)) typeArg('transform', 'a transform whose result is a tensor (end it with ToTensor())', x);
      return [x, fromBuffer(new BigInt64Array([BigInt(this.labels[i])]), [])];
    }
    const [x, y] = this.getBatch([i]);
    return [x.squeeze(0), y.squeeze(0)];
  }
  /** One pass over the pixels: scale, and normalise in the same loop when the transform allows. */
  getBatch(indices: number[]): [Tensor, Tensor] {
    checkIndices('indices', indices);
    if (this.transform instanceof Transform) return defaultCollate(indices.map((i) => this.get(i))) as [Tensor, Tensor];
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
      const rest = t.parts && t.parts[0]?.kind === 'toTensor' ? t.parts.slice(1) : null;
      x = tidy(() => (rest ? rest.reduce((y, g) => g(y), x) : t(x)));
    }
    return [x, fromBuffer(lab, [indices.length])];
  }
  /** Workers share the pixels and labels (SharedArrayBuffers, copied once) and rebuild the transform from its spec. */
  workerSpec(): WorkerDatasetSpec {
    const transform = specOf(this.transform);
    if (!this.shared) {
      const share = (a: Uint8Array) => {
        const b = new SharedArrayBuffer(a.length);
        new Uint8Array(b).set(a);
        return b;
      };
      this.shared = { images: share(this.images), labels: share(this.labels) };
    }
    return { module: __filename, export: 'imageDatasetFromSpec', args: [this.shared.images, this.shared.labels, this.imageShape, transform] };
  }
}
/** @internal The worker side of ImageDataset.workerSpec. */
export function imageDatasetFromSpec(images: SharedArrayBuffer, labels: SharedArrayBuffer, shape: [number, number], transform: TransformSpec | null): ImageDataset {
  const t = transformFromSpec(transform);
  const legacy = transform && transform.type === 'Normalize' && !(t as Normalize).inplace ? normalize((t as Normalize).mean, (t as Normalize).std) : undefined;
  return new ImageDataset(new Uint8Array(images), new Uint8Array(labels), shape, legacy ?? t);
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
    return defaultCollate(mapped.map((i) => this.dataset.get(i)), this.dtypes) as T;
  }
  get dtypes(): SampleDtypes {
    return (this.dataset as { dtypes?: SampleDtypes }).dtypes;
  }
  workerSpec(): WorkerDatasetSpec {
    return { module: __filename, export: 'subsetFromSpec', args: [workerSpecOf(this.dataset), this.indices] };
  }
}
/** @internal The worker side of Subset.workerSpec. */
export async function subsetFromSpec(spec: WorkerDatasetSpec, indices: number[]): Promise<Subset<unknown>> {
  return new Subset(await datasetFromSpec(spec), indices);
}

/** Splits a dataset into non-overlapping subsets of the given lengths (or fractions summing to 1). */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], opts: { seed?: number; generator?: Generator } = {}): Subset<T>[] {
  opts = checkOptionKeys('opts', opts, ['seed', 'generator']);
  const gen = checkGenerator('generator', opts.generator);
  if (opts.seed !== undefined) checkInt('seed', opts.seed, 0);
  if (gen && opts.seed !== undefined) invalidArg('opts', 'either seed or generator, not both', opts);
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
  const perm = opts.seed !== undefined ? randperm(n, seededRandom(opts.seed)) : randpermJs(n, gen);
  const out: Subset<T>[] = [];
  let off = 0;
  for (const l of sizes) {
    out.push(new Subset(dataset, perm.slice(off, off + l)));
    off += l;
  }
  return out;
}
