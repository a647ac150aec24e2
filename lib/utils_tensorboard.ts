// lib/utils_tensorboard.ts — torch.utils.tensorboard: SummaryWriter, writing TensorBoard event files.
// Contract: new SummaryWriter(logDir?, {comment, purgeStep, maxQueue=10, flushSecs=120, filenameSuffix})
// (or SummaryWriter({logDir, ...})) writes, as PyTorch 1.13's, one file
// <logDir>/events.out.tfevents.<%010d seconds>.<hostname>.<pid>.<n><filenameSuffix> (n counts the event
// files this process opened, from 0) of TFRecord records (uint64 length, masked CRC32C of the length,
// payload, masked CRC32C of the payload) holding `Event` protobufs (encoded here by hand: the first one
// {wall_time, file_version: "brain.Event:2"}, then {wall_time, step, summary}). The default logDir is
// runs/<Mon>DD_HH-MM-SS_<hostname><comment> (local time). addScalar / addScalars (one sub-writer directory
// <logDir>/<mainTag with '/' as '_'>_<tag> per tag, each event tagged mainTag) / addHistogram (numpy's
// histogram with PyTorch's 'tensorflow' default edges, trimmed to the support as PyTorch does) / addImage,
// addImages (uint8 tensors as they are, other dtypes * 255, clipped to 0..255 and truncated; one channel
// becomes RGB; N images tiled 8 to a row; PNG-encoded) / addText (tag + '/text_summary', the text plugin)
// / addHistogramRaw / addAudio (mono 16-bit PCM WAV) / addPrCurve (the pr_curves plugin) / addCustomScalars*
// (the custom_scalars plugin's layout) / addHparams
// (the hparams plugin, in <logDir>/<runName>) each encode one event at once and append it
// to an in-memory queue: nothing waits for the disk. The queue goes to the file (a write handed to
// libuv's thread pool at once, one in flight at a time, so even a loop that never awaits gets its
// events written) when it holds maxQueue events, every flushSecs seconds (a timer: while the event loop
// runs), on flush() and close() (promises resolving once the bytes are written), and synchronously when
// the process exits (not when it is killed by a signal).
// Bad arguments are coded errors naming the argument; an unknown option key is refused. A directory or
// file that cannot be created is an ERR_TORCHLET_IO error from the call that needed it; a failed
// background write never throws by itself: the promise of flush()/close() rejects with it (a promise
// nobody awaits is not an unhandled rejection) and every later call on that writer throws it (coded
// ERR_TORCHLET_IO), as PyTorch re-raises its writer thread's error. After close(), adding opens a new
// event file, as PyTorch's. Not here: addGraph, addEmbedding, addFigure, addVideo, addMesh,
// addOnnxGraph (each needs more than an event encoder: a graph tracer, a projector
// config, matplotlib, a GIF encoder, ...).
import * as path from 'path';
import { checkInt, checkOptionKeys, invalidArg, typeArg } from './errors';
import { Tensor } from './tensor';
import {
  EventFileWriter, checkBins, checkLayout, customScalarsSummary, encodeAudio, isTypedNumbers, prCurveSummary, checkStep, checkTag, checkWalltime, encodeEvent, encodeHistogram, encodeImage, histogramValues,
  defaultLogDir, hparamsSummaries, makeHistogram, pbVarint, scalarSummary, summaryOf, summaryValue, textSummary, toScalar, wallNow,
} from './utils_tensorboard_events';
import type { CustomScalarsLayout } from './utils_tensorboard_events';
export type { CustomScalarsLayout, ChartKind } from './utils_tensorboard_events';

// ---------------------------------------------------------------------------------------------
// SummaryWriter
// ---------------------------------------------------------------------------------------------
export interface SummaryWriterOptions {
  /** the directory of the event file (default runs/<Mon>DD_HH-MM-SS_<hostname><comment>) */
  logDir?: string;
  /** appended to the default logDir (ignored when logDir is given, as PyTorch's) */
  comment?: string;
  /** events at or after this step, from an earlier run in the same logDir, are hidden by TensorBoard */
  purgeStep?: number;
  /** events held in memory before they are handed to the background write (default 10) */
  maxQueue?: number;
  /** seconds between flushes of the queue (default 120) */
  flushSecs?: number;
  /** appended to the event file names */
  filenameSuffix?: string;
}
const WRITER_KEYS = ['logDir', 'comment', 'purgeStep', 'maxQueue', 'flushSecs', 'filenameSuffix'];
function optString(name: string, v: unknown, def: string): string {
  if (v === undefined) return def;
  if (typeof v !== 'string') typeArg(name, 'a string', v);
  return v as string;
}

