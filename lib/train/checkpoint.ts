// lib/train/checkpoint.ts — the resumable training checkpoint (`last.safetensors`), written after
// every epoch. One safetensors file, so one atomic write (temp + fsync + rename via serialize.save):
//   tensors  `model.<name>`                       the model's stateDict (weights and buffers)
//            `optimizer.state.<index>.<name>`     the optimizer's tensor state (Adam: expAvg, expAvgSq)
//   metadata `torchlet.train_state`               JSON (TrainState below): epochs done, best validation
//            loss/epoch, early-stopping counter, history, the global RNG state, the DataLoader's shuffle
//            state, the optimizer's numeric state (Adam step counts) and parameter groups, the options,
//            and, once the run has evaluated its best model on the test set, that result (`test`):
//            a checkpoint of a run whose epochs are all done but without `test` was stopped before
//            its evaluation, and resuming it evaluates (the file is rewritten with `test` afterwards).
// readTrainState() reads and checks such a file as untrusted input: the safetensors format in full
// (serialize.ts), then the training state field by field and the fields against each other
// (checkTrainState), and only model.* / optimizer.state.* tensors; errors are TorchletErrors
// (ERR_TORCHLET_BAD_CHECKPOINT) whose message names the argument (`what`, e.g. "--resume") and the
// field. The tensors are checked against the model and the optimizer when the run loads them
// (all-or-nothing loadStateDict). The weights-only `best.safetensors` is not resumable.
import * as fs from 'fs';
import * as path from 'path';
import { TorchletError } from '../errors';
import { Tensor } from '../tensor';
import { deserializeWithMetadata, loadWithMetadata, save } from '../serialize';
import { Module } from '../nn/module';
import { Optimizer, StateValue } from '../optim/optimizer';
import { serveMetadata } from '../serve/model';

export const STATE_KEY = 'torchlet.train_state';
export const LAST = 'last.safetensors';

/** The options that determine a run's numbers (a resumed run must use the same ones). */
export interface RunOptions {
  model: string;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  patience: number;
  seed: number;
  limitTrain: number | null;
  limitTest: number | null;
  /** The data directory (not checked on resume: a resumed run may read the same files elsewhere). */
  data?: string | null;
}
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  seconds: number;
  improved: boolean;
}
export interface TrainState {
  format: 'torchlet-train-state';
  version: 1;
  /** Epochs completed. */
  epoch: number;
  bestValLoss: number;
  bestEpoch: number;
  /** Epochs since the last improvement (the early-stopping counter). */
  bad: number;
  earlyStopped: boolean;
  history: EpochRecord[];
  rng: { seed: number; offset: number };
  trainLoader: { epoch: number };
  optimizer: { paramGroups: Record<string, unknown>[]; numbers: Record<string, Record<string, number>> };
  options: RunOptions;
  /** The best model's test-set result, present once the run finished (written after its evaluation). */
  test?: { acc: number; loss: number };
}

// JSON cannot hold Infinity/NaN (a first validation loss of NaN leaves best = Infinity): tag them.
function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v;
}
function reviver(_k: string, v: unknown): unknown {
  return v && typeof v === 'object' && '$num' in (v as object) ? Number((v as { $num: string }).$num) : v;
}

/** Writes the training checkpoint atomically. */
export function saveTrainState(file: string, model: Module, optimizer: Optimizer<object>, state: Omit<TrainState, 'optimizer' | 'format' | 'version'>): void {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t;
  const sd = optimizer.stateDict();
  const numbers: Record<string, Record<string, number>> = {};
  for (const [idx, s] of Object.entries(sd.state)) {
    for (const [name, v] of Object.entries(s)) {
      if (v instanceof Tensor) tensors[`optimizer.state.${idx}.${name}`] = v;
      else (numbers[idx] ??= {})[name] = v;
    }
  }
  const full: TrainState = { format: 'torchlet-train-state', version: 1, ...state, optimizer: { paramGroups: sd.paramGroups as Record<string, unknown>[], numbers } };
  save(tensors, file, { metadata: { [STATE_KEY]: JSON.stringify(full, replacer), model: state.options.model, epoch: String(state.epoch), ...serveMetadata(state.options.model) } });
}

export interface LoadedTrainState {
  file: string;
  state: TrainState;
  model: Record<string, Tensor>;
  optimizer: { state: Record<number, Record<string, StateValue>>; paramGroups: (Record<string, unknown> & { params: number[] })[] };
  dispose(): void;
}

/** `arg` is a run directory (holding last.safetensors) or the checkpoint file itself. */
export function resolveCheckpoint(arg: string, what = 'resume'): string {
  const fail = (m: string): never => {
    throw new TorchletError(`torchlet: ${what}: ${m}`, 'ERR_TORCHLET_BAD_CHECKPOINT');
  };
  if (typeof arg !== 'string' || !arg) fail('expected a checkpoint directory or file');
  if (!fs.existsSync(arg)) fail(`no such file or directory: ${arg}`);
  if (fs.statSync(arg).isDirectory()) {
    const f = path.join(arg, LAST);
    if (!fs.existsSync(f)) fail(`${arg} holds no ${LAST} (the resumable checkpoint a training run writes after each epoch)`);
    return f;
  }
  return arg;
}

