// lib/data/vision.ts — what the torchvision-style datasets (MNIST, KMNIST, EMNIST, CIFAR10,
// CIFAR100) share: torchvision's VisionDataset surface and argument handling.
//
// Contract:
//   rootAndOpts(fn, root, opts, rest, keys) accepts torchvision's positional root as well as
//   {root} in the options: (root: string, opts?) or (opts?); root given twice, an unknown option
//   key, a value of the wrong type or an extra positional argument is a coded error naming it.
//   datasetsCacheDir() is the default root: $TORCHLET_HOME/datasets, else
//   ${XDG_CACHE_HOME:-~/.cache}/torchlet/datasets.
//   VisionDataset holds uint8 pixels `images` (length * H * W * C, HWC per image) and integer
//   `labels` (one per image); get(i) returns [transform(Image), targetTransform(label)] as
//   torchvision's __getitem__ (the Image, mode 'L' or 'RGB', is a view of the pixels); `data` is a
//   uint8 tensor [N, H, W] (or [N, H, W, C]) made on first use; `classToIdx`; toString() is
//   torchvision's repr ("Dataset MNIST\n    Number of datapoints: ...\n    Root location: ...\n
//   Split: Train"); dtypes [null, 'int64'] (labels collate as int64); workerSpec() shares the
//   pixels with DataLoader worker threads (SharedArrayBuffers) and rebuilds the transforms there.
//   writeFileAtomic(dest, bytes) writes a temporary file next to dest and renames it onto dest,
//   so a failure never leaves a partial file in place of a good one.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TorchletError, typeArg, invalidArg, checkOptionKeys, noExtraArgs, errorMessage } from '../errors';
import { Tensor } from '../tensor';
import { fromBuffer } from '../creation';
import { makeDirs } from '../serialize';
import { checkIndex, WorkerDatasetSpec } from './dataset';
import { Image, ImageMode } from './image';
import { Transform, TransformLike, TransformSpec, specOf, transformFromSpec } from './transforms';
import type { SampleDtypes } from './collate';

/** The options every torchvision-style dataset takes. */
export interface VisionDatasetOptions {
  /** Directory the dataset lives under (torchvision's `root`); default datasetsCacheDir(). */
  root?: string | undefined;
  /** Training split when true (default), test split when false. */
  train?: boolean | undefined;
  /** create() downloads missing files when true (default true). The constructor never downloads. */
  download?: boolean | undefined;
  /** Applied to each image (an Image), e.g. transforms.Compose([...ToTensor()]). */
  transform?: TransformLike | undefined;
  /** Applied to each target (a class index). */
  targetTransform?: TransformLike | undefined;
  /** Directory URL the files are under, in place of the official mirrors. */
  baseUrl?: string | undefined;
  /**
   * Default true: downloads must carry the official md5s and the splits the official sizes;
   * false accepts any well-formed files (custom mirrors, subsets, test fixtures).
   */
  verifyMd5?: boolean | undefined;
  /** Download inactivity timeout in ms (default 30000). */
  timeoutMs?: number | undefined;
}

export const VISION_OPTION_KEYS = ['root', 'train', 'download', 'transform', 'targetTransform', 'baseUrl', 'verifyMd5', 'timeoutMs'];

/** The default root of the datasets: $TORCHLET_HOME/datasets, else ${XDG_CACHE_HOME:-~/.cache}/torchlet/datasets. */
export function datasetsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TORCHLET_HOME) return path.join(env.TORCHLET_HOME, 'datasets');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'torchlet', 'datasets');
}