/** torch.utils.tensorboard.SummaryWriter: events for TensorBoard, written in the background. */
export class SummaryWriter {
  /** the directory of the event file */
  readonly logDir: string;
  readonly maxQueue: number;
  readonly flushSecs: number;
  readonly filenameSuffix: string;
  private purgeStep: number | undefined;
  private fileWriter: EventFileWriter | null = null;
  private lastFileWriter!: EventFileWriter;
  private allWriters = new Map<string, EventFileWriter>();

  constructor(logDir?: string | SummaryWriterOptions, opts?: SummaryWriterOptions) {
    let o: SummaryWriterOptions;
    if (typeof logDir === 'object' && logDir !== null && !Array.isArray(logDir)) {
      if (opts !== undefined) invalidArg('SummaryWriter()', 'at most the arguments (logDir, opts) with a string first', 'two options objects');
      o = checkOptionKeys('opts', logDir, WRITER_KEYS);
    } else {
      if (logDir !== undefined && logDir !== null && typeof logDir !== 'string') typeArg('logDir', 'a string or an options object', logDir);
      o = checkOptionKeys('opts', opts, WRITER_KEYS.filter((k) => k !== 'logDir'));
      if (typeof logDir === 'string') o = { ...o, logDir };
    }
    const comment = optString('opts.comment', o.comment, '');
    const dir = optString('opts.logDir', o.logDir, '');
    this.purgeStep = o.purgeStep === undefined || o.purgeStep === null ? undefined : checkInt('opts.purgeStep', o.purgeStep, 0);
    this.maxQueue = o.maxQueue === undefined ? 10 : checkInt('opts.maxQueue', o.maxQueue, 1);
    const fs_ = o.flushSecs === undefined ? 120 : o.flushSecs;
    if (typeof fs_ !== 'number' || !Number.isFinite(fs_)) typeArg('opts.flushSecs', 'a finite number of seconds', fs_);
    if (fs_ <= 0 || fs_ * 1000 > 2147483647) invalidArg('opts.flushSecs', 'a number of seconds > 0 (and < 2^31 ms)', fs_);
    this.flushSecs = fs_;
    this.filenameSuffix = optString('opts.filenameSuffix', o.filenameSuffix, '');
    if (/[/\\\0]/.test(this.filenameSuffix)) invalidArg('opts.filenameSuffix', 'a file name suffix (no path separator)', this.filenameSuffix);
    this.logDir = dir || defaultLogDir(comment);
    this.getFileWriter();
  }

  /** The main event file's writer, opened again after close() (as PyTorch's _get_file_writer). */
  private getFileWriter(): EventFileWriter {
    if (this.fileWriter && !this.fileWriter.closed) {
      this.fileWriter.check();
      return this.fileWriter;
    }
    const w = new EventFileWriter(this.logDir, this.maxQueue, this.flushSecs, this.filenameSuffix);
    this.fileWriter = w;
    this.lastFileWriter = w;
    this.allWriters = new Map([[this.logDir, w]]);
    if (this.purgeStep !== undefined) {
      const step = this.purgeStep;
      w.add(encodeEvent({ wallTime: wallNow(), step, fileVersion: 'brain.Event:2' }));
      w.add(encodeEvent({ wallTime: wallNow(), step, sessionLog: pbVarint(1, 1) })); // SessionLog{status: START}
      this.purgeStep = undefined;
    }
    return w;
  }
  private addSummary(w: EventFileWriter, summary: Buffer, step: number | undefined, wallTime: number): void {
    w.add(encodeEvent({ wallTime, step, summary }));
  }

  /** The directory the main event file is in. */
  getLogdir(): string {
    return this.logDir;
  }
  /** The path of the main event file (after close(), the closed one until the next add opens a new one). */
  get fileName(): string {
    return (this.fileWriter ?? this.lastFileWriter).fileName;
  }

