// test/train/fashion.test.ts — a short real training run of the seed recipe on the official
// Fashion-MNIST files (from /usr/share/datasets/fashion-mnist, installed by scripts/setup.sh):
// 12,000 training images, 2 epochs, then the first 2,000 official test images must be classified
// far above chance (10%), and the checkpoint and metrics must be written. An output directory
// holding another run is refused unless resumed in place or overwritten.
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

test('--out holding another run is refused unless resumed in place or overwritten (checked before any data is read)', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-out-'));
  try {
    for (const f of ['metrics.csv', 'best.safetensors']) fs.writeFileSync(path.join(out, f), 'an earlier run');
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    const opts = { out, data: '/nonexistent/torchlet-data', download: false };
    const refused = await trainFashionMnist(opts).catch((e) => e);
    expect(refused.code).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(refused.message).toBe(
      `torchlet: out ${out} already holds an earlier training run (best.safetensors, metrics.csv); give resume ${out} to continue it, overwrite to replace it, or another out`,
    );
    expect(fs.readdirSync(out).sort()).toEqual(['best.safetensors', 'metrics.csv', 'notes.txt']);
    // overwrite: the earlier run's files go (then the missing data stops this run), other files stay
    const e = await trainFashionMnist({ ...opts, overwrite: true }).catch((x) => x);
    expect(e.code).toBe('ERR_TORCHLET_IO');
    expect(e.message).toMatch(/Fashion-MNIST train files missing/);
    expect(fs.readdirSync(out)).toEqual(['notes.txt']);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
