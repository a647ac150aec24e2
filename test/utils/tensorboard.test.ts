// test/utils/tensorboard.test.ts — torch.utils.tensorboard.SummaryWriter (lib/utils_tensorboard.ts,
// lib/utils_tensorboard_events.ts) against PyTorch 1.13's (test/fixtures/tensorboard.json from
// gen_tensorboard_fixtures.py): the same calls at the same wall times give byte-identical TFRecord
// records for scalars (simple_value and newStyle, tensors, step 0 / negative / large, NaN, inf, unicode
// tags), texts, raw histograms, audio (WAV), PR curves, custom scalar layouts, addScalars' sub-writer files, purgeStep's events and the
// hparams plugin's; histograms
// have PyTorch's bucket edges, counts, min, max, num and sum exactly (the sum of squares to rounding);
// images PyTorch's size, colorspace and pixels (decoded: PNG encoders differ). Also CRC32C known
// vectors, the file name and directory layout, the default logDir, buffering (nothing written before
// maxQueue / flushSecs / flush()), close() and reopening, the synchronous write at process exit (a
// child process), I/O errors as coded errors, and the argument refusals.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { TorchletError } from '../../lib/errors';
import { decodeImage } from '../../lib/data/image';
import { crc32c, defaultLogDir, flushAllSync, maskedCrc32c, tfRecord, TENSORFLOW_BINS, type CustomScalarsLayout } from '../../lib/utils_tensorboard_events';
import { describeDevices, onDevice, type TestDevice } from '../devices';
import { runChild, describeChild } from '../child';

const { SummaryWriter } = torch.utils.tensorboard;
type Writer = InstanceType<typeof SummaryWriter>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;

interface FT {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'uint8';
  data: number[];
}
interface Fixture {
  scalars: { tag: string; value: number | string | FT; step: number | null; walltime: number; opts?: { newStyle: boolean; doublePrecision: boolean }; record: string }[];
  texts: { tag: string; text: string; step: number | null; walltime: number; record: string }[];
  histograms: {
    tag: string; values: string; step: number; walltime: number; bins: string | number | number[]; maxBins?: number; record: string;
    decoded: { min: number; max: number; num: number; sum: number; sumSquares: number; bucketLimit: number[]; bucket: number[] };
  }[];
  images: {
    tag: string; img: FT; step: number; walltime: number; dataformats: string; many: boolean; record: string;
    decoded: { height: number; width: number; colorspace: number; mode: string; pixels: string };
  }[];
  histogramRaws: { tag: string; args: [number, number, number, number, number, number[], number[]]; step: number; walltime: number; record: string }[];
  audios: { tag: string; snd: FT; step: number | null; sampleRate: number; walltime: number; record: string }[];
  prCurves: { tag: string; labels: FT; predictions: FT; weights?: FT; step: number; walltime: number; numThresholds: number; record: string }[];
  values: Record<string, FT>;
  addScalars: { mainTag: string; calls: [Record<string, number>, number, number][]; dirs: Record<string, string[]> };
  hparams: {
    hparamDict: Record<string, number | string | boolean>; metricDict: Record<string, number>; hparamDomainDiscrete: Record<string, string[]>; runName: string;
    events: { event: string; tag?: string; content?: string; sessionStartEntries?: string[] }[];
  };
  customScalars: { layout: CustomScalarsLayout; multiline: [string[]]; margin: [string[], { category: string; title: string }]; events: string[] };
  purge: { purgeStep: number; scalar: [string, number, number, number]; events: string[] };
  fileName: string;
  defaultBinsCount: number;
  defaultBinsEnds: number[];
}
const FX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'tensorboard.json'), 'utf8')) as Fixture;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-tb-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => path.join(tmp, `d${dirCount++}`);

