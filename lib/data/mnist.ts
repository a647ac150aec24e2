// lib/data/mnist.ts — torchvision's MNIST family (MNIST, KMNIST, EMNIST) and the IDX-dataset
// machinery FashionMNIST (lib/data/fashion_mnist.ts) shares with them.
//
// Contract:
//   new MNIST(root?, {train = true, transform, targetTransform, download, baseUrl, verifyMd5 = true,
//   timeoutMs}) synchronously loads the split's two IDX files from root/MNIST/raw (torchvision's
//   layout, root/<ClassName>/raw; each file may be gzipped NAME.gz or plain NAME, as torchvision
//   extracts them) and never touches the network: missing files are ERR_TORCHLET_IO naming them
//   and saying how to get them. `await MNIST.create(root?, opts)` first downloads the missing .gz
//   files (download defaults to true) from opts.baseUrl, else $TORCHLET_<NAME>_URL, else
//   torchvision's mirrors in order (the next mirror is tried when one fails), each atomically
//   (lib/data/download.ts), md5-checked against torchvision's md5 (verifyMd5) and IDX-checked.
//   The default root is datasetsCacheDir() (lib/data/vision.ts). KMNIST is the same with its own
//   mirror, md5s and classes. EMNIST requires opts.split (byclass | bymerge | balanced | letters |
//   digits | mnist) and reads raw/emnist-<split>-<train|test>-{images-idx3,labels-idx1}-ubyte[.gz];
//   create() downloads torchvision's gzip.zip into raw (md5-checked), then extracts its gzip/*.gz
//   members into raw (each written atomically). Images are not transposed (as torchvision).
//   With verifyMd5 a split must have the official number of images and a file declaring more
//   than that is refused before it is decompressed. Labels must index `classes`.
//   Items (get(i)) are [Image mode 'L' 28x28, or transform(image); label, or targetTransform(label)];
//   `data` is a uint8 tensor [N, 28, 28], `targets` an int64 tensor [N], `classes` torchvision's.
//   Wrong files are ERR_TORCHLET_BAD_FILE, bad arguments ERR_TORCHLET_INVALID_ARG(_TYPE).
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { TorchletError, invalidArg, errorMessage, withIo } from '../errors';
import { Tensor } from '../tensor';
import { fromBuffer } from '../creation';
import { downloadFile } from './download';
import { readIdx, readIdxFile } from './idx';
import { readZip } from './archive';
import { VisionDataset, VisionDatasetOptions, VISION_OPTION_KEYS, rootAndOpts, withSlash, md5Hex, badFile, writeFileAtomic, isFile } from './vision';

export const MNIST_IMAGE_SIZE = 28;

/** One split's two files (their .gz names) and its official size. */
export interface IdxSplit {
  readonly images: string;
  readonly labels: string;
  readonly count: number;
}

/** What an IDX image dataset is: its files, checksums, mirrors and classes. */
export interface IdxDatasetSpec {
  /** Name in messages, e.g. 'MNIST', 'Fashion-MNIST'. */
  readonly title: string;
  readonly train: IdxSplit;
  readonly test: IdxSplit;
  /** md5 of each .gz file as the mirrors serve it. */
  readonly md5: Readonly<Record<string, string>>;
  /** md5 of each file's uncompressed content (for mirrors that recompress), when known. */
  readonly rawMd5?: Readonly<Record<string, string>>;
  readonly classes: readonly string[];
  /** Directory URLs tried in order. */
  readonly mirrors: readonly string[];
  /** Environment variable that overrides the mirrors. */
  readonly envUrl: string;
}

/** Existing path of `gzName` in `dir`: NAME.gz, else the uncompressed NAME, else undefined. */
export function findIdxFile(dir: string, gzName: string): string | undefined {
  for (const name of [gzName, gzName.replace(/\.gz$/, '')]) {
    const p = path.join(dir, name);
    if (isFile(p)) return p;
  }
  return undefined;
}

export function missingIdxFiles(dir: string, split: IdxSplit): string[] {
  return [split.images, split.labels].filter((f) => findIdxFile(dir, f) === undefined);
}

