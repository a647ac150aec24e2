// lib/data/qmnist.ts — torchvision 0.14's QMNIST dataset (torchvision.datasets.QMNIST).
//
// Contract:
//   new QMNIST(root?, {what, compat = true, train = true, transform, targetTransform, download,
//   baseUrl, verifyMd5 = true, timeoutMs}) synchronously loads a split from root/QMNIST/raw
//   (torchvision's layout): `what` is 'train' | 'test' | 'test10k' | 'test50k' | 'nist' (default
//   'train' when train, else 'test'); test10k / test50k are the first 10000 / the other 50000 images
//   of the test files. Each file is read as torchvision lists it (NAME.gz) or extracted (NAME); the
//   images are uint8 IDX [N, 28, 28] (lib/data/idx.ts), the labels int32 IDX [N, 8] (type 0x0C,
//   big-endian; read here, gzip decompression bounded as for the images). The constructor never
//   touches the network: missing files are ERR_TORCHLET_IO naming them. `await QMNIST.create(root?,
//   opts)` first downloads the missing .gz files (download defaults to true) from opts.baseUrl, else
//   $TORCHLET_QMNIST_URL, else torchvision's URL, atomically (lib/data/download.ts), each md5-checked
//   against torchvision's md5 (verifyMd5) and IDX-checked. The 'nist' files are .xz archives and
//   torchlet has no xz decoder: create() refuses to download them (ERR_TORCHLET_NOT_IMPLEMENTED,
//   saying to extract them with `xz -dk` into raw), while the extracted xnist-* files load.
//   With verifyMd5 a split must have the official number of images (train and test 60000, nist
//   402953). Labels' class column must index `classes`.
//   Items (get(i)) are [Image mode 'L' 28x28, or transform(image); target, or
//   targetTransform(target)], target being the class index (compat) or the full int64 tensor [8] of
//   QMNIST's extended label (compat false: class, NIST HSF series, writer id, digit index, NIST
//   class, global index, duplicate, unused). `data` is a uint8 tensor [N, 28, 28], `targets` the
//   int64 tensor [N, 8] (as torchvision), `classes` MNIST's; the repr's last line is "Split: <what>".
//   Wrong files are ERR_TORCHLET_BAD_FILE, bad arguments ERR_TORCHLET_INVALID_ARG(_TYPE).
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { TorchletError, invalidArg, typeArg, errorMessage, withIo } from '../errors';
import { Tensor } from '../tensor';
import { fromBuffer } from '../creation';
import { downloadFile } from './download';
import { apply } from './transform_base';
import { readIdx, readIdxFile } from './idx';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, findIdxFile } from './mnist';
import { VisionDataset, VisionDatasetOptions, VISION_OPTION_KEYS, rootAndOpts, withSlash, md5Hex, badFile, isFile } from './vision';

export type QMNISTWhat = 'train' | 'test' | 'test10k' | 'test50k' | 'nist';
export const QMNIST_WHATS: readonly QMNISTWhat[] = Object.freeze(['train', 'test', 'test10k', 'test50k', 'nist']);
/** The columns of QMNIST's extended labels. */
export const QMNIST_LABEL_COLUMNS = 8;

/** One file as torchvision lists it (its name on the server) and its md5. */
export interface QmnistFile {
  readonly name: string;
  readonly md5: string;
}
/** The files of one of torchvision's QMNIST subsets and its official size. */
export interface QmnistSubset {
  readonly images: QmnistFile;
  readonly labels: QmnistFile;
  readonly count: number;
}
/** torchvision's QMNIST resources: the three subsets and the directory URL. */
export interface QmnistResources {
  readonly train: QmnistSubset;
  readonly test: QmnistSubset;
  readonly nist: QmnistSubset;
  readonly url: string;
}
const file = (name: string, md5: string): QmnistFile => Object.freeze({ name, md5 });
/** torchvision 0.14's QMNIST.resources. */
export const QMNIST_RESOURCES: QmnistResources = Object.freeze({
  train: Object.freeze({
    images: file('qmnist-train-images-idx3-ubyte.gz', 'ed72d4157d28c017586c42bc6afe6370'),
    labels: file('qmnist-train-labels-idx2-int.gz', '0058f8dd561b90ffdd0f734c6a30e5e4'),
    count: 60000,
  }),
  test: Object.freeze({
    images: file('qmnist-test-images-idx3-ubyte.gz', '1394631089c404de565df7b7aeaf9412'),
    labels: file('qmnist-test-labels-idx2-int.gz', '5b5b05890a5e13444e108efe57b788aa'),
    count: 60000,
  }),
  nist: Object.freeze({
    images: file('xnist-images-idx3-ubyte.xz', '7f124b3b8ab81486c9d8c2749c17f834'),
    labels: file('xnist-labels-idx2-int.xz', '5ed0e788978e45d4a8bd4b7caec3d79d'),
    count: 402953,
  }),
  url: 'https://raw.githubusercontent.com/facebookresearch/qmnist/master/',
});

