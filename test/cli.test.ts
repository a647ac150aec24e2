// test/cli.test.ts — `torchlet train`: a tiny real run prints one line per epoch and the final
// JSON line of API.md; bad options are rejected with a message naming the option.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../lib/cli/main';

const DIR = '/usr/share/datasets/fashion-mnist';
const has = fs.existsSync(path.join(DIR, 'train-images-idx3-ubyte.gz'));

async function run(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await main(['node', 'torchlet', ...args]);
  } finally {
    log.mockRestore();
  }
  return lines;
}

(has ? test : test.skip)('train prints per-epoch lines and the final JSON line', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-cli-'));
  const lines = await run(['train', '--epochs', '1', '--limit-train', '1500', '--limit-test', '300', '--data', DIR, '--out', out, '--no-progress']);
  expect(lines.some((l) => /^epoch 1: train_loss [\d.]+ train_acc [\d.]+ val_loss [\d.]+ val_acc [\d.]+/.test(l))).toBe(true);
  const final = JSON.parse(lines[lines.length - 1]);
  expect(final.final).toBe(true);
  expect(final.epochs).toBe(1);
  expect(final.test_acc).toBeGreaterThan(0.3);
  expect(typeof final.test_loss).toBe('number');
  expect(typeof final.epoch_s).toBe('number');
  expect(fs.existsSync(path.join(out, 'best.safetensors'))).toBe(true);
}, 120000);

test('bad options are rejected with the option named', async () => {
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await expect(run(['train', '--epochs', '0'])).rejects.toThrow(/--epochs/);
    await expect(run(['train', '--lr', 'abc'])).rejects.toThrow(/--lr/);
    await expect(run(['train', '--model', 'resnet-900', '--epochs', '1'])).rejects.toThrow(/--model/);
    await expect(run(['train', '--device', 'cuda', '--epochs', '1'])).rejects.toThrow(/cuda/i);
  } finally {
    err.mockRestore();
  }
});