// ---- reading event files back ----
/** The records (framing included) of a TFRecord file, the framing checked. */
function records(file: string): Buffer[] {
  const data = fs.readFileSync(file);
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < data.length) {
    const n = Number(data.readBigUInt64LE(pos));
    expect(data.readUInt32LE(pos + 8)).toBe(maskedCrc32c(data.subarray(pos, pos + 8)));
    expect(data.readUInt32LE(pos + 12 + n)).toBe(maskedCrc32c(data.subarray(pos + 12, pos + 12 + n)));
    out.push(data.subarray(pos, pos + 16 + n));
    pos += 16 + n;
  }
  expect(pos).toBe(data.length);
  return out;
}
const eventFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.')).map((f) => path.join(dir, f));
function onlyEventFile(dir: string): string {
  const fs_ = eventFiles(dir);
  expect(fs_).toHaveLength(1);
  return fs_[0]!;
}
interface Field {
  f: number;
  w: number;
  v: bigint | Buffer;
}
/** A protobuf message's fields, in order (varints as bigints, the rest as bytes). */
function pbFields(b: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = () => {
    let x = 0n;
    let s = 0n;
    for (;;) {
      const c = b[i++]!;
      x |= BigInt(c & 0x7f) << s;
      s += 7n;
      if (!(c & 0x80)) return x;
    }
  };
  while (i < b.length) {
    const k = Number(varint());
    const f = k >> 3;
    const w = k & 7;
    if (w === 0) out.push({ f, w, v: varint() });
    else if (w === 1) out.push({ f, w, v: b.subarray(i, (i += 8)) });
    else if (w === 5) out.push({ f, w, v: b.subarray(i, (i += 4)) });
    else if (w === 2) {
      const n = Number(varint());
      out.push({ f, w, v: b.subarray(i, (i += n)) });
    } else throw new Error(`wire type ${w}`);
  }
  expect(i).toBe(b.length);
  return out;
}
const field = (fs_: Field[], f: number) => fs_.find((x) => x.f === f)?.v;
const payload = (rec: Buffer) => rec.subarray(12, rec.length - 4);
/** An event's payload without its wall_time (field 1, first when set). */
const withoutWallTime = (p: Buffer) => (p[0] === 0x09 ? p.subarray(9) : p);
/** The one Summary.Value of an event record. */
function summaryValueOf(rec: Buffer): Field[] {
  const summary = field(pbFields(payload(rec)), 5) as Buffer;
  return pbFields(field(pbFields(summary), 1) as Buffer);
}
function decodeHistogram(rec: Buffer) {
  const h = pbFields(field(summaryValueOf(rec), 5) as Buffer);
  const d = (f: number) => ((field(h, f) as Buffer | undefined)?.readDoubleLE(0) ?? 0);
  const packed = (f: number) => {
    const b = field(h, f) as Buffer | undefined;
    return b ? Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(8 * i)) : [];
  };
  return { min: d(1), max: d(2), num: d(3), sum: d(4), sumSquares: d(5), bucketLimit: packed(6), bucket: packed(7) };
}

// ---- building the fixture's calls ----
function tensorOf(t: FT, device: TestDevice): Tensor {
  let x: Tensor;
  if (t.dtype === 'int64') x = torch.fromBuffer(BigInt64Array.from(t.data.map((v) => BigInt(v))), t.shape.slice());
  else if (t.dtype === 'uint8') x = torch.fromBuffer(Uint8Array.from(t.data), t.shape.slice());
  else if (t.dtype === 'float64') x = torch.fromBuffer(Float64Array.from(t.data), t.shape.slice());
  else x = torch.fromBuffer(Float32Array.from(t.data), t.shape.slice());
  return onDevice(x, device);
}
const scalarOf = (v: number | string | FT, device: TestDevice): number | Tensor =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : typeof v === 'object' ? tensorOf(v, device) : (v as number);
const stepOf = (s: number | null) => (s === null ? undefined : s);

/** Every call of the fixture's main file, in its order (the generator's: scalars, texts, histograms, images, raw histograms, audio, PR curves). */
function writeFixtureCalls(w: Writer, device: TestDevice): void {
  for (const s of FX.scalars) w.addScalar(s.tag, scalarOf(s.value, device), stepOf(s.step), s.walltime, s.opts);
  for (const t of FX.texts) w.addText(t.tag, t.text, stepOf(t.step), t.walltime);
  for (const h of FX.histograms)
    w.addHistogram(h.tag, tensorOf(FX.values[h.values]!, device), h.step, h.bins, h.walltime, h.maxBins === undefined ? undefined : { maxBins: h.maxBins });
  for (const im of FX.images) {
    const add = im.many ? w.addImages.bind(w) : w.addImage.bind(w);
    add(im.tag, tensorOf(im.img, device), im.step, im.walltime, { dataformats: im.dataformats });
  }
  for (const h of FX.histogramRaws) w.addHistogramRaw(h.tag, ...h.args, h.step, h.walltime);
  for (const a of FX.audios) w.addAudio(a.tag, tensorOf(a.snd, device), stepOf(a.step), a.sampleRate, a.walltime);
  for (const p of FX.prCurves)
    w.addPrCurve(p.tag, tensorOf(p.labels, device), tensorOf(p.predictions, device), p.step, p.numThresholds, p.weights && tensorOf(p.weights, device), p.walltime);
}