/** The subset of files `what` reads (torchvision's QMNIST.subsets). */
export function qmnistSubset(what: QMNISTWhat, res: QmnistResources = QMNIST_RESOURCES): QmnistSubset {
  return what === 'train' ? res.train : what === 'nist' ? res.nist : res.test;
}
const isXz = (name: string) => name.endsWith('.xz');
/** Existing path of a listed file in dir: NAME.gz or the extracted NAME (an .xz file only extracted). */
function findFile(dir: string, f: QmnistFile): string | undefined {
  if (!isXz(f.name)) return findIdxFile(dir, f.name);
  const p = path.join(dir, f.name.replace(/\.xz$/, ''));
  return isFile(p) ? p : undefined;
}
function missingFiles(dir: string, s: QmnistSubset): QmnistFile[] {
  return [s.images, s.labels].filter((f) => findFile(dir, f) === undefined);
}
const imageBytes = (n: number) => 4 + 4 * 3 + n * MNIST_IMAGE_SIZE * MNIST_IMAGE_SIZE;
const labelBytes = (n: number) => 4 + 4 * 2 + n * QMNIST_LABEL_COLUMNS * 4;
/** Decompressed size allowed for a labels file without verification (the nist labels are 12.9 MB). */
const LABELS_MAX_BYTES = 256 << 20;

/**
 * An int32 IDX file (magic 00 00 0C NN, NN big-endian uint32 sizes, then prod(sizes) big-endian
 * int32 values), gzipped or not; the decompressed size is capped at maxBytes.
 */