/** The size of a split's official uncompressed IDX file (images: 3 dimensions, labels: 1). */
function idxBytes(split: IdxSplit, isImages: boolean): number {
  return isImages ? 4 + 4 * 3 + split.count * MNIST_IMAGE_SIZE * MNIST_IMAGE_SIZE : 4 + 4 + split.count;
}

function checkShape(shape: number[], isImages: boolean, source: string): void {
  const ok = isImages ? shape.length === 3 && shape[1] === MNIST_IMAGE_SIZE && shape[2] === MNIST_IMAGE_SIZE : shape.length === 1;
  if (!ok) {
    const want = isImages ? `[N, ${MNIST_IMAGE_SIZE}, ${MNIST_IMAGE_SIZE}]` : '[N]';
    throw badFile(`${source} has shape [${shape.join(', ')}], expected ${want}`);
  }
}

/** Reads and checks one split's files in `dir` (they must exist: see missingIdxFiles). */
export function loadIdxSplit(spec: IdxDatasetSpec, dir: string, train: boolean, verify: boolean): { images: Uint8Array; labels: Uint8Array } {
  const split = train ? spec.train : spec.test;
  const imgPath = findIdxFile(dir, split.images) as string;
  const lblPath = findIdxFile(dir, split.labels) as string;
  // with verifyMd5 the sizes are the official ones: decompression stops there (a gzip bomb cannot fill memory)
  const img = readIdxFile(imgPath, verify ? { maxBytes: idxBytes(split, true) } : {});
  const lbl = readIdxFile(lblPath, verify ? { maxBytes: idxBytes(split, false) } : {});
  checkShape(img.shape, true, imgPath);
  checkShape(lbl.shape, false, lblPath);
  const n = img.shape[0] ?? 0;
  if (lbl.shape[0] !== n) throw badFile(`${spec.title} count mismatch: ${imgPath} has ${n} images, ${lblPath} has ${lbl.shape[0]} labels`);
  if (verify && n !== split.count) {
    throw badFile(
      `${imgPath} has ${n} images, the official ${spec.title} ${train ? 'train' : 'test'} split has ${split.count} (pass verifyMd5: false to accept other files)`,
    );
  }
  const k = spec.classes.length;
  const bad = lbl.data.findIndex((l) => l >= k);
  if (bad >= 0) throw badFile(`${lblPath}: label ${lbl.data[bad]} at index ${bad} is not a class index 0..${k - 1}`);
  return { images: img.data, labels: lbl.data };
}

/** The checks a downloaded .gz must pass before it replaces anything (md5 with verify, IDX shape and count). */
function idxValidator(spec: IdxDatasetSpec, split: IdxSplit, name: string, verify: boolean): (tmp: string, url: string) => void {
  const isImages = name === split.images;
  return (tmp, url) => {
    const gz = fs.readFileSync(tmp);
    if (verify) {
      const got = md5Hex(gz);
      const want = spec.md5[name];
      if (got !== want) {
        // A mirror may recompress (Debian does): accept identical uncompressed content.
        const rawWant = spec.rawMd5?.[name];
        let raw: string | undefined;
        if (rawWant) {
          try {
            raw = md5Hex(zlib.gunzipSync(gz));
          } catch {
            raw = undefined;
          }
        }
        if (!rawWant || raw !== rawWant) {
          throw new TorchletError(
            `md5 mismatch: expected ${want}${rawWant ? ` (or uncompressed content ${rawWant})` : ''}, got ${got}${raw ? ` (uncompressed ${raw})` : ''}`,
            'ERR_TORCHLET_BAD_FILE',
          );
        }
      }
    }
    const { shape } = readIdx(gz, url, verify ? { maxBytes: idxBytes(split, isImages) } : {});
    checkShape(shape, isImages, url);
    if (verify && shape[0] !== split.count) throw new TorchletError(`${url} has ${shape[0]} items, expected ${split.count}`, 'ERR_TORCHLET_BAD_FILE');
  };
}