/** Reads the metadata of a safetensors buffer (null when it has none or is not a valid safetensors file). */
export function safetensorsMetadata(buf: Buffer): Record<string, string> | null {
  try {
    const { tensors, metadata } = deserializeWithMetadata(buf);
    Object.values(tensors).forEach((t) => t.dispose());
    return Object.keys(metadata).length ? metadata : null;
  } catch {
    return null;
  }
}

const STATE_KEYS = ['format', 'version', 'epoch', 'bestValLoss', 'bestEpoch', 'bad', 'earlyStopped', 'history', 'rng', 'trainLoader', 'optimizer', 'options', 'test'];
const OPTION_KEYS = ['model', 'epochs', 'batchSize', 'lr', 'weightDecay', 'patience', 'seed', 'limitTrain', 'limitTest', 'data'];
const RECORD_KEYS = ['epoch', 'trainLoss', 'trainAcc', 'valLoss', 'valAcc', 'seconds', 'improved'];

/**
 * Checks a training state read from a file, field by field, and the fields against each other as
 * the training loop writes them: the options (types and ranges the CLI accepts; `data` an absolute
 * path or null), 1 <= epoch <= epochs, one history record per epoch, the best epoch and loss, the
 * early-stopping counter (= epochs since the best) and flag (= counter >= patience), the shuffle
 * state (= epochs done), the RNG state, the optimizer's groups and step counts, the test result (only
 * in a finished run: all epochs done or early stopped). Calls fail(message).
 */
export function checkTrainState(st: unknown, fail: (m: string) => never): asserts st is TrainState {
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const int = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
  const num = (v: unknown): v is number => typeof v === 'number'; // NaN and Infinity allowed (a diverged run)
  const keys = (where: string, v: Record<string, unknown>, allowed: string[], required = allowed) => {
    for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(`has an unknown field ${where}${k} in its training state`);
    for (const k of required) if (!(k in v)) fail(`lacks the field ${where}${k} in its training state`);
  };
  const field = (name: string, v: unknown, what: string) => fail(`has ${name} = ${describeValue(v)} in its training state (expected ${what})`);
  if (!obj(st)) return fail('holds a training state that is not an object');
  keys('', st, STATE_KEYS, STATE_KEYS.filter((k) => k !== 'test'));
  const o = st.options;
  if (!obj(o)) return field('options', o, 'an object');
  keys('options.', o, OPTION_KEYS, OPTION_KEYS.filter((k) => k !== 'data'));
  if (typeof o.model !== 'string') field('options.model', o.model, 'a model name');
  for (const [k, min] of [['epochs', 1], ['batchSize', 1], ['patience', 1], ['seed', 0]] as const) if (!int(o[k], min)) field(`options.${k}`, o[k], `an integer >= ${min}`);
  for (const k of ['lr', 'weightDecay']) if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) < 0) field(`options.${k}`, o[k], 'a finite number >= 0');
  for (const k of ['limitTrain', 'limitTest']) if (o[k] !== null && !int(o[k], 1)) field(`options.${k}`, o[k], 'null or an integer >= 1');
  if (o.data !== undefined && o.data !== null && (typeof o.data !== 'string' || !path.isAbsolute(o.data) || path.resolve(o.data) !== o.data || o.data.includes('\0')))
    field('options.data', o.data, 'null or an absolute, normalised directory path');
  const epochs = o.epochs as number;
  if (!int(st.epoch, 1) || st.epoch > epochs) field('epoch', st.epoch, `the epochs completed, an integer in [1, ${epochs}]`);
  const epoch = st.epoch as number;
  const h = st.history;
  if (!Array.isArray(h) || h.length !== epoch) field('history', Array.isArray(h) ? `${h.length} records` : h, `one record per completed epoch (${epoch})`);
  (h as unknown[]).forEach((r, i) => {
    const w = `history[${i}]`;
    if (!obj(r)) return field(w, r, 'an epoch record');
    keys(`${w}.`, r, RECORD_KEYS);
    if (r.epoch !== i + 1) field(`${w}.epoch`, r.epoch, String(i + 1));
    for (const k of ['trainLoss', 'valLoss']) if (!num(r[k])) field(`${w}.${k}`, r[k], 'a number');
    for (const k of ['trainAcc', 'valAcc']) if (!(typeof r[k] === 'number' && (r[k] as number) >= 0 && (r[k] as number) <= 1)) field(`${w}.${k}`, r[k], 'an accuracy in [0, 1]');
    if (!(typeof r.seconds === 'number' && Number.isFinite(r.seconds) && r.seconds >= 0)) field(`${w}.seconds`, r.seconds, 'a finite number >= 0');
    if (typeof r.improved !== 'boolean') field(`${w}.improved`, r.improved, 'a boolean');
  });
  const history = h as EpochRecord[];
  if (!int(st.bestEpoch, 0) || st.bestEpoch > epoch) field('bestEpoch', st.bestEpoch, `an integer in [0, ${epoch}]`);
  const best = st.bestEpoch as number;
  const bestLoss = best ? history[best - 1].valLoss : Infinity;
  if (!Object.is(st.bestValLoss, bestLoss)) field('bestValLoss', st.bestValLoss, `${bestLoss}, the validation loss of epoch ${best}`);
  if (best && !history[best - 1].improved) field(`history[${best - 1}].improved`, false, 'true (the best epoch)');
  const later = history.findIndex((r, i) => i >= best && r.improved);
  if (later >= 0) field(`history[${later}].improved`, true, `false (after the best epoch ${best})`);
  if (st.bad !== epoch - best) field('bad', st.bad, `${epoch - best}, the epochs since the best`);
  if (st.earlyStopped !== epoch - best >= (o.patience as number)) field('earlyStopped', st.earlyStopped, `${epoch - best >= (o.patience as number)} (patience ${o.patience})`);
  if (!obj(st.rng) || !int(st.rng.seed, 0) || !int(st.rng.offset, 0) || Object.keys(st.rng).length !== 2) field('rng', st.rng, '{seed, offset}, integers >= 0');
  if (!obj(st.trainLoader) || st.trainLoader.epoch !== epoch || Object.keys(st.trainLoader).length !== 1) field('trainLoader', st.trainLoader, `{epoch: ${epoch}}`);
  if (st.test !== undefined) {
    const t = st.test;
    if (!obj(t) || Object.keys(t).length !== 2 || !(typeof t.acc === 'number' && t.acc >= 0 && t.acc <= 1) || !num(t.loss))
      field('test', t, '{acc, loss}: an accuracy in [0, 1] and a number');
    if (epoch < epochs && !st.earlyStopped) field('test', t, `no test result: the run is at epoch ${epoch} of ${epochs} and did not stop early`);
  }
  const opt = st.optimizer;
  if (!obj(opt) || !Array.isArray(opt.paramGroups) || !opt.paramGroups.every(obj) || !obj(opt.numbers) || Object.keys(opt).length !== 2)
    return field('optimizer', opt, '{paramGroups, numbers}');
  for (const [idx, nums] of Object.entries(opt.numbers)) {
    if (!/^\d+$/.test(idx) || !obj(nums)) field(`optimizer.numbers[${idx}]`, nums, 'the numbers of a parameter index');
    for (const [k, v] of Object.entries(nums as object)) if (typeof v !== 'number' || !Number.isFinite(v)) field(`optimizer.numbers[${idx}].${k}`, v, 'a finite number');
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v); // NaN, Infinity as such
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