/** (root?, opts?) as torchvision's (root, **kwargs) or an options object alone; checked, root resolved. */
export function rootAndOpts<O extends VisionDatasetOptions>(fn: string, root: unknown, opts: unknown, rest: readonly unknown[], keys: readonly string[]): O & { root: string } {
  noExtraArgs(fn, 'root, opts', rest);
  let o: Record<string, unknown>;
  if (root !== undefined && typeof root === 'object' && root !== null && !Array.isArray(root) && opts === undefined) {
    o = root as Record<string, unknown>;
  } else {
    if (root !== undefined && (typeof root !== 'string' || !root)) typeArg('root', 'a directory path (or an options object)', root);
    if (opts !== undefined && (typeof opts !== 'object' || opts === null || Array.isArray(opts))) typeArg('opts', 'an options object', opts);
    o = { ...((opts as Record<string, unknown>) ?? {}) };
    if (root !== undefined) {
      if (o.root !== undefined) invalidArg('opts.root', 'absent when root is given as the first argument', o.root);
      o.root = root;
    }
  }
  checkOptionKeys('opts', o, keys);
  for (const k of ['root', 'baseUrl'])
    if (o[k] !== undefined && (typeof o[k] !== 'string' || !o[k])) typeArg(`opts.${k}`, 'a non-empty string', o[k]);
  for (const k of ['train', 'download', 'verifyMd5'])
    if (o[k] !== undefined && typeof o[k] !== 'boolean') typeArg(`opts.${k}`, 'a boolean', o[k]);
  for (const k of ['transform', 'targetTransform'])
    if (o[k] !== undefined && typeof o[k] !== 'function' && !(o[k] instanceof Transform)) typeArg(`opts.${k}`, 'a transform or a function', o[k]);
  if (o.timeoutMs !== undefined && (typeof o.timeoutMs !== 'number' || !(o.timeoutMs > 0)))
    typeArg('opts.timeoutMs', 'a positive number of milliseconds', o.timeoutMs);
  return { ...o, root: path.resolve((o.root as string | undefined) ?? datasetsCacheDir()) } as O & { root: string };
}

/** Directory URL with a trailing slash. */
export function withSlash(base: string): string {
  return base.endsWith('/') ? base : base + '/';
}

export function md5Hex(b: Uint8Array): string {
  return crypto.createHash('md5').update(b).digest('hex');
}

export function badFile(message: string): TorchletError {
  return new TorchletError(`torchlet: ${message}`, 'ERR_TORCHLET_BAD_FILE');
}

