// Fashion-MNIST dataset (Zalando Research), loaded from the official IDX files.
//
// Contract:
//   new FashionMNIST({root?, train = true, verifyMd5 = true}) synchronously
//   loads the split's two files from `root` (each may be gzipped `NAME.gz` or
//   plain `NAME`) and never touches the network; missing files throw an error
//   that lists them and says how to get them.
//   await FashionMNIST.create({root?, train, download = true, baseUrl?, ...})
//   first downloads the split's missing files into `root` (only when
//   `download` is true) with downloadFile (atomic, md5- and IDX-checked),
//   then constructs the dataset.
//   Default root: /usr/share/datasets/fashion-mnist (Debian's
//   dataset-fashion-mnist package) when it holds the split's files, else the
//   cache $TORCHLET_HOME/datasets/fashion-mnist, or
//   ${XDG_CACHE_HOME:-~/.cache}/torchlet/datasets/fashion-mnist.
//   Base URL: opts.baseUrl, else $TORCHLET_FASHION_MNIST_URL, else the mirror
//   torchvision uses (FASHION_MNIST_DEFAULT_URL).
//   Loaded data: images (length*28*28 uint8, row-major), labels (uint8 0..9),
//   length, classes (the 10 official names). Image and label counts must
//   agree; with verifyMd5 (the default) they must also be the official
//   60000 (train) / 10000 (test), and downloads must match the official md5
//   of the .gz file or of its uncompressed content (Debian recompresses the
//   files, so their .gz md5s differ while their contents are identical).
//   Errors start with "torchlet: " and are TorchletErrors: missing or unreadable
//   files ERR_TORCHLET_IO, files with the wrong contents ERR_TORCHLET_BAD_FILE
//   (with verifyMd5 a file declaring more than the official size is refused
//   before it is decompressed, and decompression stops at that size),
//   bad options ERR_TORCHLET_INVALID_ARG(_TYPE).
//   The file checks and the download are lib/data/mnist.ts's, shared with MNIST, KMNIST and EMNIST
//   (FASHION_MNIST_SPEC); this class keeps its own API (flat root, get(i) -> {image, label}).

import * as os from 'os';
import * as path from 'path';
import { IdxDatasetSpec, loadIdxSplit, downloadIdxFiles, missingIdxFiles } from './mnist';
import { TorchletError, TorchletRangeError, typeArg, describe, checkOptionKeys, optBool } from '../errors';

export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** The mirror torchvision downloads Fashion-MNIST from. */
export const FASHION_MNIST_DEFAULT_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_FILES = Object.freeze({
  train: Object.freeze({ images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz', count: 60000 }),
  test: Object.freeze({ images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz', count: 10000 }),
});

/** Official md5 of each .gz file as served by the mirror (same values as torchvision). */
export const FASHION_MNIST_MD5: Readonly<Record<string, string>> = Object.freeze({
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
});

/** md5 of each file's uncompressed content (keyed by the .gz name); Debian's recompressed files match these. */
export const FASHION_MNIST_RAW_MD5: Readonly<Record<string, string>> = Object.freeze({
  'train-images-idx3-ubyte.gz': 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
  'train-labels-idx1-ubyte.gz': '9018921c3c673c538a1fc5bad174d6f9',
  't10k-images-idx3-ubyte.gz': '8181f5470baa50b63fa0f6fddb340f0a',
  't10k-labels-idx1-ubyte.gz': '15d484375f8d13e6eb1aabb0c3f46965',
});

export const FASHION_MNIST_IMAGE_SIZE = 28;

export interface FashionMNISTOptions {
  /** Directory holding the IDX files (see the default above). */
  root?: string | undefined;
  /** Training split (60000 images) when true, test split (10000) when false. Default true. */
  train?: boolean | undefined;
  /** create() downloads missing files when true. Default true. Ignored by the constructor. */
  download?: boolean | undefined;
  /** Directory URL the four .gz files are under. Default $TORCHLET_FASHION_MNIST_URL or the official mirror. */
  baseUrl?: string | undefined;
  /**
   * Default true: downloads must carry the official md5s and the split must
   * have the official count. false accepts any well-formed IDX files
   * (custom mirrors, subsets, test fixtures).
   */
  verifyMd5?: boolean | undefined;
  /** Download inactivity timeout in ms (default 30000). */
  timeoutMs?: number | undefined;
}

export interface FashionMNISTItem {
  /** 28*28 uint8 pixels, a view into `images`. */
  image: Uint8Array;
  label: number;
}

interface Split {
  readonly images: string;
  readonly labels: string;
  readonly count: number;
}

/** Fashion-MNIST for the shared IDX-dataset code of lib/data/mnist.ts. */
export const FASHION_MNIST_SPEC: IdxDatasetSpec = Object.freeze({
  title: 'Fashion-MNIST',
  train: FASHION_MNIST_FILES.train,
  test: FASHION_MNIST_FILES.test,
  md5: FASHION_MNIST_MD5,
  rawMd5: FASHION_MNIST_RAW_MD5,
  classes: FASHION_MNIST_CLASSES,
  mirrors: Object.freeze([FASHION_MNIST_DEFAULT_URL]),
  envUrl: 'TORCHLET_FASHION_MNIST_URL',
});

/** Checks the options' types (undefined means the default). */
const FASHION_OPTION_KEYS = ['root', 'train', 'download', 'baseUrl', 'verifyMd5', 'timeoutMs'];
function checkOptions(opts: unknown): FashionMNISTOptions {
  if (opts === undefined) return {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) typeArg('opts', 'an options object', opts);
  const o = opts as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!FASHION_OPTION_KEYS.includes(k)) checkOptionKeys('opts', { [k]: o[k] }, FASHION_OPTION_KEYS);
  for (const k of ['root', 'baseUrl'])
    if (o[k] !== undefined && (typeof o[k] !== 'string' || !o[k])) typeArg(`opts.${k}`, 'a non-empty string', o[k]);
  for (const k of ['train', 'download', 'verifyMd5'])
    if (o[k] !== undefined && typeof o[k] !== 'boolean') typeArg(`opts.${k}`, 'a boolean', o[k]);
  if (o.timeoutMs !== undefined && (typeof o.timeoutMs !== 'number' || !(o.timeoutMs > 0)))
    typeArg('opts.timeoutMs', 'a positive number of milliseconds', o.timeoutMs);
  return o as FashionMNISTOptions;
}

function splitOf(train: boolean): Split {
  return train ? FASHION_MNIST_FILES.train : FASHION_MNIST_FILES.test;
}

/** The download cache directory for Fashion-MNIST. */
export function fashionMnistCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TORCHLET_HOME) return path.join(env.TORCHLET_HOME, 'datasets', 'fashion-mnist');
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'torchlet', 'datasets', 'fashion-mnist');
}