/** Loads and checks a training checkpoint (file or run directory). */
export function readTrainState(arg: string, what = 'resume'): LoadedTrainState {
  const file = resolveCheckpoint(arg, what);
  const fail = (m: string): never => {
    throw new TorchletError(`torchlet: ${what}: ${file} ${m}`, 'ERR_TORCHLET_BAD_CHECKPOINT');
  };
  let tensors: Record<string, Tensor> = {};
  let meta: Record<string, string> = {};
  try {
    ({ tensors, metadata: meta } = loadWithMetadata(file));
  } catch (e) {
    if ((e as TorchletError).code === 'ERR_TORCHLET_IO' && !/not a regular file/.test((e as Error).message)) throw e;
    fail(`is not a readable checkpoint (${(e as Error).message.replace(/^torchlet: /, '').replace(`${file} `, '')})`);
  }
  const disposeAll = () => Object.values(tensors).forEach((t) => t.dispose());
  try {
    let state: unknown = null;
    try {
      state = meta[STATE_KEY] ? JSON.parse(meta[STATE_KEY], reviver) : null;
    } catch {
      fail(`holds a training state that is not JSON`);
    }
    const st = state as TrainState | null;
    if (!st || typeof st !== 'object' || st.format !== 'torchlet-train-state')
      fail(`holds no training state (weights only?); resume from the ${LAST} of a run directory`);
    if (st!.version !== 1) fail(`has training-state version ${describeValue(st!.version)}; this torchlet reads version 1`);
    checkTrainState(st, fail);
    const model: Record<string, Tensor> = {};
    const optState: Record<number, Record<string, StateValue>> = {};
    for (const [k, t] of Object.entries(tensors)) {
      if (k.startsWith('model.')) model[k.slice(6)] = t;
      else {
        const m = /^optimizer\.state\.(\d+)\.(.+)$/.exec(k);
        if (!m) fail(`holds the tensor ${JSON.stringify(k)}, neither model.* nor optimizer.state.<index>.*`);
        (optState[Number(m![1])] ??= {})[m![2]] = t;
      }
    }
    for (const [idx, nums] of Object.entries(st.optimizer.numbers)) Object.assign((optState[Number(idx)] ??= {}), nums);
    return {
      file,
      state: st,
      model,
      optimizer: { state: optState, paramGroups: st.optimizer.paramGroups as (Record<string, unknown> & { params: number[] })[] },
      dispose: disposeAll,
    };
  } catch (e) {
    disposeAll();
    throw e;
  }
}
