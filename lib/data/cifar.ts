// lib/data/cifar.ts — torchvision.datasets.CIFAR10 / CIFAR100, read from the official BINARY
// version of the archives (torchvision downloads the python-pickle one; torchlet reads no pickle).
//
// Contract:
//   new CIFAR10(root?, {train = true, transform, targetTransform, download, baseUrl, verifyMd5 = true,
//   timeoutMs}) synchronously reads root/cifar-10-batches-bin/data_batch_{1..5}.bin (train) or
//   test_batch.bin (test) and never touches the network; missing files are ERR_TORCHLET_IO naming
//   them. `await CIFAR10.create(root?, opts)`: when files are missing (and download is not false),
//   downloads cifar-10-binary.tar.gz into root (unless it is there) from opts.baseUrl, else
//   $TORCHLET_CIFAR_URL, else https://www.cs.toronto.edu/~kriz/, atomically, refusing it unless its
//   md5 is the official one (verifyMd5) and it is a complete tar.gz holding the split files; then
//   extracts the .bin/.txt members into root/cifar-10-batches-bin, each file written atomically.
//   CIFAR100 is the same with cifar-100-binary.tar.gz, root/cifar-100-binary/{train,test}.bin.
//   Records: CIFAR-10 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major 32x32);
//   CIFAR-100 1 coarse + 1 fine label byte + 3072. A file whose size is not a whole number of
//   records, a label out of range, or (verifyMd5) a split of the wrong size is ERR_TORCHLET_BAD_FILE.
//   Items: [Image RGB 32x32 (or transform(image)), target (or targetTransform(target))];
//   `data` a uint8 tensor [N, 32, 32, 3] (HWC, as torchvision's numpy array), `targets` the class
//   indices (number[]; CIFAR-100: the fine labels, as torchvision), `classes` the official names;
//   CIFAR100 also has `coarseTargets` and `coarseClasses` (the 20 superclasses).
import * as fs from 'fs';
import * as path from 'path';
import { TorchletError, withIo } from '../errors';
import { downloadFile } from './download';
import { readTar } from './archive';
import { VisionDataset, VisionDatasetOptions, VISION_OPTION_KEYS, rootAndOpts, withSlash, md5Hex, badFile, writeFileAtomic, isFile } from './vision';

export const CIFAR_DEFAULT_URL = 'https://www.cs.toronto.edu/~kriz/';
export const CIFAR_IMAGE_SIZE = 32;
const PIXELS = CIFAR_IMAGE_SIZE * CIFAR_IMAGE_SIZE * 3;

export const CIFAR10_CLASSES: readonly string[] = Object.freeze(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);

export const CIFAR100_CLASSES: readonly string[] = Object.freeze(
  ('apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle caterpillar ' +
    'cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster ' +
    'house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree ' +
    'orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose ' +
    'sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone ' +
    'television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm').split(' '),
);

export const CIFAR100_COARSE_CLASSES: readonly string[] = Object.freeze(
  ('aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture insects ' +
    'large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores medium_mammals ' +
    'non-insect_invertebrates people reptiles small_mammals trees vehicles_1 vehicles_2').split(' '),
);

interface CifarSpec {
  title: string;
  archive: string;
  md5: string;
  folder: string;
  train: readonly string[];
  test: readonly string[];
  /** Official records per file. */
  perFile: Readonly<Record<string, number>>;
  /** 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine). */
  labelBytes: number;
  classes: readonly string[];
}

