// lib/data/folder.ts — torchvision.datasets.ImageFolder: images arranged one directory per class
// (root/<class>/**/<file>.png|.jpg|.jpeg). As torchvision 0.14: `classes` are the sorted names of
// root's subdirectories, `classToIdx` maps each to its index, `samples` (alias `imgs`) lists
// [path, classIndex] class by class, each class's directory tree walked in sorted order (files
// sorted, symbolic links followed), keeping files whose extension (case-insensitive) is one of
// `extensions` (or that `isValidFile` accepts); a class without any image is an error. get(i) decodes
// the file (readImage, mode RGB, as torchvision's default PIL loader) and applies `transform` to the
// image and `targetTransform` to the class index. Labels collate as int64 (dtypes [null, 'int64']).
import * as fs from 'fs';
import * as path from 'path';
import { TorchletError, checkOptionKeys, typeArg, withIo, noExtraArgs } from '../errors';
import { Dataset, WorkerDatasetSpec, checkIndex } from './dataset';
import { Image, readImage } from './image';
import { TransformLike, TransformSpec, Transform, specOf, transformFromSpec } from './transforms';
import type { SampleDtypes } from './collate';

/** The extensions torchlet decodes (PNG through pngjs, JPEG through jpeg-js). */
export const IMG_EXTENSIONS = ['.jpg', '.jpeg', '.png'];

export interface ImageFolderOptions {
  /** Applied to each image (an Image, mode RGB), e.g. a transforms.Compose ending in ToTensor(). */
  transform?: TransformLike;
  /** Applied to each class index. */
  targetTransform?: TransformLike;
  /** Reads a file into a sample (default: readImage(path), an RGB Image). */
  loader?: (path: string) => unknown;
  /** Which files are samples (default: the extensions in IMG_EXTENSIONS). */
  isValidFile?: (path: string) => boolean;
}

function notFound(message: string): never {
  throw new TorchletError(`torchlet: ${message}`, 'ERR_TORCHLET_IO');
}

/** Walks `dir` (following links, never entering a directory twice): [dirpath, sorted file names] per directory, sorted by dirpath as os.walk + sorted(). */
function walk(dir: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  const seen = new Set<string>();
  const visit = (d: string) => {
    const real = withIo(`cannot read ${d}`, () => fs.realpathSync(d));
    if (seen.has(real)) return;
    seen.add(real);
    const files: string[] = [];
    for (const e of withIo(`cannot read ${d}`, () => fs.readdirSync(d, { withFileTypes: true }))) {
      const p = path.join(d, e.name);
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        try {
          isDir = fs.statSync(p).isDirectory();
        } catch {
          continue; // a dangling link
        }
      }
      if (isDir) visit(p);
      else files.push(e.name);
    }
    out.push([d, files.sort(cmp)]);
  };
  visit(dir);
  return out.sort((a, b) => cmp(a[0], b[0]));
}
/** Python's string order (code points). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class ImageFolder implements Dataset<[unknown, unknown]> {
  readonly root: string;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly samples: [string, number][];
  readonly targets: number[];
  readonly transform?: TransformLike;
  readonly targetTransform?: TransformLike;
  readonly loader: (path: string) => unknown;
  readonly dtypes: SampleDtypes = [null, 'int64'];
  private readonly customLoader: boolean;

  constructor(root: string, opts: ImageFolderOptions = {}, ...rest: never[]) {
    noExtraArgs('ImageFolder', 'root, opts', rest);
    if (typeof root !== 'string' || !root) typeArg('root', 'a directory path', root);
    opts = checkOptionKeys('opts', opts, ['transform', 'targetTransform', 'loader', 'isValidFile']);
    for (const k of ['transform', 'targetTransform'] as const)
      if (opts[k] !== undefined && typeof opts[k] !== 'function' && !(opts[k] instanceof Transform)) typeArg(k, 'a transform or a function', opts[k]);
    for (const k of ['loader', 'isValidFile'] as const) if (opts[k] !== undefined && typeof opts[k] !== 'function') typeArg(k, 'a function of a path', opts[k]);
    this.root = root;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    this.customLoader = opts.loader !== undefined;
    this.loader = opts.loader ?? ((p: string) => readImage(p));
    const st = withIo(`cannot read ${root}`, () => fs.statSync(root));
    if (!st.isDirectory()) notFound(`${root} is not a directory`);
    const classes = withIo(`cannot read ${root}`, () => fs.readdirSync(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory() || (e.isSymbolicLink() && fs.statSync(path.join(root, e.name), { throwIfNoEntry: false })?.isDirectory()))
      .map((e) => e.name)
      .sort(cmp);
    if (!classes.length) notFound(`Couldn't find any class folder in ${root}.`);
    this.classes = classes;
    this.classToIdx = Object.fromEntries(classes.map((c, i) => [c, i]));
    const valid = opts.isValidFile ?? ((p: string) => IMG_EXTENSIONS.includes(path.extname(p).toLowerCase()));
    const samples: [string, number][] = [];
    const empty: string[] = [];
    classes.forEach((c, idx) => {
      const before = samples.length;
      for (const [d, files] of walk(path.join(root, c)))
        for (const f of files) {
          const p = path.join(d, f);
          if (valid(p)) samples.push([p, idx]);
        }
      if (samples.length === before) empty.push(c);
    });
    if (empty.length)
      notFound(`Found no valid file for the classes ${empty.join(', ')}. ${opts.isValidFile ? '' : `Supported extensions are: ${IMG_EXTENSIONS.join(', ')}`}`.trim());
    this.samples = samples;
    this.targets = samples.map(([, t]) => t);
  }
  get length(): number {
    return this.samples.length;
  }
  /** torchvision's alias of samples. */
  get imgs(): [string, number][] {
    return this.samples;
  }
  /** [transform(loader(path)), targetTransform(classIndex)]. */
  get(i: number): [unknown, unknown] {
    checkIndex('index', i, this.samples.length);
    const [p, target] = this.samples[i];
    let sample = this.loader(p);
    if (this.transform) sample = this.transform instanceof Transform ? this.transform.forward(sample) : (this.transform as (x: unknown) => unknown)(sample);
    const t = this.targetTransform
      ? this.targetTransform instanceof Transform ? this.targetTransform.forward(target) : (this.targetTransform as (x: unknown) => unknown)(target)
      : target;
    return [sample, t];
  }
  /** Workers get the file list and rebuild the transforms from their specs (a custom loader or plain functions cannot cross: use workerDataset). */
  workerSpec(): WorkerDatasetSpec {
    if (this.customLoader) return specOf(this.loader, 'loader') as never;
    return {
      module: __filename,
      export: 'imageFolderFromSpec',
      args: [this.root, this.classes, this.samples, specOf(this.transform, 'transform'), specOf(this.targetTransform, 'targetTransform')],
    };
  }
}

/** @internal The worker side of ImageFolder.workerSpec: the same samples, no new directory scan. */
export function imageFolderFromSpec(root: string, classes: string[], samples: [string, number][], transform: TransformSpec | null, targetTransform: TransformSpec | null): Dataset<[unknown, unknown]> {
  const ds = Object.create(ImageFolder.prototype) as ImageFolder;
  Object.assign(ds, {
    root, classes, samples, targets: samples.map(([, t]) => t), classToIdx: Object.fromEntries(classes.map((c, i) => [c, i])),
    transform: transformFromSpec(transform), targetTransform: transformFromSpec(targetTransform), loader: (p: string): Image => readImage(p),
    dtypes: [null, 'int64'], customLoader: false,
  });
  return ds;
}