describe('CRC32C and TFRecord framing', () => {
  test('CRC32C known vectors (RFC 3720, "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
  test('masked CRC and the record layout', () => {
    const c = crc32c(Buffer.from('123456789'));
    expect(maskedCrc32c(Buffer.from('123456789'))).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
    const r = tfRecord(Buffer.from('abc'));
    expect(r.length).toBe(19);
    expect(r.readBigUInt64LE(0)).toBe(3n);
    expect(r.subarray(12, 15).toString()).toBe('abc');
    // the fixture's first scalar record, framing included, is PyTorch's
    expect(tfRecord(payload(Buffer.from(FX.scalars[0]!.record, 'hex'))).toString('hex')).toBe(FX.scalars[0]!.record);
  });
  test("PyTorch's default ('tensorflow') bins", () => {
    expect(TENSORFLOW_BINS.length).toBe(FX.defaultBinsCount);
    expect([TENSORFLOW_BINS[0], TENSORFLOW_BINS[TENSORFLOW_BINS.length - 1], TENSORFLOW_BINS[(TENSORFLOW_BINS.length >> 1) + 1]]).toEqual(FX.defaultBinsEnds);
  });
});

describeDevices('SummaryWriter against PyTorch 1.13', (device) => {
  let recs: Buffer[] = [];
  let dir = '';
  let w: Writer;
  beforeAll(async () => {
    dir = freshDir();
    w = new SummaryWriter(dir);
    writeFixtureCalls(w, device);
    w.addScalars(FX.addScalars.mainTag, ...FX.addScalars.calls[0]!);
    w.addScalars(FX.addScalars.mainTag, ...FX.addScalars.calls[1]!);
    const h = FX.hparams;
    w.addHparams(h.hparamDict, h.metricDict, { hparamDomainDiscrete: h.hparamDomainDiscrete, runName: h.runName });
    await w.close();
    recs = records(onlyEventFile(dir));
  });
  test('the first record is file_version brain.Event:2 at the current time', () => {
    const ev = pbFields(payload(recs[0]!));
    expect(ev.map((f) => f.f)).toEqual([1, 3]);
    expect((field(ev, 3) as Buffer).toString()).toBe('brain.Event:2');
    expect(Math.abs((field(ev, 1) as Buffer).readDoubleLE(0) - Date.now() / 1000)).toBeLessThan(60);
    const n = FX.scalars.length + FX.texts.length + FX.histograms.length + FX.images.length + FX.histogramRaws.length + FX.audios.length + FX.prCurves.length;
    expect(recs.length).toBe(1 + n);
  });
  test('scalars: byte-identical records', () => {
    FX.scalars.forEach((s, i) => expect([s.tag, recs[1 + i]!.toString('hex')]).toEqual([s.tag, s.record]));
  });
  test('texts: byte-identical records', () => {
    const o = 1 + FX.scalars.length;
    FX.texts.forEach((t, i) => expect([t.tag, recs[o + i]!.toString('hex')]).toEqual([t.tag, t.record]));
  });
  test("histograms: PyTorch's bucket edges, counts, min, max, num, sum; sum of squares to rounding", () => {
    const o = 1 + FX.scalars.length + FX.texts.length;
    FX.histograms.forEach((h, i) => {
      const rec = recs[o + i]!;
      const got = decodeHistogram(rec);
      const want = decodeHistogram(Buffer.from(h.record, 'hex'));
      expect(want).toEqual(h.decoded); // the fixture's record and its decoding agree
      expect([h.tag, got.bucketLimit, got.bucket]).toEqual([h.tag, want.bucketLimit, want.bucket]);
      expect([got.min, got.max, got.num]).toEqual([want.min, want.max, want.num]);
      expect(got.sum).toBe(want.sum); // numpy's pairwise summation, replayed
      expect(Math.abs(got.sumSquares - want.sumSquares)).toBeLessThanOrEqual(1e-13 * want.sumSquares); // BLAS's dot: its own order
      // everything around the histogram (wall time, step, tag) is PyTorch's bytes
      const sv = summaryValueOf(rec);
      expect((field(sv, 1) as Buffer).toString()).toBe(h.tag);
      const ev = pbFields(payload(rec));
      const evWant = pbFields(payload(Buffer.from(h.record, 'hex')));
      expect([field(ev, 1), field(ev, 2)]).toEqual([field(evWant, 1), field(evWant, 2)]);
    });
  });
  test("images: PyTorch's size, colorspace and pixels (PNG decoded)", () => {
    const o = 1 + FX.scalars.length + FX.texts.length + FX.histograms.length;
    FX.images.forEach((im, i) => {
      const rec = recs[o + i]!;
      const sv = summaryValueOf(rec);
      expect((field(sv, 1) as Buffer).toString()).toBe(im.tag);
      const img = pbFields(field(sv, 4) as Buffer);
      const [height, width, colorspace] = [1, 2, 3].map((f) => Number(field(img, f) as bigint));
      expect([im.tag, height, width, colorspace]).toEqual([im.tag, im.decoded.height, im.decoded.width, im.decoded.colorspace]);
      const png = decodeImage(field(img, 4) as Buffer, 'png', { mode: im.decoded.mode as 'RGB' });
      expect([im.tag, png.width, png.height]).toEqual([im.tag, width, height]);
      expect([im.tag, Buffer.from(png.data).toString('hex')]).toEqual([im.tag, im.decoded.pixels]);
      const ev = pbFields(payload(rec));
      const evWant = pbFields(payload(Buffer.from(im.record, 'hex')));
      expect([field(ev, 1), field(ev, 2)]).toEqual([field(evWant, 1), field(evWant, 2)]);
    });
  });
  test('addHistogramRaw, addAudio (WAV) and addPrCurve: byte-identical records', () => {
    const o = 1 + FX.scalars.length + FX.texts.length + FX.histograms.length + FX.images.length;
    const want = [...FX.histogramRaws, ...FX.audios, ...FX.prCurves];
    want.forEach((x, i) => expect([x.tag, recs[o + i]!.toString('hex')]).toEqual([x.tag, x.record]));
  });
  test('addScalars: one sub-writer directory per tag, byte-identical records', () => {
    const subdirs = fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory()).sort();
    expect(subdirs).toEqual([...Object.keys(FX.addScalars.dirs), FX.hparams.runName].sort());
    for (const [d, want] of Object.entries(FX.addScalars.dirs)) {
      const r = records(onlyEventFile(path.join(dir, d)));
      expect((field(pbFields(payload(r[0]!)), 3) as Buffer).toString()).toBe('brain.Event:2');
      expect(r.slice(1).map((x) => x.toString('hex'))).toEqual(want);
    }
  });
  test('addHparams: the hparams plugin events and the metrics, as PyTorch writes them', () => {
    const r = records(onlyEventFile(path.join(dir, FX.hparams.runName))).slice(1);
    expect(r.length).toBe(FX.hparams.events.length);
    FX.hparams.events.forEach((want, i) => {
      const ev = withoutWallTime(payload(r[i]!));
      if (!want.sessionStartEntries) {
        expect(ev.toString('hex')).toBe(want.event);
        return;
      }
      // session_start_info: map entries in any order
      const sv = summaryValueOf(r[i]!);
      expect((field(sv, 1) as Buffer).toString()).toBe(want.tag);
      const content = field(pbFields(field(pbFields(field(sv, 9) as Buffer), 1) as Buffer), 2) as Buffer;
      const ssi = field(pbFields(content), 3) as Buffer;
      const entries = pbFields(ssi).map((e) => Buffer.concat([Buffer.from([0x0a, (e.v as Buffer).length]), e.v as Buffer]).toString('hex'));
      expect(entries.sort()).toEqual(want.sessionStartEntries);
    });
  });
  test('addCustomScalars / addCustomScalarsMultilinechart / addCustomScalarsMarginchart: PyTorch\'s layout events', async () => {
    const d = freshDir();
    const c = new SummaryWriter(d);
    c.addCustomScalars(FX.customScalars.layout);
    c.addCustomScalarsMultilinechart(...FX.customScalars.multiline);
    c.addCustomScalarsMarginchart(...FX.customScalars.margin);
    await c.close();
    const r = records(onlyEventFile(d)).slice(1);
    expect(r.map((x) => withoutWallTime(payload(x)).toString('hex'))).toEqual(FX.customScalars.events);
  });
  test('purgeStep: file_version and SessionLog START at the purge step first, as PyTorch', async () => {
    const d = freshDir();
    const p = new SummaryWriter({ logDir: d, purgeStep: FX.purge.purgeStep });
    p.addScalar(...FX.purge.scalar);
    await p.close();
    const r = records(onlyEventFile(d)).slice(1);
    expect(r.map((x, i) => (i < 2 ? withoutWallTime(payload(x)) : payload(x)).toString('hex'))).toEqual(FX.purge.events);
  });
});