/** The official binary archives (md5s as published on https://www.cs.toronto.edu/~kriz/cifar.html). */
export const CIFAR10_SPEC: Readonly<CifarSpec> = Object.freeze({
  title: 'CIFAR-10',
  archive: 'cifar-10-binary.tar.gz',
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  folder: 'cifar-10-batches-bin',
  train: Object.freeze([1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`)),
  test: Object.freeze(['test_batch.bin']),
  perFile: Object.freeze(Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`data_batch_${i}.bin`, 10000]).concat([['test_batch.bin', 10000]]))),
  labelBytes: 1,
  classes: CIFAR10_CLASSES,
});
export const CIFAR100_SPEC: Readonly<CifarSpec> = Object.freeze({
  title: 'CIFAR-100',
  archive: 'cifar-100-binary.tar.gz',
  md5: '03b5dce01913d631647c71ecec9e9cb8',
  folder: 'cifar-100-binary',
  train: Object.freeze(['train.bin']),
  test: Object.freeze(['test.bin']),
  perFile: Object.freeze({ 'train.bin': 50000, 'test.bin': 10000 }),
  labelBytes: 2,
  classes: CIFAR100_CLASSES,
});

export type CIFAROptions = VisionDatasetOptions;

/** Parses one file of records: HWC pixels, the target labels and (CIFAR-100) the coarse labels. */
function parseRecords(spec: CifarSpec, buf: Uint8Array, source: string, verify: boolean): { images: Uint8Array; labels: Uint8Array; coarse: Uint8Array } {
  const rec = spec.labelBytes + PIXELS;
  if (buf.length % rec !== 0) throw badFile(`${source} has ${buf.length} bytes, not a whole number of ${rec}-byte ${spec.title} records (truncated?)`);
  const n = buf.length / rec;
  const want = spec.perFile[path.basename(source)];
  if (verify && want !== undefined && n !== want) throw badFile(`${source} has ${n} records, the official file has ${want} (pass verifyMd5: false to accept other files)`);
  const images = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  const coarse = new Uint8Array(spec.labelBytes === 2 ? n : 0);
  const plane = CIFAR_IMAGE_SIZE * CIFAR_IMAGE_SIZE;
  for (let i = 0; i < n; i++) {
    const o = i * rec;
    const fine = buf[o + spec.labelBytes - 1]!;
    if (fine >= spec.classes.length) throw badFile(`${source}: label ${fine} of record ${i} is not a class index 0..${spec.classes.length - 1}`);
    labels[i] = fine;
    if (spec.labelBytes === 2) {
      const c = buf[o]!;
      if (c >= CIFAR100_COARSE_CLASSES.length) throw badFile(`${source}: coarse label ${c} of record ${i} is not a superclass index 0..19`);
      coarse[i] = c;
    }
    const src = o + spec.labelBytes;
    const dst = i * PIXELS;
    for (let p = 0; p < plane; p++) {
      images[dst + 3 * p] = buf[src + p]!;
      images[dst + 3 * p + 1] = buf[src + plane + p]!;
      images[dst + 3 * p + 2] = buf[src + 2 * plane + p]!;
    }
  }
  return { images, labels, coarse };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The archive's members under the spec's folder, checked: every split file present with whole records. */
function archiveMembers(spec: CifarSpec, buf: Uint8Array, source: string): { name: string; data: Uint8Array }[] {
  const members = readTar(buf, source, { maxBytes: 512 << 20 }).filter((m) => path.posix.dirname(m.name) === spec.folder && /^[\w.-]+$/.test(path.posix.basename(m.name)));
  const names = new Set(members.map((m) => path.posix.basename(m.name)));
  const missing = [...spec.train, ...spec.test].filter((f) => !names.has(f));
  if (missing.length) throw badFile(`${source} lacks ${missing.map((f) => `${spec.folder}/${f}`).join(', ')}`);
  const rec = spec.labelBytes + PIXELS;
  for (const m of members)
    if (m.name.endsWith('.bin') && m.data.length % rec !== 0) throw badFile(`${source}: ${m.name} has ${m.data.length} bytes, not a whole number of ${rec}-byte records`);
  return members;
}

abstract class CIFARBase extends VisionDataset {
  /** root/<folder>, where the .bin files are. */
  readonly baseFolder: string;
  /** Class index of each image (torchvision's `targets`, a list). */
  readonly targets: number[];
  protected coarse: Uint8Array;

  protected constructor(spec: CifarSpec, fn: string, root: unknown, opts: unknown, rest: readonly unknown[]) {
    const o = rootAndOpts<CIFAROptions & { root: string }>(fn, root, opts, rest, VISION_OPTION_KEYS);
    const train = o.train ?? true;
    const dir = path.join(o.root, spec.folder);
    const files = train ? spec.train : spec.test;
    const missing = files.filter((f) => !isFile(path.join(dir, f)));
    if (missing.length) {
      throw new TorchletError(
        `torchlet: ${spec.title} ${train ? 'train' : 'test'} files missing in ${dir}: ${missing.join(', ')}. ` +
          `Get them with \`await torch.data.${fn}.create(root, {download: true})\` (downloads ${spec.archive} from ${cifarBaseUrl(o.baseUrl)}) ` +
          `or extract ${spec.archive} into ${o.root}.`,
        'ERR_TORCHLET_IO',
      );
    }
    const parts = files.map((f) => {
      const p = path.join(dir, f);
      const buf = withIo(`cannot read ${p}`, () => fs.readFileSync(p));
      return parseRecords(spec, buf, p, o.verifyMd5 ?? true);
    });
    const images = concat(parts.map((p) => p.images));
    const labels = concat(parts.map((p) => p.labels));
    super(o, { images, labels, classes: [...spec.classes], imageShape: [CIFAR_IMAGE_SIZE, CIFAR_IMAGE_SIZE], mode: 'RGB' });
    this.baseFolder = dir;
    this.targets = Array.from(labels);
    this.coarse = concat(parts.map((p) => p.coarse));
  }

  protected workerModule(): string {
    return __filename;
  }
  protected override workerExtra(): Record<string, unknown> {
    return { targets: this.targets, coarse: this.coarse };
  }
}

