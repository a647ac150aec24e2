// test/data/dataset.test.ts — randomSplit (seeded, disjoint, complete), DataLoader (batch size,
// shuffle per epoch, last partial batch, dropLast), ImageDataset normalisation, TensorDataset.
import * as torch from '../../lib';
import { data } from '../../lib';

function images(n: number): data.ImageDataset {
  const px = new Uint8Array(n * 4);
  const lab = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    px.fill(i % 256, i * 4, i * 4 + 4);
    lab[i] = i % 10;
  }
  return new data.ImageDataset(px, lab, [2, 2], data.normalize(0.5, 0.5));
}

test('randomSplit is a seeded partition', () => {
  const ds = images(100);
  const [a, b] = data.randomSplit(ds, [80, 20], { seed: 42 });
  expect(a.length).toBe(80);
  expect(b.length).toBe(20);
  const all = new Set([...a.indices, ...b.indices]);
  expect(all.size).toBe(100);
  const [a2] = data.randomSplit(ds, [80, 20], { seed: 42 });
  expect(a2.indices).toEqual(a.indices);
  const [a3] = data.randomSplit(ds, [80, 20], { seed: 43 });
  expect(a3.indices).not.toEqual(a.indices);
  expect(data.randomSplit(ds, [0.8, 0.2], { seed: 1 }).map((s) => s.length)).toEqual([80, 20]);
  expect(() => data.randomSplit(ds, [50, 20])).toThrow(/lengths/);
});

test('DataLoader batches, keeps the last partial batch, reshuffles each epoch', () => {
  const ds = images(10);
  const loader = new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3 });
  expect(loader.length).toBe(3);
  const e1 = [...loader];
  expect(e1.map(([x]) => x.shape[0])).toEqual([4, 4, 2]);
  expect(e1[0][0].shape).toEqual([4, 1, 2, 2]);
  expect(e1[0][1].dtype).toBe('int64');
  const labels1 = e1.flatMap(([, y]) => y.tolist() as number[]);
  expect([...labels1].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const labels2 = [...loader].flatMap(([, y]) => y.tolist() as number[]);
  expect(labels2).not.toEqual(labels1);
  const dropped = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
  expect([...dropped].length).toBe(2);
  expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize/);
});

test('ImageDataset scales to [0,1] then normalises with mean 0.5, std 0.5', () => {
  const px = new Uint8Array([0, 255, 51, 204]);
  const ds = new data.ImageDataset(px, new Uint8Array([3]), [2, 2], data.normalize(0.5, 0.5));
  const [x, y] = ds.get(0);
  expect(x.shape).toEqual([1, 2, 2]);
  const v = Array.from(x.toArray() as Float32Array);
  [-1, 1, -0.6, 0.6].forEach((e, i) => expect(v[i]).toBeCloseTo(e, 6));
  expect(y.item()).toBe(3);
  // a non-fusable transform is applied as a tensor function
  const custom = Object.assign((t: torch.Tensor) => t.mul(2), {}) as data.ImageTransform;
  const ds2 = new data.ImageDataset(px, new Uint8Array([3]), [2, 2], custom);
  expect(Array.from(ds2.get(0)[0].toArray() as Float32Array)[1]).toBeCloseTo(2, 6);
});

test('TensorDataset and default collation', () => {
  const ds = new data.TensorDataset(torch.arange(6, undefined, 1, { dtype: 'float32' }).reshape([3, 2]), torch.tensor([0, 1, 2]));
  const batches = [...new data.DataLoader(ds, { batchSize: 2 })] as unknown as torch.Tensor[][];
  expect(batches[0][0].tolist()).toEqual([[0, 1], [2, 3]]);
  expect(batches[1][1].tolist()).toEqual([2]);
  expect(() => new data.TensorDataset(torch.zeros([3]), torch.zeros([4]))).toThrow(/tensors\[1\]/);
});