function missingFiles(dir: string, split: Split): string[] {
  return missingIdxFiles(dir, split);
}

/** The root a FashionMNIST with these options reads: opts.root, the system directory, or the cache. */
export function fashionMnistRoot(opts: Pick<FashionMNISTOptions, 'root' | 'train'> = {}): string {
  if (opts.root !== undefined) return path.resolve(opts.root);
  const split = splitOf(optBool('opts.train', opts.train ?? undefined, true));
  if (missingFiles(FASHION_MNIST_SYSTEM_DIR, split).length === 0) return FASHION_MNIST_SYSTEM_DIR;
  return fashionMnistCacheDir();
}

function baseUrlOf(opts: FashionMNISTOptions): string {
  const base = opts.baseUrl ?? (process.env.TORCHLET_FASHION_MNIST_URL || FASHION_MNIST_DEFAULT_URL);
  return base.endsWith('/') ? base : base + '/';
}

export class FashionMNIST {
  readonly root: string;
  readonly train: boolean;
  readonly length: number;
  /** length*28*28 uint8 pixels, row-major, image i at i*784. */
  readonly images: Uint8Array;
  /** length class indices 0..9. */
  readonly labels: Uint8Array;
  readonly classes: string[] = [...FASHION_MNIST_CLASSES];
  readonly imageShape: [number, number] = [FASHION_MNIST_IMAGE_SIZE, FASHION_MNIST_IMAGE_SIZE];

  constructor(opts: FashionMNISTOptions = {}) {
    opts = checkOptions(opts);
    this.train = optBool('opts.train', opts.train ?? undefined, true);
    this.root = fashionMnistRoot(opts);
    const split = splitOf(this.train);
    const verify = opts.verifyMd5 ?? true;
    const missing = missingFiles(this.root, split);
    if (missing.length > 0) {
      throw new TorchletError(
        `torchlet: Fashion-MNIST ${this.train ? 'train' : 'test'} files missing in ${this.root}: ` +
          `${missing.join(', ')}. Get them with \`await FashionMNIST.create({download: true})\` ` +
          `(downloads from ${baseUrlOf(opts)}), by installing the Debian package dataset-fashion-mnist ` +
          `(files in ${FASHION_MNIST_SYSTEM_DIR}), or by copying them into the root directory.`,
        'ERR_TORCHLET_IO',
      );
    }
    const { images, labels } = loadIdxSplit(FASHION_MNIST_SPEC, this.root, this.train, verify);
    this.length = labels.length;
    this.images = images;
    this.labels = labels;
  }

  /** Downloads the split's missing files (when opts.download !== false), then loads it. */
  static async create(opts: FashionMNISTOptions = {}): Promise<FashionMNIST> {
    opts = checkOptions(opts);
    const train = optBool('opts.train', opts.train ?? undefined, true);
    const root = fashionMnistRoot(opts);
    const split = splitOf(train);
    const missing = missingFiles(root, split);
    if (missing.length > 0 && (optBool('opts.download', opts.download ?? undefined, true))) {
      await downloadIdxFiles(FASHION_MNIST_SPEC, root, train, missing, [baseUrlOf(opts)], { verify: opts.verifyMd5 ?? true, timeoutMs: opts.timeoutMs });
    }
    return new FashionMNIST({ ...opts, train, root });
  }

  /** Image i (a 784-byte view) and its label. */
  get(i: number): FashionMNISTItem {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new TorchletRangeError(`torchlet: FashionMNIST index ${describe(i)} out of range [0, ${this.length})`);
    }
    const px = FASHION_MNIST_IMAGE_SIZE * FASHION_MNIST_IMAGE_SIZE;
    return { image: this.images.subarray(i * px, (i + 1) * px), label: this.labels[i] as number };
  }
}
