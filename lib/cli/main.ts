#!/usr/bin/env node
// lib/cli/main.ts — the `torchlet` command line. `torchlet train` runs the seed's Fashion-MNIST
// recipe with a progress bar (ETA, running loss), one line per epoch, and a final JSON line
// {"final":true,"test_acc":...,"test_loss":...,"epochs":...,"epoch_s":...}.
import { Command, InvalidArgumentError } from 'commander';
import * as cliProgress from 'cli-progress';
import { trainFashionMnist } from '../train/fashion';
import { setNumThreads } from '../index';

function num(name: string, integer = false, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min)
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
    return n;
  };
}

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
    .option('--out <dir>', 'output directory for the checkpoint and metrics', 'runs/fashion-cnn')
    .option('--seed <n>', 'random seed', num('--seed', true, 0), 0)
    .option('--threads <n>', 'CPU threads (default: all cores)', num('--threads', true, 1))
    .option('--limit-train <n>', 'use only the first n training images', num('--limit-train', true, 10))
    .option('--limit-test <n>', 'evaluate only the first n test images', num('--limit-test', true, 1))
    .option('--no-progress', 'no progress bar')
    .exitOverride()
    .action(async (o) => {
      if (o.model !== 'fashion-cnn') throw new InvalidArgumentError(`unknown --model ${o.model} (available: fashion-cnn)`);
      if (o.device !== 'cpu') {
        const torch = await import('../index');
        torch.zeros([1], { device: o.device }); // throws a clear error until CUDA tensors land
      }
      if (o.threads) setNumThreads(o.threads);
      const showBar = o.progress && process.stderr.isTTY;
      let bar: cliProgress.SingleBar | null = null;
      const res = await trainFashionMnist({
        epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, weightDecay: o.weightDecay, patience: o.patience,
        data: o.data, out: o.out, seed: o.seed, limitTrain: o.limitTrain, limitTest: o.limitTest,
        onEpochStart: ({ epoch, batches }) => {
          if (!showBar) return;
          bar = new cliProgress.SingleBar(
            { format: `epoch ${epoch} [{bar}] {value}/{total} batches | loss {loss} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(batches, 0, { loss: '-' });
        },
        onBatch: ({ batch, loss }) => bar?.update(batch, { loss: loss.toFixed(4) }),
        onEpoch: (m) => {
          bar?.stop();
          bar = null;
          console.log(
            `epoch ${m.epoch}: train_loss ${m.trainLoss.toFixed(4)} train_acc ${m.trainAcc.toFixed(4)} ` +
              `val_loss ${m.valLoss.toFixed(4)} val_acc ${m.valAcc.toFixed(4)} (${m.seconds.toFixed(1)} s)${m.improved ? ' *' : ''}`,
          );
        },
      });
      if (res.earlyStopped) console.log(`early stopping at epoch ${res.epochs} (best epoch ${res.bestEpoch})`);
      console.log(`checkpoint: ${res.checkpoint}`);
      console.log(
        JSON.stringify({ final: true, test_acc: res.testAcc, test_loss: res.testLoss, epochs: res.epochs, epoch_s: Number(res.epochSeconds.toFixed(3)), best_epoch: res.bestEpoch }),
      );
    });
  return program.parseAsync(argv).then(() => undefined);
}

if (require.main === module) {
  Promise.resolve(main(process.argv)).catch((e: Error & { code?: string; exitCode?: number }) => {
    // commander already printed its own usage errors and --help
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
    if (!e.code?.startsWith('commander.')) console.error(e.message);
    process.exit(e.exitCode ?? 1);
  });
}