/** Downloads the named .gz files of a split into `dir`, each from the first base URL that serves a good copy. */
export async function downloadIdxFiles(
  spec: IdxDatasetSpec,
  dir: string,
  train: boolean,
  names: string[],
  bases: readonly string[],
  opts: { verify: boolean; timeoutMs?: number | undefined },
): Promise<void> {
  const split = train ? spec.train : spec.test;
  for (const name of names) {
    const errors: unknown[] = [];
    for (const base of bases) {
      try {
        await downloadFile(new URL(name, withSlash(base)).toString(), path.join(dir, name), {
          timeoutMs: opts.timeoutMs,
          maxBytes: 128 << 20, // the largest official file is 26 MB gzipped, 47 MB raw
          validate: idxValidator(spec, split, name, opts.verify),
        });
        errors.length = 0;
        break;
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new TorchletError(`torchlet: every mirror failed: ${errors.map((e) => errorMessage(e).replace(/^torchlet: /, '')).join('; ')}`, 'ERR_TORCHLET_IO');
    }
  }
}

/** The base URLs to try: opts.baseUrl, else $<envUrl>, else the spec's mirrors. */
export function idxBaseUrls(spec: IdxDatasetSpec, baseUrl: string | undefined): string[] {
  if (baseUrl !== undefined) return [baseUrl];
  const env = process.env[spec.envUrl];
  return env ? [env] : [...spec.mirrors];
}

const split = (prefix: string, count: number): IdxSplit =>
  Object.freeze({ images: `${prefix}-images-idx3-ubyte.gz`, labels: `${prefix}-labels-idx1-ubyte.gz`, count });

export const MNIST_CLASSES: readonly string[] = Object.freeze([
  '0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine',
]);

/** torchvision 0.14's MNIST resources. */
export const MNIST_SPEC: IdxDatasetSpec = Object.freeze({
  title: 'MNIST',
  train: split('train', 60000),
  test: split('t10k', 10000),
  md5: Object.freeze({
    'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
    't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
    't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
  }),
  classes: MNIST_CLASSES,
  mirrors: Object.freeze(['http://yann.lecun.com/exdb/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/']),
  envUrl: 'TORCHLET_MNIST_URL',
});

export const KMNIST_CLASSES: readonly string[] = Object.freeze(['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo']);

/** torchvision 0.14's KMNIST resources. */
export const KMNIST_SPEC: IdxDatasetSpec = Object.freeze({
  title: 'KMNIST',
  train: split('train', 60000),
  test: split('t10k', 10000),
  md5: Object.freeze({
    'train-images-idx3-ubyte.gz': 'bdb82020997e1d708af4cf47b453dcf7',
    'train-labels-idx1-ubyte.gz': 'e144d726b3acfaa3e44228e80efcd344',
    't10k-images-idx3-ubyte.gz': '5c965bf0a639b31b8f53240b1b52f4d7',
    't10k-labels-idx1-ubyte.gz': '7320c461ea6c1c855c0b718fb2a4b134',
  }),
  classes: KMNIST_CLASSES,
  mirrors: Object.freeze(['http://codh.rois.ac.jp/kmnist/dataset/kmnist/']),
  envUrl: 'TORCHLET_KMNIST_URL',
});

export type EMNISTSplit = 'byclass' | 'bymerge' | 'balanced' | 'letters' | 'digits' | 'mnist';
export const EMNIST_SPLITS: readonly EMNISTSplit[] = Object.freeze(['byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist']);
/** torchvision's EMNIST archive (all splits, gzip/emnist-*.gz inside). */
export const EMNIST_URL = 'https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/gzip.zip';
export const EMNIST_MD5 = '58c8d27c78d21e728a6bc7b3cc06412e';
const DIGITS = '0123456789'.split('');
const LOWER = 'abcdefghijklmnopqrstuvwxyz'.split('');
const UPPER = LOWER.map((c) => c.toUpperCase());
const MERGED = new Set(['c', 'i', 'j', 'k', 'l', 'm', 'o', 'p', 's', 'u', 'v', 'w', 'x', 'y', 'z']);
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ALL = [...DIGITS, ...LOWER, ...UPPER].sort(byCodePoint);
/** torchvision's EMNIST.classes_split_dict. */
export const EMNIST_CLASSES: Readonly<Record<EMNISTSplit, readonly string[]>> = Object.freeze({
  byclass: Object.freeze(ALL),
  bymerge: Object.freeze(ALL.filter((c) => !MERGED.has(c))),
  balanced: Object.freeze(ALL.filter((c) => !MERGED.has(c))),
  letters: Object.freeze(['N/A', ...LOWER]),
  digits: Object.freeze(DIGITS),
  mnist: Object.freeze(DIGITS),
});
/** Official [train, test] sizes of the EMNIST splits. */
export const EMNIST_COUNTS: Readonly<Record<EMNISTSplit, readonly [number, number]>> = Object.freeze({
  byclass: [697932, 116323],
  bymerge: [697932, 116323],
  balanced: [112800, 18800],
  letters: [124800, 20800],
  digits: [240000, 40000],
  mnist: [60000, 10000],
});

function emnistSpec(s: EMNISTSplit): IdxDatasetSpec {
  return {
    title: `EMNIST ${s}`,
    train: split(`emnist-${s}-train`, EMNIST_COUNTS[s][0]),
    test: split(`emnist-${s}-test`, EMNIST_COUNTS[s][1]),
    md5: {},
    classes: EMNIST_CLASSES[s],
    mirrors: [EMNIST_URL.replace(/[^/]*$/, '')],
    envUrl: 'TORCHLET_EMNIST_URL',
  };
}

export type MNISTOptions = VisionDatasetOptions;
export interface EMNISTOptions extends VisionDatasetOptions {
  /** Which EMNIST split (required). */
  split?: EMNISTSplit | undefined;
}

type Resolved = MNISTOptions & { root: string; split?: EMNISTSplit };

/** torchvision.datasets.MNIST (see the contract above); KMNIST and EMNIST extend it. */
export class MNIST extends VisionDataset {
  /** root/<ClassName>/raw, where the files are. */
  readonly rawFolder: string;
  private targetsTensor?: Tensor;

  constructor(root?: string | MNISTOptions, opts?: MNISTOptions, ...rest: never[]) {
    const name = new.target?.name ?? 'MNIST';
    const o = rootAndOpts<Resolved>(name, root, opts, rest, name === 'EMNIST' ? [...VISION_OPTION_KEYS, 'split'] : VISION_OPTION_KEYS);
    const spec = specFor(name, o);
    const train = o.train ?? true;
    const raw = path.join(o.root, name, 'raw');
    const missing = missingIdxFiles(raw, train ? spec.train : spec.test);
    if (missing.length) {
      throw new TorchletError(
        `torchlet: ${spec.title} ${train ? 'train' : 'test'} files missing in ${raw}: ${missing.join(', ')}. ` +
          `Get them with \`await torch.data.${name}.create(root, {download: true})\`` +
          ` (downloads from ${idxBaseUrls(spec, o.baseUrl).join(' or ')}) or copy them there.`,
        'ERR_TORCHLET_IO',
      );
    }
    const { images, labels } = loadIdxSplit(spec, raw, train, o.verifyMd5 ?? true);
    super(o, { images, labels, classes: [...spec.classes], imageShape: [MNIST_IMAGE_SIZE, MNIST_IMAGE_SIZE], mode: 'L' });
    this.rawFolder = raw;
  }

  /** Downloads the split's missing files (unless opts.download is false), then loads it. */
  static async create(root?: string | MNISTOptions, opts?: MNISTOptions, ...rest: never[]): Promise<MNIST> {
    const name = (this as { name?: string }).name ?? 'MNIST';
    const o = rootAndOpts<Resolved>(`${name}.create`, root, opts, rest, name === 'EMNIST' ? [...VISION_OPTION_KEYS, 'split'] : VISION_OPTION_KEYS);
    const spec = specFor(name, o);
    const train = o.train ?? true;
    const raw = path.join(o.root, name, 'raw');
    const missing = missingIdxFiles(raw, train ? spec.train : spec.test);
    const verify = o.verifyMd5 ?? true;
    if (missing.length && (o.download ?? true)) {
      if (name === 'EMNIST') await downloadEmnist(raw, o.baseUrl, verify, o.timeoutMs);
      else await downloadIdxFiles(spec, raw, train, missing, idxBaseUrls(spec, o.baseUrl), { verify, timeoutMs: o.timeoutMs });
    }
    const C = this as unknown as new (root: string, opts: MNISTOptions) => MNIST;
    const { root: r, ...rest2 } = o;
    return new C(r, rest2);
  }

  /** The labels as an int64 tensor [N] (torchvision's `targets`), made once, on first use. */
  get targets(): Tensor {
    if (!this.targetsTensor) this.targetsTensor = fromBuffer(BigInt64Array.from(this.labels, (l) => BigInt(l)), [this.length], { dtype: 'int64' });
    return this.targetsTensor;
  }

  protected workerModule(): string {
    return __filename;
  }
}

function specFor(name: string, o: Resolved): IdxDatasetSpec {
  if (name === 'KMNIST') return KMNIST_SPEC;
  if (name === 'EMNIST') {
    if (o.split === undefined) invalidArg('opts.split', `one of ${EMNIST_SPLITS.join(', ')} (required)`, o.split);
    if (!EMNIST_SPLITS.includes(o.split)) invalidArg('opts.split', `one of ${EMNIST_SPLITS.join(', ')}`, o.split);
    return emnistSpec(o.split);
  }
  return MNIST_SPEC;
}

/** torchvision.datasets.KMNIST (Kuzushiji-MNIST): MNIST's format, its own mirror, md5s and classes. */
export class KMNIST extends MNIST {
  constructor(root?: string | MNISTOptions, opts?: MNISTOptions, ...rest: never[]) {
    super(root, opts, ...rest);
  }
}

/** torchvision.datasets.EMNIST: opts.split is required (byclass, bymerge, balanced, letters, digits, mnist). */
export class EMNIST extends MNIST {
  readonly split: EMNISTSplit;
  constructor(root?: string | EMNISTOptions, opts?: EMNISTOptions, ...rest: never[]) {
    super(root, opts, ...rest);
    const o = (typeof root === 'object' && root !== null ? root : opts) as EMNISTOptions;
    this.split = o.split as EMNISTSplit;
  }
  static override async create(root?: string | EMNISTOptions, opts?: EMNISTOptions, ...rest: never[]): Promise<EMNIST> {
    return (await super.create(root, opts, ...rest)) as EMNIST;
  }
  override extraRepr(): string {
    return `Split: ${this.split}`;
  }
  protected override workerExtra(): Record<string, unknown> {
    return { split: this.split };
  }
}

/** Downloads gzip.zip into raw (unless there) and extracts its gzip/*.gz members into raw. */
async function downloadEmnist(raw: string, baseUrl: string | undefined, verify: boolean, timeoutMs: number | undefined): Promise<void> {
  const zipPath = path.join(raw, 'gzip.zip');
  const listing = (buf: Buffer, source: string) => {
    const entries = readZip(buf, source).filter((e) => /^gzip\/emnist-[a-z]+-(train|test)-(images-idx3|labels-idx1)-ubyte\.gz$/.test(e.name));
    if (!entries.length) throw badFile(`${source} holds no gzip/emnist-*.gz file`);
    return entries;
  };
  let buf: Buffer | undefined; // a fresh download, checked once
  if (!isFile(zipPath)) {
    const env = process.env.TORCHLET_EMNIST_URL;
    const url = baseUrl !== undefined ? new URL('gzip.zip', withSlash(baseUrl)).toString() : env ? new URL('gzip.zip', withSlash(env)).toString() : EMNIST_URL;
    await downloadFile(url, zipPath, {
      timeoutMs,
      maxBytes: 1 << 30,
      validate: (tmp, u) => {
        const b = fs.readFileSync(tmp);
        if (verify && md5Hex(b) !== EMNIST_MD5) throw badFile(`md5 mismatch: expected ${EMNIST_MD5}, got ${md5Hex(b)}`);
        listing(b, u);
        buf = b;
      },
    });
  }
  buf ??= withIo(`cannot read ${zipPath}`, () => fs.readFileSync(zipPath));
  for (const e of listing(buf, zipPath)) writeFileAtomic(path.join(raw, path.basename(e.name)), e.read());
}