  /**
   * One scalar: a number, a boolean or a one-element tensor, as a float32 simple_value (PyTorch's
   * default; {newStyle: true} writes a tensor with the scalars plugin, float64 with doublePrecision).
   */
  addScalar(tag: string, scalarValue: number | Tensor, globalStep?: number, walltime?: number, opts?: { newStyle?: boolean; doublePrecision?: boolean }): void {
    checkTag('tag', tag);
    const v = toScalar('scalarValue', scalarValue);
    const step = checkStep(globalStep);
    const wt = checkWalltime(walltime);
    const o = checkOptionKeys('opts', opts, ['newStyle', 'doublePrecision']);
    for (const k of ['newStyle', 'doublePrecision'] as const)
      if (o[k] !== undefined && typeof o[k] !== 'boolean') typeArg(`opts.${k}`, 'a boolean', o[k]);
    this.addSummary(this.getFileWriter(), scalarSummary(tag, v, o.newStyle, o.doublePrecision), step, wt);
  }

  /**
   * Several scalars under one main tag: each goes, tagged mainTag, to its own event file in
   * <logDir>/<mainTag with '/' as '_'>_<tag> (TensorBoard shows them as runs in one chart).
   */
  addScalars(mainTag: string, tagScalarDict: Record<string, number | Tensor>, globalStep?: number, walltime?: number): void {
    checkTag('mainTag', mainTag);
    if (typeof tagScalarDict !== 'object' || tagScalarDict === null || Array.isArray(tagScalarDict) || tagScalarDict instanceof Tensor)
      typeArg('tagScalarDict', 'an object of {tag: number or one-element tensor}', tagScalarDict);
    const entries = Object.entries(tagScalarDict).map(([k, v]) => [k, toScalar(`tagScalarDict.${k}`, v)] as const);
    const step = checkStep(globalStep);
    const wt = checkWalltime(walltime);
    const main = this.getFileWriter();
    for (const [tag, v] of entries) {
      const dir = `${main.logDir}/${mainTag.replace(/\//g, '_')}_${tag}`;
      let fw = this.allWriters.get(dir);
      if (!fw || fw.closed) {
        fw = new EventFileWriter(dir, this.maxQueue, this.flushSecs, this.filenameSuffix);
        this.allWriters.set(dir, fw);
      }
      fw.check();
      this.addSummary(fw, scalarSummary(mainTag, v), step, wt);
    }
  }

  /**
   * A histogram of `values` (a tensor, a typed array or an array of numbers): bins 'tensorflow'
   * (PyTorch's default edges), a number of equal bins, an array of edges, or a numpy estimator
   * ('auto', 'fd', 'rice', 'scott', 'sqrt', 'sturges'); {maxBins} merges bins as PyTorch's max_bins.
   */
  addHistogram(tag: string, values: Tensor | ArrayLike<number> | number[], globalStep?: number, bins?: string | number | readonly number[], walltime?: number, opts?: { maxBins?: number }): void {
    checkTag('tag', tag);
    const vals = histogramValues('values', values);
    const step = checkStep(globalStep);
    const b = checkBins(bins);
    const wt = checkWalltime(walltime);
    const o = checkOptionKeys('opts', opts, ['maxBins']);
    const maxBins = o.maxBins === undefined || o.maxBins === null ? undefined : checkInt('opts.maxBins', o.maxBins, 1);
    const h = makeHistogram(vals, b, maxBins);
    this.addSummary(this.getFileWriter(), summaryOf(summaryValue(tag, { histo: encodeHistogram(h) })), step, wt);
  }

  /**
   * A histogram given by its statistics, as PyTorch's add_histogram_raw: bucketLimits are the right
   * edges of the buckets, bucketCounts their counts (as many of both).
   */
  addHistogramRaw(
    tag: string, min: number, max: number, num: number, sum: number, sumSquares: number, bucketLimits: readonly number[], bucketCounts: readonly number[],
    globalStep?: number, walltime?: number,
  ): void {
    checkTag('tag', tag);
    const stats = { min, max, num, sum, sumSquares };
    for (const [k, v] of Object.entries(stats)) if (typeof v !== 'number') typeArg(k, 'a number', v);
    const nums = (name: string, v: unknown): number[] => {
      if (!(Array.isArray(v) || isTypedNumbers(v)) || !Array.from(v as ArrayLike<unknown>).every((x) => typeof x === 'number'))
        typeArg(name, 'an array of numbers', v);
      return Array.from(v as ArrayLike<number>);
    };
    const limits = nums('bucketLimits', bucketLimits);
    const counts = nums('bucketCounts', bucketCounts);
    if (limits.length !== counts.length) invalidArg('bucketCounts', `as many counts as bucketLimits has limits (${limits.length})`, counts.length);
    const step = checkStep(globalStep);
    const wt = checkWalltime(walltime);
    const histo = encodeHistogram({ ...stats, bucketLimit: limits, bucket: counts });
    this.addSummary(this.getFileWriter(), summaryOf(summaryValue(tag, { histo })), step, wt);
  }

