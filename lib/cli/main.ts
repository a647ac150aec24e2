#!/usr/bin/env node
// lib/cli/main.ts — the `torchlet` command line.
// `torchlet train` runs the seed's Fashion-MNIST recipe with a progress bar on a terminal's stderr
// (batches, running loss, ETA), one line per epoch, and a final JSON line
// {"final":true,"test_acc":...,"test_loss":...,"epochs":...,"epoch_s":...,"best_epoch":...}.
// After each epoch --out holds best.safetensors, last.safetensors (resumable), metrics.csv,
// curves.svg and report.html. `--resume DIR|FILE` continues a stopped run exactly (bit-identical
// to an uninterrupted one); it keeps the run's options (those given must match; --epochs may grow)
// and writes into the checkpoint's directory unless --out is given. An --out holding another run's
// files is refused unless that run is the one resumed or --overwrite is given (which removes them).
// `torchlet predict --checkpoint FILE image.png...` classifies PNG images (see predict.ts).
// `torchlet serve --checkpoint FILE` serves a model over HTTP (lib/serve/server.ts): it prints one
// JSON line {"listening": URL} at once and {"ready": true, ...} when the models are warmed up, and
// exits 0 after a graceful shutdown on SIGTERM or SIGINT.
// Errors name the offending argument and exit with code 1, without a stack trace
// (TORCHLET_DEBUG=1 prints it).
import './omp_env'; // first: before the addon (and libgomp) load
import * as path from 'path';
import { Command, InvalidArgumentError } from 'commander';
import * as cliProgress from 'cli-progress';
import { trainFashionMnist, TrainOptions } from '../train/fashion';
import { setNumThreads } from '../index';
import { CliError, predictCommand } from './predict';
import { SERVE_DEFAULTS } from '../serve/defaults';

function num(name: string, integer = false, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min)
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
    return n;
  };
}

/** "42s", "3:07", "1:02:09". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** Option keys of `train` (commander's camelCase) that fix a run's numbers, with their flags. */
const RUN_FLAGS = {
  epochs: '--epochs', batchSize: '--batch-size', lr: '--lr', weightDecay: '--weight-decay', patience: '--patience',
  seed: '--seed', limitTrain: '--limit-train', limitTest: '--limit-test',
} as const;

