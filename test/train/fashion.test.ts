// test/train/fashion.test.ts — a short real training run of the seed recipe on the official
// Fashion-MNIST files (from /usr/share/datasets/fashion-mnist, installed by scripts/setup.sh):
// 12,000 training images, 2 epochs, then the first 2,000 official test images must be classified
// far above chance (10%), and the checkpoint and metrics must be written.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trainFashionMnist } from '../../lib/train/fashion';

const DIR = '/usr/share/datasets/fashion-mnist';
const has = fs.existsSync(path.join(DIR, 'train-images-idx3-ubyte.gz'));

(has ? test : test.skip)('two short epochs reach well above chance on the official test images', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-train-'));
  const epochs: number[] = [];
  const res = await trainFashionMnist({ data: DIR, out, epochs: 2, limitTrain: 12000, limitTest: 2000, download: false, onEpoch: (m) => epochs.push(m.valAcc) });
  expect(res.epochs).toBe(2);
  expect(res.testAcc).toBeGreaterThan(0.75);
  expect(res.history[1].trainLoss).toBeLessThan(res.history[0].trainLoss);
  expect(fs.existsSync(res.checkpoint)).toBe(true);
  const csv = fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  expect(csv.length).toBe(3);
}, 300000);