  /**
   * A precision-recall curve, as PyTorch's add_pr_curve: labels (0/1, or weights of "true") and
   * predictions in [0, 1] (tensors or arrays of the same length), numThresholds (default 127, at most
   * 127), optional weights (a number or one per label).
   */
  addPrCurve(tag: string, labels: Tensor | ArrayLike<number>, predictions: Tensor | ArrayLike<number>, globalStep?: number, numThresholds?: number, weights?: Tensor | ArrayLike<number> | number, walltime?: number): void {
    checkTag('tag', tag);
    const step = checkStep(globalStep);
    const nt = numThresholds === undefined ? 127 : checkInt('numThresholds', numThresholds, 2);
    const wt = checkWalltime(walltime);
    this.addSummary(this.getFileWriter(), prCurveSummary(tag, labels, predictions, nt, weights), step, wt);
  }

  /**
   * The custom_scalars plugin's layout, as PyTorch's add_custom_scalars:
   * {category: {chartTitle: ['Multiline', tags] | ['Margin', [valueTag, lowerTag, upperTag]]}}.
   */
  addCustomScalars(layout: CustomScalarsLayout): void {
    const l = checkLayout('layout', layout);
    this.addSummary(this.getFileWriter(), customScalarsSummary(l), undefined, wallNow());
  }
  /** One multiline chart of `tags` ({category='default', title='untitled'}), as PyTorch's add_custom_scalars_multilinechart. */
  addCustomScalarsMultilinechart(tags: string[], opts?: { category?: string; title?: string }): void {
    const o = checkOptionKeys('opts', opts, ['category', 'title']);
    const layout = checkLayout('tags', { [optString('opts.category', o.category, 'default')]: { [optString('opts.title', o.title, 'untitled')]: ['Multiline', tags] } });
    this.addSummary(this.getFileWriter(), customScalarsSummary(layout), undefined, wallNow());
  }
  /** One margin chart of tags [value, lower, upper] ({category='default', title='untitled'}), as PyTorch's add_custom_scalars_marginchart. */
  addCustomScalarsMarginchart(tags: string[], opts?: { category?: string; title?: string }): void {
    const o = checkOptionKeys('opts', opts, ['category', 'title']);
    const layout = checkLayout('tags', { [optString('opts.category', o.category, 'default')]: { [optString('opts.title', o.title, 'untitled')]: ['Margin', tags] } });
    this.addSummary(this.getFileWriter(), customScalarsSummary(layout), undefined, wallNow());
  }

  /**
   * Audio, as PyTorch's add_audio: a tensor with one dimension of size > 1 (values in [-1, 1]; the whole
   * signal is clipped when one leaves it), written as a mono 16-bit PCM WAV at sampleRate (default 44100).
   */
  addAudio(tag: string, sndTensor: Tensor, globalStep?: number, sampleRate?: number, walltime?: number): void {
    checkTag('tag', tag);
    const step = checkStep(globalStep);
    const rate = sampleRate === undefined ? 44100 : sampleRate;
    if (typeof rate !== 'number' || !Number.isFinite(rate)) typeArg('sampleRate', 'a number of samples per second', rate);
    if (rate <= 0 || rate > 4294967295 / 2) invalidArg('sampleRate', 'a number of samples per second > 0', rate);
    const wt = checkWalltime(walltime);
    const audio = encodeAudio('sndTensor', sndTensor, rate);
    this.addSummary(this.getFileWriter(), summaryOf(summaryValue(tag, { audio })), step, wt);
  }

  /**
   * One image (a tensor laid out as {dataformats='CHW'}: 'CHW', 'HWC', 'HW', or with N, a grid 8 images
   * wide), PNG-encoded. uint8 tensors are taken as they are; other dtypes are scaled by 255 (values in
   * [0, 1]), clipped to 0..255 and truncated. One channel becomes RGB, as PyTorch's.
   */
  addImage(tag: string, imgTensor: Tensor, globalStep?: number, walltime?: number, opts?: { dataformats?: string }): void {
    checkTag('tag', tag);
    const step = checkStep(globalStep);
    const wt = checkWalltime(walltime);
    const o = checkOptionKeys('opts', opts, ['dataformats']);
    const fmt = optString('opts.dataformats', o.dataformats, 'CHW');
    const image = encodeImage('imgTensor', imgTensor, fmt);
    this.addSummary(this.getFileWriter(), summaryOf(summaryValue(tag, { image })), step, wt);
  }