export function main(argv: string[]): Promise<void> | void {
  const program = new Command();
  program.name('torchlet').description('torchlet: PyTorch-style deep learning for Node.js').exitOverride();
  program
    .command('train')
    .description("train the seed's Fashion-MNIST CNN (tutorial 003) and evaluate it on the official test set")
    .option('--model <name>', 'model to train', 'fashion-cnn')
    .option('--device <device>', 'cpu or cuda', 'cpu')
    .option('--epochs <n>', 'maximum epochs', num('--epochs', true, 1), 50)
    .option('--batch-size <n>', 'batch size', num('--batch-size', true, 1), 256)
    .option('--lr <x>', 'Adam learning rate', num('--lr'), 1e-3)
    .option('--weight-decay <x>', 'Adam L2 weight decay', num('--weight-decay'), 1e-4)
    .option('--patience <n>', 'early-stopping patience (epochs without a better validation loss)', num('--patience', true, 1), 10)
    .option('--data <dir>', 'directory with the Fashion-MNIST IDX files (downloaded there if missing)')
    .option('--out <dir>', 'output directory: checkpoints, metrics.csv, curves.svg, report.html', 'runs/fashion-cnn')
    .option('--seed <n>', 'random seed', num('--seed', true, 0), 0)
    .option('--threads <n>', 'CPU threads (default: all cores)', num('--threads', true, 1))
    .option('--limit-train <n>', 'use only the first n training images', num('--limit-train', true, 10))
    .option('--limit-test <n>', 'evaluate only the first n test images', num('--limit-test', true, 1))
    .option('--resume <checkpoint>', 'continue the run saved in this directory (or its last.safetensors) exactly where it stopped')
    .option('--overwrite', 'replace the files of an earlier run in --out (without it, a directory holding another run is refused)')
    .option('--no-progress', 'no progress bar')
    .exitOverride()
    .action(async (o, cmd: Command) => {
      if (o.model !== 'fashion-cnn') throw new CliError(`torchlet: unknown --model ${o.model} (available: fashion-cnn)`);
      // an unknown device, or CUDA where there is none: a clear error before any work
      const { parseDevice } = await import('../device');
      const device = parseDevice('--device', o.device);
      if (o.threads) setNumThreads(o.threads);
      const fromCli = (k: string) => cmd.getOptionValueSource(k) === 'cli' || cmd.getOptionValueSource(k) === 'env';
      const run: TrainOptions = { data: o.data, out: o.out, overwrite: o.overwrite === true };
      for (const k of Object.keys(RUN_FLAGS) as (keyof typeof RUN_FLAGS)[]) {
        // a resumed run takes its options from the checkpoint: pass only those typed on the command line
        if (o.resume === undefined || fromCli(k)) run[k] = o[k];
      }
      if (o.resume !== undefined) {
        run.resume = o.resume;
        if (!fromCli('out')) run.out = undefined; // continue in the checkpoint's directory
      }
      const showBar = o.progress && process.stderr.isTTY;
      let bar: cliProgress.SingleBar | null = null;
      let epochStart = 0;
      const res = await trainFashionMnist({
        ...run,
        device,
        names: { ...RUN_FLAGS, resume: '--resume', out: '--out', device: '--device', overwrite: '--overwrite', data: '--data' },
        onResume: ({ file, epoch, epochs, evaluating }) =>
          console.log(`resuming ${file} after epoch ${epoch} of ${epochs}${evaluating ? ': training done, evaluating the best model on the test set' : ''}`),
        onEpochStart: ({ epoch, batches }) => {
          if (!showBar) return;
          const format = `epoch ${epoch} [{bar}] {value}/{total} batches | loss {loss} | {spent} elapsed | ETA {left}`;
          // the bar takes what the terminal's width leaves (the line must not be cut: no wrapping)
          const rest = format.replace('{bar}', '').replace(/\{value\}|\{total\}/g, String(batches)).replace('{loss}', '0.0000').replace(/\{spent\}|\{left\}/g, '00:00').length;
          const barsize = Math.max(10, Math.min(40, (process.stderr.columns || 80) - rest - 2));
          bar = new cliProgress.SingleBar(
            { format, barsize, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 10 },
            cliProgress.Presets.shades_classic,
          );
          epochStart = Date.now();
          bar.start(batches, 0, { loss: '-', spent: duration(0), left: '-' });
        },
        onBatch: ({ batch, batches, loss }) => {
          // ETA from this epoch's mean batch time (steadier than a short moving window)
          const ms = Date.now() - epochStart;
          bar?.update(batch, { loss: loss.toFixed(4), spent: duration(ms), left: duration((ms / batch) * (batches - batch)) });
        },
        onEpoch: (m) => {
          bar?.stop();
          bar = null;
          console.log(
            `epoch ${m.epoch}: train_loss ${m.trainLoss.toFixed(4)} train_acc ${m.trainAcc.toFixed(4)} ` +
              `val_loss ${m.valLoss.toFixed(4)} val_acc ${m.valAcc.toFixed(4)} (${m.seconds.toFixed(1)} s)${m.improved ? ' *' : ''}`,
          );
        },
      }).finally(() => (bar as cliProgress.SingleBar | null)?.stop());
      if (res.earlyStopped) console.log(`early stopping at epoch ${res.epochs} (best epoch ${res.bestEpoch})`);
      console.log(`checkpoint: ${res.checkpoint}`);
      console.log(`report: ${path.join(path.dirname(res.checkpoint), 'report.html')}`);
      console.log(
        JSON.stringify({ final: true, test_acc: res.testAcc, test_loss: res.testLoss, epochs: res.epochs, epoch_s: Number(res.epochSeconds.toFixed(3)), best_epoch: res.bestEpoch }),
      );
    });
  program
    .command('predict')
    .description('classify 28x28-style grayscale PNG images (light object on black, as Fashion-MNIST) with a trained FashionCNN')
    .argument('<images...>', 'PNG files (resized to 28x28 if needed; not inverted)')
    .requiredOption('--checkpoint <file>', 'FashionCNN weights: best.safetensors (or a run\'s last.safetensors)')
    .option('--model <name>', 'model architecture', 'fashion-cnn')
    .option('--json', 'one JSON line per image: {"image","class","index","probs"}')
    .exitOverride()
    .action((images: string[], o: { checkpoint: string; json?: boolean; model: string }) => {
      predictCommand(images, o);
    });
  program
    .command('serve')
    .description('serve trained models over HTTP: POST /predict, GET /healthz, /readyz, /metrics (dynamic batching on worker threads)')
    .option('--checkpoint <file...>', 'a checkpoint written by torchlet train (or weights for --module); several serve several models')
    .option('--module <file>', "a JS module exporting createModel() (and optionally input, classes, name): a user's own model")
    .option('--name <name>', 'the model name (routes /v1/models/<name>/predict)')
    .option('--device <device>', 'cpu or cuda', 'cpu')
    .option('--host <host>', 'address to listen on', SERVE_DEFAULTS.host)
    .option('--port <n>', 'port (0: any free port)', num('--port', true, 0), SERVE_DEFAULTS.port)
    .option('--workers <n>', 'inference worker threads per model (default: cores / 4, at least 1, at most 4; 1 on CUDA)', num('--workers', true, 1))
    .option('--threads <n>', 'CPU threads per worker (default: cores / workers)', num('--threads', true, 1))
    .option('--nice <n>', "Linux: the workers' thread niceness, 0-19 (default 10 on the CPU, 0 on CUDA; 0: normal priority)", num('--nice', true, 0))
    .option('--single-thread-below <n>', 'CPU: batches of fewer samples always run on one of a worker\'s threads (default: timed at warm-up, then chosen per batch size from the batches\' times; 0: all on all threads)', num('--single-thread-below', true, 0))
    .option('--max-batch <n>', 'most samples per forward pass (1: no batching)', num('--max-batch', true, 1), SERVE_DEFAULTS.maxBatch)
    .option('--max-delay-ms <ms>', 'longest wait for a batch to fill', num('--max-delay-ms'), SERVE_DEFAULTS.maxDelayMs)
    .option('--max-queue <n>', 'most requests waiting; beyond, 503 + Retry-After', num('--max-queue', true, 1), SERVE_DEFAULTS.maxQueue)
    .option('--timeout-ms <ms>', 'per-request timeout (504); 0: none', num('--timeout-ms', true, 0), SERVE_DEFAULTS.timeoutMs)
    .option('--body-limit <bytes>', 'largest request body (413 beyond)', num('--body-limit', true, 1), SERVE_DEFAULTS.bodyLimit)
    .exitOverride()
    .action(async (o) => {
      const { parseDevice } = await import('../device');
      parseDevice('--device', o.device);
      const ckpts: string[] = o.checkpoint ?? [];
      if (!ckpts.length && !o.module) throw new CliError('torchlet: serve needs --checkpoint FILE (a checkpoint written by torchlet train) or --module FILE');
      if (o.nice !== undefined && o.nice > 19) throw new CliError(`torchlet: serve: --nice takes a niceness from 0 to 19; got ${o.nice}`);
      if (o.module && ckpts.length > 1) throw new CliError('torchlet: serve: --module takes at most one --checkpoint (its weights)');
      if (o.name && ckpts.length > 1) throw new CliError('torchlet: serve: --name names one model; several checkpoints are named by their architecture or file');
      const models = o.module ? [{ module: o.module as string, checkpoint: ckpts[0], name: o.name as string | undefined }]
        : ckpts.map((c) => ({ checkpoint: c, name: ckpts.length > 1 ? undefined : (o.name as string | undefined) }));
      if (ckpts.length > 1) {
        // several checkpoints: each is named after its file (best.safetensors: its directory)
        for (const m of models) {
          const base = path.basename(m.checkpoint!).replace(/\.safetensors$/, '');
          m.name = (base === 'best' || base === 'last' ? path.basename(path.dirname(path.resolve(m.checkpoint!))) : base).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
        }
      }
      const { startServer } = await import('../serve/server');
      const server = await startServer({
        models, device: o.device, host: o.host, port: o.port, workers: o.workers, threads: o.threads, nice: o.nice, singleThreadBelow: o.singleThreadBelow, maxBatch: o.maxBatch,
        maxDelayMs: o.maxDelayMs, maxQueue: o.maxQueue, timeoutMs: o.timeoutMs, bodyLimit: o.bodyLimit,
      });
      console.log(JSON.stringify({ listening: server.url }));
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((res) => (stop = res));
      let signalled = false;
      const shutdown = (sig: string) => {
        if (signalled) return; // a second signal while draining changes nothing
        signalled = true;
        console.log(JSON.stringify({ shutdown: sig }));
        void server.close().then(stop);
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      try {
        await server.ready;
      } catch (e) {
        await server.close();
        throw e;
      }
      const mem = await Promise.all(server.models.map((m) => m.session.memory()));
      console.log(
        JSON.stringify({
          ready: true,
          models: server.models.map((m, i) => ({
            name: m.name, model: m.session.spec.model, device: m.session.device, workers: m.session.workers, threads: m.session.threads,
            singleThreadBelow: m.session.singleThreadBelow,
            sharedWeightBytes: mem[i].sharedWeightBytes, workerHeapBytes: mem[i].workers.map((w) => w.heapTotalBytes),
          })),
          rssBytes: process.memoryUsage().rss,
        }),
      );
      await stopped;
      console.log(JSON.stringify({ stopped: true }));
    });
  return program.parseAsync(argv).then(() => undefined);
}

/** Runs the command line like the `torchlet` binary: errors are printed as one message (commander
 * prints its own usage errors), never a stack trace unless TORCHLET_DEBUG is set; resolves to the
 * exit code (0 on success and --help). */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await main(argv);
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    if (!e.code?.startsWith('commander.')) console.error(process.env.TORCHLET_DEBUG ? e.stack : (e.message ?? String(err)));
    return e.exitCode || 1;
  }
}

if (require.main === module) {
  void runCli(process.argv).then((code) => process.exit(code));
}