describe('files, buffering, flushing, closing', () => {
  test("the event file's name and the default log directory are PyTorch's", async () => {
    const d = freshDir();
    const w = new SummaryWriter({ logDir: d, filenameSuffix: '.v2' });
    const w2 = new SummaryWriter(d);
    const host = os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`^events\\.out\\.tfevents\\.(\\d{10})\\.${host}\\.${process.pid}\\.(\\d+)(\\.v2)?$`);
    const m1 = re.exec(path.basename(w.fileName))!;
    const m2 = re.exec(path.basename(w2.fileName))!;
    expect(m1[3]).toBe('.v2');
    expect(Math.abs(Number(m1[1]) - Date.now() / 1000)).toBeLessThan(60);
    expect(Number(m2[2])).toBe(Number(m1[2]) + 1); // one counter for the process, as tensorboard's
    expect(path.dirname(w.fileName)).toBe(d);
    expect(w.getLogdir()).toBe(d);
    expect(/^events\.out\.tfevents\.\d{10}\.[^.]+.*\.\d+\.\d+$/.test(FX.fileName)).toBe(true);
    expect(defaultLogDir('_lr0.1', new Date(2026, 0, 5, 7, 8, 9))).toBe(path.join('runs', `Jan05_07-08-09_${os.hostname()}_lr0.1`));
    expect(defaultLogDir('', new Date(2026, 11, 31, 23, 59, 0))).toBe(path.join('runs', `Dec31_23-59-00_${os.hostname()}`));
    await Promise.all([w.close(), w2.close()]);
  });
  test('adding does not write: the queue goes to the file on flush(), at maxQueue and every flushSecs', async () => {
    const d = freshDir();
    const w = new SummaryWriter({ logDir: d, maxQueue: 1000, flushSecs: 3600 });
    const file = w.fileName;
    const size0 = fs.statSync(file).size;
    for (let i = 0; i < 5; i++) w.addScalar('a', i, i);
    expect(fs.statSync(file).size).toBe(size0); // still in memory
    const p = w.flush();
    expect(p).toBeInstanceOf(Promise);
    await p;
    expect(records(file)).toHaveLength(6);
    // maxQueue: the 3rd event starts a write without anyone waiting
    const q = new SummaryWriter({ logDir: freshDir(), maxQueue: 3, flushSecs: 3600 });
    const qSize0 = fs.statSync(q.fileName).size;
    q.addScalar('a', 1, 1);
    q.addScalar('a', 2, 2);
    expect(records(q.fileName)).toHaveLength(1);
    q.addScalar('a', 3, 3);
    // written by the thread pool while this code keeps running: no await, a synchronous loop
    const t0 = Date.now();
    while (fs.statSync(q.fileName).size === qSize0 && Date.now() - t0 < 3000);
    expect(records(q.fileName)).toHaveLength(4);
    // flushSecs
    const f = new SummaryWriter({ logDir: freshDir(), flushSecs: 0.05 });
    f.addText('t', 'x');
    expect(records(f.fileName)).toHaveLength(1);
    await waitFor(() => records(f.fileName).length === 2);
    await Promise.all([w.close(), q.close(), f.close()]);
  });
  test('close() writes and closes; adding afterwards opens a new event file (as PyTorch)', async () => {
    const d = freshDir();
    const w = new SummaryWriter(d);
    const first = w.fileName;
    w.addScalar('a', 1, 1, 100);
    w.addScalars('m', { x: 1 }, 1, 100);
    await w.close();
    expect(records(first)).toHaveLength(2);
    expect(records(onlyEventFile(path.join(d, 'm_x')))).toHaveLength(2);
    await w.close(); // twice is fine
    expect(w.fileName).toBe(first); // reading it opens nothing
    expect(eventFiles(d)).toHaveLength(1);
    w.addScalar('a', 2, 2, 101);
    const second = w.fileName;
    expect(second).not.toBe(first);
    await w.flush();
    expect(records(second)).toHaveLength(2);
    expect(records(first)).toHaveLength(2);
    await w.close();
  });
  test('at process exit the queue is written synchronously (no close(), default logDir with comment)', () => {
    const d = freshDir();
    fs.mkdirSync(d);
    const r = runChild(`
      const { SummaryWriter } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'utils_tensorboard'))});
      process.chdir(${JSON.stringify(d)});
      const w = new SummaryWriter({ comment: '_exit' });
      for (let i = 0; i < 25; i++) w.addScalar('loss', 1 / (i + 1), i, 1000 + i);
      w.addScalars('s', { a: 1, b: 2 }, 1, 1000);
      w.addText('t', 'bye', 3, 1000);
      void w.flush(); // a write in flight at exit too
      w.addScalar('last', 7, 99, 2000);
      console.log(JSON.stringify({ logDir: w.getLogdir(), file: w.fileName }));
    `, { timeoutMs: 60000 });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { logDir: string; file: string };
    expect(out.logDir).toMatch(new RegExp(`^runs[/\\\\][A-Z][a-z]{2}\\d{2}_\\d{2}-\\d{2}-\\d{2}_.*_exit$`));
    const main = records(path.join(d, out.file));
    expect(main).toHaveLength(1 + 25 + 1 + 1);
    expect(summaryValueOf(main[main.length - 1]!).length).toBe(2); // tag, simple_value
    for (const s of ['s_a', 's_b']) expect(records(onlyEventFile(path.join(d, out.logDir, s)))).toHaveLength(2);
    expect(describeChild(r)).not.toMatch(/Error/);
  });
  test('flushAllSync (the exit hook) writes queued events of open writers', async () => {
    const w = new SummaryWriter({ logDir: freshDir(), flushSecs: 3600 });
    const file = w.fileName;
    w.addScalar('a', 1, 1);
    expect(records(file)).toHaveLength(1);
    flushAllSync();
    expect(records(file)).toHaveLength(2);
    w.addScalar('a', 2, 2); // it stays usable (only the exit hook closes the files)
    await expect(w.close()).resolves.toBeUndefined();
    expect(records(file)).toHaveLength(3);
  });
});