  /** A batch of images ({dataformats='NCHW'}), tiled into one grid 8 images wide, as addImage. */
  addImages(tag: string, imgTensor: Tensor, globalStep?: number, walltime?: number, opts?: { dataformats?: string }): void {
    checkTag('tag', tag);
    const o = checkOptionKeys('opts', opts, ['dataformats']);
    const fmt = optString('opts.dataformats', o.dataformats, 'NCHW');
    if (fmt.length !== 4) invalidArg('opts.dataformats', "a layout with N ('NCHW', 'NHWC')", fmt);
    this.addImage(tag, imgTensor, globalStep, walltime, { dataformats: fmt });
  }

  /** Text (markdown) for TensorBoard's text plugin, tagged tag + '/text_summary' as PyTorch's. */
  addText(tag: string, textString: string, globalStep?: number, walltime?: number): void {
    checkTag('tag', tag);
    if (typeof textString !== 'string') typeArg('textString', 'a string', textString);
    const step = checkStep(globalStep);
    const wt = checkWalltime(walltime);
    this.addSummary(this.getFileWriter(), textSummary(tag, textString), step, wt);
  }

  /**
   * Hyperparameters and their metrics for TensorBoard's HParams tab, as PyTorch's: in a new event file
   * in <logDir>/<runName> (default: the current time in seconds), the experiment, session start and
   * end, and each metric as a scalar. Values: numbers, strings or booleans.
   */
  addHparams(
    hparamDict: Record<string, number | string | boolean | Tensor>, metricDict: Record<string, number | Tensor>,
    opts?: { hparamDomainDiscrete?: Record<string, (number | string | boolean)[]>; runName?: string },
  ): void {
    const isDict = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor);
    if (!isDict(hparamDict)) typeArg('hparamDict', 'an object of {name: number, string, boolean or one-element tensor}', hparamDict);
    if (!isDict(metricDict)) typeArg('metricDict', 'an object of {name: number or one-element tensor}', metricDict);
    const o = checkOptionKeys('opts', opts, ['hparamDomainDiscrete', 'runName']);
    const hp: Record<string, number | string | boolean> = {};
    for (const [k, v] of Object.entries(hparamDict))
      hp[k] = typeof v === 'string' || typeof v === 'boolean' ? v : toScalar(`hparamDict.${k}`, v);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(metricDict)) metrics[k] = toScalar(`metricDict.${k}`, v);
    const domains = (o.hparamDomainDiscrete ?? {}) as Record<string, (number | string | boolean)[]>;
    if (!isDict(domains)) typeArg('opts.hparamDomainDiscrete', 'an object of {name: array of values}', domains);
    for (const [k, d] of Object.entries(domains)) {
      if (!(k in hp)) invalidArg(`opts.hparamDomainDiscrete.${k}`, 'a key of hparamDict', k);
      if (!Array.isArray(d) || !d.every((x) => typeof x === typeof hp[k])) typeArg(`opts.hparamDomainDiscrete.${k}`, `an array of values of the type of hparamDict.${k}`, d);
    }
    const runName = optString('opts.runName', o.runName, '') || String(wallNow());
    const dir = path.join(this.getFileWriter().logDir, runName);
    const w = new EventFileWriter(dir, this.maxQueue, this.flushSecs, this.filenameSuffix);
    const wt = wallNow();
    for (const s of hparamsSummaries(hp, metrics, domains)) this.addSummary(w, s, undefined, wt);
    for (const [k, v] of Object.entries(metrics)) this.addSummary(w, scalarSummary(k, v), undefined, wallNow());
    void w.close();
  }

  /** Writes every queued event of every event file of this writer; resolves when they are on disk. */
  flush(): Promise<void> {
    const ws = [...this.allWriters.values()];
    return settle(ws.map((w) => w.flush()));
  }
  /** Flushes and closes the event files (adding afterwards opens new ones); resolves when closed. */
  close(): Promise<void> {
    const ws = [...this.allWriters.values()];
    this.fileWriter = null;
    this.allWriters = new Map();
    return settle(ws.map((w) => w.close()));
  }
}
/** Waits for every promise; rejects with the first error (a promise nobody awaits is not unhandled). */
function settle(ps: Promise<void>[]): Promise<void> {
  const p = Promise.allSettled(ps).then((rs) => {
    for (const r of rs) if (r.status === 'rejected') throw r.reason;
  });
  p.catch(() => undefined);
  return p;
}
