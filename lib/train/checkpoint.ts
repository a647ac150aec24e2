// lib/train/checkpoint.ts — the resumable training checkpoint (`last.safetensors`), written after
// every epoch. One safetensors file, so one atomic write (temp + fsync + rename via serialize.save):
//   tensors  `model.<name>`                       the model's stateDict (weights and buffers)
//            `optimizer.state.<index>.<name>`     the optimizer's tensor state (Adam: expAvg, expAvgSq)
//   metadata `torchlet.train_state`               JSON (TrainState below): epochs done, best validation
//            loss/epoch, early-stopping counter, history, the global RNG state, the DataLoader's shuffle
//            state, the optimizer's numeric state (Adam step counts) and parameter groups, the options.
// readTrainState() reads and checks such a file; errors are TorchletErrors whose message names the
// argument (`what`, e.g. "--resume"). The weights-only `best.safetensors` is not resumable.
import * as fs from 'fs';
import * as path from 'path';
import { TorchletError, withIo } from '../errors';
import { Tensor } from '../tensor';
import { deserialize, save } from '../serialize';
import { Module } from '../nn/module';
import { Optimizer, StateValue } from '../optim/optimizer';

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
  save(tensors, file, { metadata: { [STATE_KEY]: JSON.stringify(full, replacer), model: state.options.model, epoch: String(state.epoch) } });
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

/** Reads the metadata of a safetensors buffer (null when it has none or is not safetensors). */
export function safetensorsMetadata(buf: Buffer): Record<string, string> | null {
  if (buf.length < 8) return null;
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) return null;
  try {
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
    return header && typeof header.__metadata__ === 'object' ? header.__metadata__ : null;
  } catch {
    return null;
  }
}

/** Loads and checks a training checkpoint (file or run directory). */
export function readTrainState(arg: string, what = 'resume'): LoadedTrainState {
  const file = resolveCheckpoint(arg, what);
  const fail = (m: string): never => {
    throw new TorchletError(`torchlet: ${what}: ${file} ${m}`, 'ERR_TORCHLET_BAD_CHECKPOINT');
  };
  const buf = withIo(`${what}: cannot read ${file}`, () => fs.readFileSync(file));
  let tensors: Record<string, Tensor> = {};
  try {
    tensors = deserialize(buf, file);
  } catch (e) {
    fail(`is not a readable checkpoint (${(e as Error).message.replace(/^torchlet: /, '').replace(`${file} `, '')})`);
  }
  const meta = safetensorsMetadata(buf);
  let state: TrainState | null = null;
  try {
    state = meta?.[STATE_KEY] ? (JSON.parse(meta[STATE_KEY], reviver) as TrainState) : null;
  } catch {
    state = null;
  }
  const disposeAll = () => Object.values(tensors).forEach((t) => t.dispose());
  if (!state || state.format !== 'torchlet-train-state') {
    disposeAll();
    fail(`holds no training state (weights only?); resume from the ${LAST} of a run directory`);
  }
  if (state!.version !== 1) {
    disposeAll();
    fail(`has training-state version ${state!.version}; this torchlet reads version 1`);
  }
  const model: Record<string, Tensor> = {};
  const optState: Record<number, Record<string, StateValue>> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('model.')) model[k.slice(6)] = t;
    else {
      const m = /^optimizer\.state\.(\d+)\.(.+)$/.exec(k);
      if (!m) continue;
      (optState[Number(m[1])] ??= {})[m[2]] = t;
    }
  }
  for (const [idx, nums] of Object.entries(state!.optimizer.numbers)) Object.assign((optState[Number(idx)] ??= {}), nums);
  return {
    file,
    state: state!,
    model,
    optimizer: { state: optState, paramGroups: state!.optimizer.paramGroups as (Record<string, unknown> & { params: number[] })[] },
    dispose: disposeAll,
  };
}