/** Writes bytes to a temporary file beside dest, then renames it onto dest (never a partial dest). */
export function writeFileAtomic(dest: string, data: Uint8Array): void {
  makeDirs(path.dirname(dest));
  const tmp = `${dest}.part-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  try {
    fs.writeFileSync(tmp, data, { flag: 'wx', mode: 0o644 });
    fs.renameSync(tmp, dest);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw new TorchletError(`torchlet: cannot write ${dest}: ${errorMessage(e)}`, 'ERR_TORCHLET_IO');
  }
}

/** An existing regular file? */
export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function applyTransform(t: TransformLike, x: unknown): unknown {
  return t instanceof Transform ? t.forward(x) : (t as (y: unknown) => unknown)(x);
}

/** The common part of the torchvision-style image datasets (see the contract above). */
export abstract class VisionDataset {
  readonly root: string;
  readonly train: boolean;
  readonly transform?: TransformLike;
  readonly targetTransform?: TransformLike;
  /** Number of images. */
  readonly length: number;
  /** length * H * W * C uint8 pixels, image i at i * H * W * C (HWC). */
  readonly images: Uint8Array;
  /** length class indices. */
  readonly labels: Uint8Array;
  readonly classes: string[];
  /** [H, W] of every image. */
  readonly imageShape: [number, number];
  readonly mode: ImageMode;
  readonly dtypes: SampleDtypes = [null, 'int64'];
  private dataTensor?: Tensor;

  protected constructor(
    o: { root: string; train?: boolean | undefined; transform?: TransformLike | undefined; targetTransform?: TransformLike | undefined },
    loaded: { images: Uint8Array; labels: Uint8Array; classes: string[]; imageShape: [number, number]; mode: ImageMode },
  ) {
    this.root = o.root;
    this.train = o.train ?? true;
    if (o.transform !== undefined) this.transform = o.transform;
    if (o.targetTransform !== undefined) this.targetTransform = o.targetTransform;
    this.images = loaded.images;
    this.labels = loaded.labels;
    this.length = loaded.labels.length;
    this.classes = loaded.classes;
    this.imageShape = loaded.imageShape;
    this.mode = loaded.mode;
  }

  /** {className: index}, as torchvision's class_to_idx. */
  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  /** The pixels as a uint8 tensor [N, H, W] (grayscale) or [N, H, W, C], made once, on first use. */
  get data(): Tensor {
    if (!this.dataTensor) {
      const [H, W] = this.imageShape;
      const shape = this.mode === 'L' ? [this.length, H, W] : [this.length, H, W, this.images.length / Math.max(1, this.length * H * W)];
      this.dataTensor = fromBuffer(this.images.slice(), shape, { dtype: 'uint8' });
    }
    return this.dataTensor;
  }

  /** Image i (a view of the pixels), as torchvision's Image.fromarray. */
  image(i: number): Image {
    checkIndex('index', i, this.length);
    const [H, W] = this.imageShape;
    const per = this.images.length / Math.max(1, this.length);
    return new Image(this.images.subarray(i * per, (i + 1) * per), W, H, this.mode);
  }

  /** [transform(image i), targetTransform(label i)]; without transforms [Image, number]. */
  get(i: number): [unknown, unknown] {
    const img = this.image(i);
    const target = this.labels[i] as number;
    return [this.transform ? applyTransform(this.transform, img) : img, this.targetTransform ? applyTransform(this.targetTransform, target) : target];
  }

  /** torchvision's "Split: Train" / "Split: Test". */
  extraRepr(): string {
    return `Split: ${this.train ? 'Train' : 'Test'}`;
  }

  /** torchvision's repr of a dataset. */
  toString(): string {
    const body = [`Number of datapoints: ${this.length}`, `Root location: ${this.root}`, ...this.extraRepr().split('\n')];
    if (this.transform) body.push(`StandardTransform`, `Transform: ${String(this.transform)}`);
    if (this.targetTransform) {
      if (!this.transform) body.push('StandardTransform');
      body.push(`Target transform: ${String(this.targetTransform)}`);
    }
    return [`Dataset ${this.constructor.name}`, ...body.map((l) => `    ${l}`)].join('\n');
  }

  /** DataLoader worker threads share the pixels and labels and rebuild the transforms from their specs. */
  workerSpec(): WorkerDatasetSpec {
    const share = (a: Uint8Array) => {
      const b = new SharedArrayBuffer(a.length);
      new Uint8Array(b).set(a);
      return b;
    };
    const fields = { root: this.root, train: this.train, classes: this.classes, imageShape: this.imageShape, mode: this.mode, extra: this.workerExtra() };
    return {
      module: __filename,
      export: 'visionDatasetFromSpec',
      args: [this.constructor.name, this.workerModule(), share(this.images), share(this.labels), fields, specOf(this.transform, 'transform'), specOf(this.targetTransform, 'targetTransform')],
    };
  }
  /** @internal The module exporting this class (for workers). */
  protected abstract workerModule(): string;
  /** @internal Own fields a worker copy needs besides the common ones. */
  protected workerExtra(): Record<string, unknown> {
    return {};
  }
}

/** @internal The worker side of VisionDataset.workerSpec: the same pixels, no file read. */
export function visionDatasetFromSpec(
  className: string,
  module: string,
  images: SharedArrayBuffer,
  labels: SharedArrayBuffer,
  fields: { root: string; train: boolean; classes: string[]; imageShape: [number, number]; mode: ImageMode; extra: Record<string, unknown> },
  transform: TransformSpec | null,
  targetTransform: TransformSpec | null,
): VisionDataset {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const C = (require(module) as Record<string, unknown>)[className] as { prototype: object } | undefined;
  if (!C) invalidArg('className', `a dataset class exported by ${module}`, className);
  const ds = Object.create(C.prototype) as VisionDataset;
  const lab = new Uint8Array(labels);
  Object.assign(ds, {
    root: fields.root, train: fields.train, classes: fields.classes, imageShape: fields.imageShape, mode: fields.mode,
    images: new Uint8Array(images), labels: lab, length: lab.length, dtypes: [null, 'int64'], ...fields.extra,
  });
  const t = transformFromSpec(transform);
  const tt = transformFromSpec(targetTransform);
  if (t) Object.assign(ds, { transform: t });
  if (tt) Object.assign(ds, { targetTransform: tt });
  return ds;
}