function cifarBaseUrl(baseUrl: string | undefined): string {
  return withSlash(baseUrl ?? (process.env.TORCHLET_CIFAR_URL || CIFAR_DEFAULT_URL));
}

/** create(): download (unless there) and extract the archive when the split's files are missing. */
async function prepare(spec: CifarSpec, fn: string, root: unknown, opts: unknown, rest: readonly unknown[]): Promise<CIFAROptions & { root: string }> {
  const o = rootAndOpts<CIFAROptions & { root: string }>(`${fn}.create`, root, opts, rest, VISION_OPTION_KEYS);
  const train = o.train ?? true;
  const dir = path.join(o.root, spec.folder);
  const missing = (train ? spec.train : spec.test).filter((f) => !isFile(path.join(dir, f)));
  if (!missing.length || o.download === false) return o;
  const verify = o.verifyMd5 ?? true;
  const archive = path.join(o.root, spec.archive);
  let members: { name: string; data: Uint8Array }[] | undefined; // those of a fresh download, checked once
  if (!isFile(archive)) {
    await downloadFile(new URL(spec.archive, cifarBaseUrl(o.baseUrl)).toString(), archive, {
      timeoutMs: o.timeoutMs,
      maxBytes: 256 << 20, // the archives are 162 and 161 MB
      validate: (tmp, url) => {
        const buf = fs.readFileSync(tmp);
        if (verify) {
          const got = md5Hex(buf);
          if (got !== spec.md5) throw badFile(`md5 mismatch: expected ${spec.md5}, got ${got}`);
        }
        members = archiveMembers(spec, buf, url);
      },
    });
  }
  if (!members) {
    const buf = withIo(`cannot read ${archive}`, () => fs.readFileSync(archive));
    if (verify && md5Hex(buf) !== spec.md5) throw badFile(`${archive}: md5 mismatch: expected ${spec.md5}, got ${md5Hex(buf)} (remove it to download it again)`);
    members = archiveMembers(spec, buf, archive);
  }
  for (const m of members) writeFileAtomic(path.join(dir, path.posix.basename(m.name)), m.data);
  return o;
}

/** torchvision.datasets.CIFAR10 from the binary archive (see the contract above). */
export class CIFAR10 extends CIFARBase {
  constructor(root?: string | CIFAROptions, opts?: CIFAROptions, ...rest: never[]) {
    super(CIFAR10_SPEC, 'CIFAR10', root, opts, rest);
  }
  /** Downloads and extracts cifar-10-binary.tar.gz when the split is missing (unless opts.download is false), then loads it. */
  static async create(root?: string | CIFAROptions, opts?: CIFAROptions, ...rest: never[]): Promise<CIFAR10> {
    const { root: r, ...o } = await prepare(CIFAR10_SPEC, 'CIFAR10', root, opts, rest);
    return new CIFAR10(r, o);
  }
}

/** torchvision.datasets.CIFAR100 from the binary archive: targets are the fine labels; coarseTargets the superclasses. */
export class CIFAR100 extends CIFARBase {
  constructor(root?: string | CIFAROptions, opts?: CIFAROptions, ...rest: never[]) {
    super(CIFAR100_SPEC, 'CIFAR100', root, opts, rest);
  }
  /** Downloads and extracts cifar-100-binary.tar.gz when the split is missing (unless opts.download is false), then loads it. */
  static async create(root?: string | CIFAROptions, opts?: CIFAROptions, ...rest: never[]): Promise<CIFAR100> {
    const { root: r, ...o } = await prepare(CIFAR100_SPEC, 'CIFAR100', root, opts, rest);
    return new CIFAR100(r, o);
  }
  /** The superclass index (0..19) of each image. */
  get coarseTargets(): number[] {
    return Array.from(this.coarse);
  }
  /** The 20 superclass names. */
  get coarseClasses(): string[] {
    return [...CIFAR100_COARSE_CLASSES];
  }
}