/** Polls `cond` every 10 ms for at most 3 s. */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

describe('errors', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(TorchletError);
      return `${(e as TorchletError).code} ${(e as Error).message}`;
    }
    return 'no error';
  };
  test('an unwritable log directory is ERR_TORCHLET_IO (never a crash)', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(code(() => new SummaryWriter(path.join(file, 'sub')))).toMatch(/^ERR_TORCHLET_IO .*log directory/);
    // addScalars' sub-writer directory under a file
    const d = freshDir();
    const w = new SummaryWriter(d);
    fs.writeFileSync(path.join(d, 'm_x'), 'x');
    expect(code(() => w.addScalars('m', { x: 1 }))).toMatch(/^ERR_TORCHLET_IO /);
    void w.close();
  });
  test('a failed background write rejects flush() and is thrown by every later call (ERR_TORCHLET_IO)', async () => {
    const w = new SummaryWriter({ logDir: freshDir() });
    w.addScalar('a', 1, 1);
    // the file descriptor closed behind the writer's back: the next write fails
    const fw = (w as unknown as { fileWriter: { fd: number } }).fileWriter;
    fs.closeSync(fw.fd);
    fw.fd = 2 ** 30; // a descriptor that is not open
    await expect(w.flush()).rejects.toMatchObject({ code: 'ERR_TORCHLET_IO' });
    expect(code(() => w.addScalar('a', 2, 2))).toMatch(/^ERR_TORCHLET_IO .*writing the event file/);
    void w.flush(); // not awaited: no unhandled rejection
    await expect(w.close()).rejects.toBeInstanceOf(TorchletError);
  });
  test('bad arguments are coded errors naming the argument; unknown option keys are refused', async () => {
    const d = freshDir();
    const W = loose(SummaryWriter as unknown);
    const mk = (...a: unknown[]) => () => new (SummaryWriter as unknown as new (...x: unknown[]) => Writer)(...a);
    void W;
    expect(code(mk({ logDir: d, zzUnknown: 1 }))).toMatch(/ERR_TORCHLET_INVALID_ARG .*opts\.zzUnknown/);
    expect(code(mk({ log_dir: d }))).toMatch(/did you mean 'logDir'/);
    expect(code(mk(d, { flush_secs: 1 }))).toMatch(/did you mean 'flushSecs'/);
    expect(code(mk(d, { logDir: d }))).toMatch(/opts\.logDir/);
    expect(code(mk({ logDir: d }, {}))).toMatch(/INVALID_ARG/);
    expect(code(mk(7))).toMatch(/ERR_TORCHLET_INVALID_ARG_TYPE .*logDir/);
    expect(code(mk(d, { maxQueue: 0 }))).toMatch(/opts\.maxQueue/);
    expect(code(mk(d, { maxQueue: 1.5 }))).toMatch(/opts\.maxQueue/);
    expect(code(mk(d, { flushSecs: 0 }))).toMatch(/opts\.flushSecs/);
    expect(code(mk(d, { flushSecs: '1' }))).toMatch(/opts\.flushSecs/);
    expect(code(mk(d, { purgeStep: -1 }))).toMatch(/opts\.purgeStep/);
    expect(code(mk(d, { comment: 5 }))).toMatch(/opts\.comment/);
    expect(code(mk(d, { filenameSuffix: '/x' }))).toMatch(/opts\.filenameSuffix/);
    expect(code(mk(d, {}, 7))).toMatch(/at most the arguments/);
    const w = new SummaryWriter(d);
    const c = (m: string, ...a: unknown[]) => code(() => loose((w as unknown as Record<string, (...x: unknown[]) => unknown>)[m]!.bind(w))(...a));
    expect(c('addScalar', 5, 1)).toMatch(/INVALID_ARG_TYPE .*for tag/);
    expect(c('addScalar', 'a', 'x')).toMatch(/INVALID_ARG_TYPE .*scalarValue/);
    expect(c('addScalar', 'a', torch.ones([2]))).toMatch(/ERR_TORCHLET_SHAPE .*scalarValue/);
    expect(c('addScalar', 'a', 1, 1.5)).toMatch(/globalStep/);
    expect(c('addScalar', 'a', 1, 1, 'now')).toMatch(/walltime/);
    expect(c('addScalar', 'a', 1, 1, 1, { new_style: true })).toMatch(/did you mean 'newStyle'/);
    expect(c('addScalar', 'a', 1, 1, 1, { newStyle: 1 })).toMatch(/opts\.newStyle/);
    expect(c('addScalar', 'a', 1, 1, 1, {}, 7)).toMatch(/at most the arguments/);
    expect(c('addScalars', 'm', [1])).toMatch(/tagScalarDict/);
    expect(c('addScalars', 'm', { x: 'y' })).toMatch(/tagScalarDict\.x/);
    expect(c('addHistogram', 'h', [])).toMatch(/INVALID_ARG .*values/);
    expect(c('addHistogram', 'h', 'abc')).toMatch(/INVALID_ARG_TYPE .*values/);
    expect(c('addHistogram', 'h', [1, 2], 0, 'bogus')).toMatch(/INVALID_ARG .*bins/);
    expect(c('addHistogram', 'h', [1, 2], 0, 0)).toMatch(/bins/);
    expect(c('addHistogram', 'h', [1, 2], 0, [1])).toMatch(/bins/);
    expect(c('addHistogram', 'h', [1, 2], 0, [2, 1])).toMatch(/bins/);
    expect(c('addHistogram', 'h', [5, 6], 0, [0, 1])).toMatch(/INVALID_ARG .*values.*range of the bins/);
    expect(c('addHistogram', 'h', [1, NaN], 0, 10)).toMatch(/INVALID_ARG .*values.*finite/);
    expect(c('addHistogram', 'h', [1, 2], 0, 'tensorflow', undefined, { maxBins: 0 })).toMatch(/opts\.maxBins/);
    expect(c('addHistogram', 'h', [1, 2], 0, 'tensorflow', undefined, { max_bins: 2 })).toMatch(/did you mean 'maxBins'/);
    expect(c('addImage', 'i', [1, 2])).toMatch(/INVALID_ARG_TYPE .*imgTensor/);
    expect(c('addImage', 'i', torch.rand([3, 2]))).toMatch(/ERR_TORCHLET_SHAPE .*imgTensor/);
    expect(c('addImage', 'i', torch.rand([3, 2, 2]), 0, undefined, { dataformats: 'CHX' })).toMatch(/opts\.dataformats/);
    expect(c('addImage', 'i', torch.rand([3, 2, 2]), 0, undefined, { dataformats: 'CCH' })).toMatch(/opts\.dataformats/);
    expect(c('addImage', 'i', torch.rand([5, 2, 2]))).toMatch(/ERR_TORCHLET_SHAPE .*channels/);
    expect(c('addImage', 'i', torch.rand([1, 2, 2]), 0, undefined, { format: 'CHW' })).toMatch(/opts\.format/);
    expect(c('addImages', 'i', torch.rand([2, 3, 2, 2]), 0, undefined, { dataformats: 'CHW' })).toMatch(/opts\.dataformats/);
    expect(c('addText', 't', 5)).toMatch(/INVALID_ARG_TYPE .*textString/);
    expect(c('addHistogramRaw', 'r', 0, 1, 2, 1, 1, [1, 2], [2])).toMatch(/INVALID_ARG .*bucketCounts/);
    expect(c('addHistogramRaw', 'r', '0', 1, 2, 1, 1, [1], [2])).toMatch(/INVALID_ARG_TYPE .*min/);
    expect(c('addHistogramRaw', 'r', 0, 1, 2, 1, 1, 'x', [2])).toMatch(/INVALID_ARG_TYPE .*bucketLimits/);
    expect(c('addPrCurve', 'p', [1, 0], [0.5])).toMatch(/ERR_TORCHLET_SHAPE .*labels/);
    expect(c('addPrCurve', 'p', [1, 0], [0.5, 0.2], 0, 1)).toMatch(/INVALID_ARG .*numThresholds/);
    expect(c('addPrCurve', 'p', [1, 0], [0.5, 0.2], 0, 10, [1])).toMatch(/ERR_TORCHLET_SHAPE .*weights/);
    expect(c('addPrCurve', 'p', [1, 0], 'x')).toMatch(/INVALID_ARG_TYPE .*predictions/);
    expect(c('addCustomScalars', { c: { t: ['Bar', ['a']] } })).toMatch(/INVALID_ARG .*layout\.c\.t\[0\]/);
    expect(c('addCustomScalars', { c: { t: ['Margin', ['a']] } })).toMatch(/INVALID_ARG .*layout\.c\.t\[1\]/);
    expect(c('addCustomScalars', { c: [1] })).toMatch(/INVALID_ARG_TYPE .*layout\.c/);
    expect(c('addCustomScalarsMarginchart', ['a', 'b'])).toMatch(/INVALID_ARG .*three tags/);
    expect(c('addCustomScalarsMultilinechart', ['a'], { titel: 'x' })).toMatch(/opts\.titel/);
    expect(c('addCustomScalarsMultilinechart', 'a')).toMatch(/INVALID_ARG_TYPE .*tags/);
    expect(c('addAudio', 'a', [0.1, 0.2])).toMatch(/INVALID_ARG_TYPE .*sndTensor/);
    expect(c('addAudio', 'a', torch.zeros([2, 3]))).toMatch(/ERR_TORCHLET_SHAPE .*sndTensor/);
    expect(c('addAudio', 'a', torch.zeros([3]), 0, 0)).toMatch(/INVALID_ARG .*sampleRate/);
    expect(c('addAudio', 'a', torch.zeros([3]), 0, '8000')).toMatch(/INVALID_ARG_TYPE .*sampleRate/);
    expect(c('addHparams', [1], {})).toMatch(/hparamDict/);
    expect(c('addHparams', { a: 1 }, 'x')).toMatch(/metricDict/);
    expect(c('addHparams', { a: 1 }, {}, { hparamDomainDiscrete: { b: [1] } })).toMatch(/hparamDomainDiscrete\.b/);
    expect(c('addHparams', { a: 1 }, {}, { hparamDomainDiscrete: { a: ['x'] } })).toMatch(/hparamDomainDiscrete\.a/);
    expect(c('addHparams', { a: 1 }, {}, { run_name: 'x' })).toMatch(/did you mean 'runName'/);
    expect(c('flush', 1)).toMatch(/at most the arguments|no arguments/);
    await w.close();
  });
  test('a sweep of bad values in every position: only coded errors (the default logDir made in a temporary cwd)', async () => {
    const disposed = torch.ones([2]);
    disposed.dispose();
    const BAD: unknown[] = [undefined, null, NaN, Infinity, -1, 0.5, 'x', [], {}, { zzBogus: 1 }, Symbol('s'), 3n, true, torch.ones([2, 2]),
      torch.tensor([1, 2], { dtype: 'int64' }), disposed, () => 1];
    const d = freshDir();
    fs.mkdirSync(d);
    const cwd = process.cwd();
    process.chdir(d); // new SummaryWriter() with no logDir writes runs/... in the working directory
    const problems: string[] = [];
    const writers: Writer[] = [];
    const tryCall = (label: string, f: () => unknown) => {
      try {
        const r = f();
        if (r instanceof SummaryWriter) writers.push(r);
      } catch (e) {
        if (!(e instanceof TorchletError) || !/^ERR_TORCHLET_[A-Z_]+$/.test(String((e as TorchletError).code)))
          problems.push(`${label}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
      }
    };
    try {
      const ctor = SummaryWriter as unknown as new (...a: unknown[]) => Writer;
      for (const [i, b] of BAD.entries()) {
        tryCall(`new SummaryWriter(bad${i})`, () => new ctor(b));
        tryCall(`new SummaryWriter(dir, bad${i})`, () => new ctor(path.join(d, 'x'), b));
      }
      const w = new SummaryWriter(path.join(d, 'y'));
      writers.push(w);
      const plausible: Record<string, unknown[]> = {
        addScalar: ['a', 1, 1, 100, {}], addScalars: ['m', { a: 1 }, 1, 100], addHistogram: ['h', [1, 2, 3], 1, 'tensorflow', 100, {}],
        addImage: ['i', torch.rand([3, 2, 2]), 1, 100, {}], addImages: ['i', torch.rand([2, 3, 2, 2]), 1, 100, {}], addText: ['t', 'x', 1, 100],
        addHparams: [{ a: 1 }, { m: 1 }, { runName: 'r' }], flush: [], close: [], getLogdir: [],
        addHistogramRaw: ['r', 0, 1, 2, 1, 1, [1], [2], 1, 100], addCustomScalars: [{ c: { t: ['Multiline', ['a']] } }],
        addCustomScalarsMultilinechart: [['a'], { title: 't' }], addCustomScalarsMarginchart: [['a', 'b', 'c'], { category: 'c' }], addPrCurve: ['p', [1, 0], [0.2, 0.7], 1, 10, [1, 2], 100], addAudio: ['a', torch.rand([8]), 1, 8000, 100],
      };
      for (const [m, args] of Object.entries(plausible))
        for (let pos = 0; pos <= args.length; pos++)
          for (const [i, b] of BAD.entries()) {
            const a = [...args];
            a[pos] = b;
            tryCall(`${m}(bad${i} at ${pos})`, () => loose((w as unknown as Record<string, unknown>)[m])!.call(w, ...a));
          }
    } finally {
      process.chdir(cwd);
    }
    await Promise.allSettled(writers.map((x) => x.close()));
    expect(problems).toEqual([]);
    expect(fs.readdirSync(path.join(d, 'runs')).length).toBeGreaterThan(0);
  });
});