export function readIdxInt32(buf: Uint8Array, source: string, maxBytes: number): { shape: number[]; data: Int32Array } {
  let b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = zlib.gunzipSync(b, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw badFile(`${source} decompresses to more than the limit of ${maxBytes} bytes`);
      throw badFile(`${source} is not valid gzip data (${errorMessage(e)})`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0 || b[3] === 0) throw badFile(`${source} is not an IDX file (magic 0x${b.subarray(0, 4).toString('hex').padEnd(8, '.')})`);
  if (b[2] !== 0x0c) throw badFile(`${source} is not an IDX file of int32 values (type byte 0x${b[2].toString(16).padStart(2, '0')}, expected 0x0c)`);
  const ndim = b[3];
  const header = 4 + 4 * ndim;
  if (b.length < header) throw badFile(`${source} is truncated: expected ${header} header bytes, got ${b.length}`);
  const shape = Array.from({ length: ndim }, (_, i) => b.readUInt32BE(4 + 4 * i));
  const count = shape.reduce((a, d) => a * d, 1);
  const expected = header + 4 * count;
  if (expected > maxBytes) throw badFile(`${source} declares ${expected} bytes (shape [${shape.join(', ')}]), more than the limit of ${maxBytes}`);
  if (b.length !== expected) throw badFile(`${source} ${b.length < expected ? 'is truncated' : 'has trailing data'}: expected ${expected} bytes, got ${b.length}`);
  const data = new Int32Array(count);
  for (let i = 0; i < count; i++) data[i] = b.readInt32BE(header + 4 * i);
  return { shape, data };
}

/** Reads and checks a subset's two files in dir (they must exist). */
function loadSubset(dir: string, s: QmnistSubset, verify: boolean): { images: Uint8Array; extended: Int32Array } {
  const imgPath = findFile(dir, s.images) as string;
  const lblPath = findFile(dir, s.labels) as string;
  const img = readIdxFile(imgPath, verify ? { maxBytes: imageBytes(s.count) } : {});
  if (img.shape.length !== 3 || img.shape[1] !== MNIST_IMAGE_SIZE || img.shape[2] !== MNIST_IMAGE_SIZE)
    throw badFile(`${imgPath} has shape [${img.shape.join(', ')}], expected [N, ${MNIST_IMAGE_SIZE}, ${MNIST_IMAGE_SIZE}]`);
  const raw = withIo(`cannot read ${lblPath}`, () => fs.readFileSync(lblPath));
  const lbl = readIdxInt32(raw, lblPath, verify ? labelBytes(s.count) : LABELS_MAX_BYTES);
  if (lbl.shape.length !== 2 || lbl.shape[1] !== QMNIST_LABEL_COLUMNS) throw badFile(`${lblPath} has shape [${lbl.shape.join(', ')}], expected [N, ${QMNIST_LABEL_COLUMNS}]`);
  const n = img.shape[0];
  if (lbl.shape[0] !== n) throw badFile(`QMNIST count mismatch: ${imgPath} has ${n} images, ${lblPath} has ${lbl.shape[0]} labels`);
  if (verify && n !== s.count) throw badFile(`${imgPath} has ${n} images, the official QMNIST file has ${s.count} (pass verifyMd5: false to accept other files)`);
  for (let i = 0; i < n; i++) {
    const c = lbl.data[i * QMNIST_LABEL_COLUMNS];
    if (!(c >= 0 && c < MNIST_CLASSES.length)) throw badFile(`${lblPath}: label ${c} at index ${i} is not a class index 0..${MNIST_CLASSES.length - 1}`);
  }
  return { images: img.data, extended: lbl.data };
}

/** The check a downloaded file must pass before it replaces anything: md5 (verify), then its IDX header and size. */
function validator(s: QmnistSubset, f: QmnistFile, verify: boolean): (tmp: string, url: string) => void {
  return (tmp, url) => {
    const buf = fs.readFileSync(tmp);
    if (verify && md5Hex(buf) !== f.md5) throw new TorchletError(`md5 mismatch: expected ${f.md5}, got ${md5Hex(buf)}`, 'ERR_TORCHLET_BAD_FILE');
    const isImages = f === s.images;
    const shape = isImages ? readIdx(buf, url, verify ? { maxBytes: imageBytes(s.count) } : {}).shape : readIdxInt32(buf, url, verify ? labelBytes(s.count) : LABELS_MAX_BYTES).shape;
    const ok = isImages ? shape.length === 3 && shape[1] === MNIST_IMAGE_SIZE && shape[2] === MNIST_IMAGE_SIZE : shape.length === 2 && shape[1] === QMNIST_LABEL_COLUMNS;
    if (!ok) throw new TorchletError(`${url} has shape [${shape.join(', ')}], expected ${isImages ? '[N, 28, 28]' : '[N, 8]'}`, 'ERR_TORCHLET_BAD_FILE');
    if (verify && shape[0] !== s.count) throw new TorchletError(`${url} has ${shape[0]} items, expected ${s.count}`, 'ERR_TORCHLET_BAD_FILE');
  };
}

/**
 * Downloads the given files of a subset into dir from `base` (atomically, each checked by md5 with
 * verify, and as IDX). Internal; tests pass resources with their own md5s.
 */
export async function downloadQmnistFiles(
  s: QmnistSubset,
  dir: string,
  files: readonly QmnistFile[],
  base: string,
  opts: { verify: boolean; timeoutMs?: number | undefined },
): Promise<void> {
  for (const f of files) {
    if (isXz(f.name)) {
      throw new TorchletError(
        `torchlet: cannot download ${f.name}: it is xz-compressed and torchlet has no xz decoder; ` +
          `download it from ${new URL(f.name, withSlash(base))} and extract it into ${dir} yourself (xz -dk ${f.name})`,
        'ERR_TORCHLET_NOT_IMPLEMENTED',
      );
    }
    await downloadFile(new URL(f.name, withSlash(base)).toString(), path.join(dir, f.name), {
      timeoutMs: opts.timeoutMs,
      maxBytes: 128 << 20,
      validate: validator(s, f, opts.verify),
    });
  }
}

export interface QMNISTOptions extends VisionDatasetOptions {
  /** The subset: 'train', 'test', 'test10k', 'test50k' or 'nist' (default by `train`). */
  what?: QMNISTWhat | undefined;
  /** true (default): targets are class indices; false: the int64 tensor [8] of the extended label. */
  compat?: boolean | undefined;
}
type Resolved = QMNISTOptions & { root: string };
const KEYS = [...VISION_OPTION_KEYS, 'what', 'compat'];

function resolve(fn: string, root: unknown, opts: unknown, rest: readonly unknown[]): { o: Resolved; what: QMNISTWhat; compat: boolean } {
  const o = rootAndOpts<Resolved>(fn, root, opts, rest, KEYS);
  if (o.what !== undefined && !QMNIST_WHATS.includes(o.what)) invalidArg('opts.what', `one of ${QMNIST_WHATS.join(', ')}`, o.what);
  if (o.compat !== undefined && typeof o.compat !== 'boolean') typeArg('opts.compat', 'a boolean', o.compat);
  return { o, what: o.what ?? ((o.train ?? true) ? 'train' : 'test'), compat: o.compat ?? true };
}
function baseUrl(o: Resolved): string {
  return o.baseUrl ?? process.env.TORCHLET_QMNIST_URL ?? QMNIST_RESOURCES.url;
}

/** torchvision.datasets.QMNIST (see the contract above). */
export class QMNIST extends VisionDataset {
  /** root/QMNIST/raw, where the files are. */
  readonly rawFolder: string;
  readonly what: QMNISTWhat;
  readonly compat: boolean;
  /** @internal The extended labels, N x 8 int32. */
  readonly extended: Int32Array;
  private targetsTensor?: Tensor;

  constructor(root?: string | QMNISTOptions, opts?: QMNISTOptions, ...rest: never[]) {
    const { o, what, compat } = resolve('QMNIST', root, opts, rest);
    const raw = path.join(o.root, 'QMNIST', 'raw');
    const s = qmnistSubset(what);
    const missing = missingFiles(raw, s);
    if (missing.length) {
      const names = missing.map((f) => (isXz(f.name) ? `${f.name.replace(/\.xz$/, '')} (extracted from ${f.name})` : f.name));
      throw new TorchletError(
        `torchlet: QMNIST ${what} files missing in ${raw}: ${names.join(', ')}. ` +
          (what === 'nist'
            ? `Download ${missing.map((f) => new URL(f.name, withSlash(baseUrl(o)))).join(' and ')} and extract them there (xz -dk).`
            : `Get them with \`await torch.data.QMNIST.create(root, {what: '${what}', download: true})\` (downloads from ${baseUrl(o)}) or copy them there.`),
        'ERR_TORCHLET_IO',
      );
    }
    const loaded = loadSubset(raw, s, o.verifyMd5 ?? true);
    let { images, extended } = loaded;
    const per = MNIST_IMAGE_SIZE * MNIST_IMAGE_SIZE;
    if (what === 'test10k' || what === 'test50k') {
      const [a, b] = what === 'test10k' ? [0, Math.min(10000, extended.length / QMNIST_LABEL_COLUMNS)] : [Math.min(10000, extended.length / QMNIST_LABEL_COLUMNS), extended.length / QMNIST_LABEL_COLUMNS];
      images = images.slice(a * per, b * per);
      extended = extended.slice(a * QMNIST_LABEL_COLUMNS, b * QMNIST_LABEL_COLUMNS);
    }
    const n = extended.length / QMNIST_LABEL_COLUMNS;
    const labels = Uint8Array.from({ length: n }, (_, i) => extended[i * QMNIST_LABEL_COLUMNS]);
    super(o, { images, labels, classes: [...MNIST_CLASSES], imageShape: [MNIST_IMAGE_SIZE, MNIST_IMAGE_SIZE], mode: 'L' });
    this.rawFolder = raw;
    this.what = what;
    this.compat = compat;
    this.extended = extended;
  }

  /** Downloads the subset's missing files (unless opts.download is false; 'nist' cannot be: see the contract), then loads it. */
  static async create(root?: string | QMNISTOptions, opts?: QMNISTOptions, ...rest: never[]): Promise<QMNIST> {
    const { o, what } = resolve('QMNIST.create', root, opts, rest);
    const raw = path.join(o.root, 'QMNIST', 'raw');
    const s = qmnistSubset(what);
    const missing = missingFiles(raw, s);
    if (missing.length && (o.download ?? true)) await downloadQmnistFiles(s, raw, missing, baseUrl(o), { verify: o.verifyMd5 ?? true, timeoutMs: o.timeoutMs });
    const { root: r, ...rest2 } = o;
    return new QMNIST(r, rest2);
  }

  /** The extended labels as an int64 tensor [N, 8] (torchvision's `targets`), made once, on first use. */
  get targets(): Tensor {
    if (!this.targetsTensor) this.targetsTensor = fromBuffer(BigInt64Array.from(this.extended, (v) => BigInt(v)), [this.length, QMNIST_LABEL_COLUMNS], { dtype: 'int64' });
    return this.targetsTensor;
  }

  /** [transform(image i), targetTransform(target i)]: the class index (compat) or the int64 tensor [8] of the extended label. */
  override get(i: number): [unknown, unknown] {
    if (this.compat) return super.get(i);
    const img = this.image(i);
    const row = this.extended.subarray(i * QMNIST_LABEL_COLUMNS, (i + 1) * QMNIST_LABEL_COLUMNS);
    const target = fromBuffer(BigInt64Array.from(row, (v) => BigInt(v)), [QMNIST_LABEL_COLUMNS], { dtype: 'int64' });
    return [this.transform ? apply(this.transform, img) : img, this.targetTransform ? apply(this.targetTransform, target) : target];
  }

  override extraRepr(): string {
    return `Split: ${this.what}`;
  }

  protected workerModule(): string {
    return __filename;
  }
  protected override workerExtra(): Record<string, unknown> {
    const shared = new Int32Array(new SharedArrayBuffer(this.extended.byteLength));
    shared.set(this.extended);
    return { what: this.what, compat: this.compat, extended: shared, rawFolder: this.rawFolder };
  }
}
