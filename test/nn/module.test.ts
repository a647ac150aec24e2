// test/nn/module.test.ts — nn.Module behaviour: parameter discovery and order, the seed's printed
// FashionCNN and its parameter count, train/eval and dropout, apply, zeroGrad, stateDict round
// trips (all or nothing), ModuleList, to(dtype), and argument errors of the module constructors.
import * as torch from '../../lib';
const { nn } = torch;

describe('FashionCNN (seed 003)', () => {
  test("prints like the seed's PyTorch model and has 421,642 parameters", () => {
    const m = torch.models.fashionCnn();
    expect(m.toString()).toBe(
      [
        'FashionCNN(',
        '  (conv1): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))',
        '  (conv2): Conv2d(32, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))',
        '  (fc1): Linear(in_features=3136, out_features=128, bias=True)',
        '  (dropout): Dropout(p=0.5, inplace=False)',
        '  (fc2): Linear(in_features=128, out_features=10, bias=True)',
        ')',
      ].join('\n'),
    );
    expect(m.parameters().reduce((a, p) => a + p.numel(), 0)).toBe(421642);
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias',
    ]);
  });
  test('seed init: zero biases, kaiming fan_out std', () => {
    torch.manualSeed(0);
    const m = torch.models.fashionCnn();
    expect(m.conv2.bias!.pow(2).sum().item()).toBe(0);
    const std = Math.sqrt(m.conv2.weight.pow(2).mean().item());
    expect(std).toBeGreaterThan(0.95 * Math.sqrt(2 / (64 * 9)));
    expect(std).toBeLessThan(1.05 * Math.sqrt(2 / (64 * 9)));
    const y = m.forward(torch.randn([2, 1, 28, 28]));
    expect(y.shape).toEqual([2, 10]);
  });
});

describe('Module', () => {
  test('train/eval switches dropout', () => {
    const net = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5));
    const x = torch.ones([64, 4]);
    net.eval();
    expect(net.training).toBe(false);
    const a = net.forward(x) as torch.Tensor;
    const b = net.forward(x) as torch.Tensor;
    expect(Array.from(a.toArray() as Float32Array)).toEqual(Array.from(b.toArray() as Float32Array));
    net.train();
    const d = new nn.Dropout(0.5);
    const z = d.forward(torch.ones([10000]));
    const zeros = Array.from(z.toArray() as Float32Array).filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(4500);
    expect(zeros).toBeLessThan(5500);
    expect(Array.from(z.toArray() as Float32Array).every((v) => v === 0 || v === 2)).toBe(true);
  });
  test('Sequential is indexable and iterable; apply visits children first', () => {
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    expect(s[0]).toBeInstanceOf(nn.Linear);
    expect(s.at(-1)).toBeInstanceOf(nn.Linear);
    expect([...s].length).toBe(3);
    const names: string[] = [];
    s.apply((m) => names.push(m.constructor.name));
    expect(names).toEqual(['Linear', 'ReLU', 'Linear', 'Sequential']);
    expect(s.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });
  test('stateDict / loadStateDict round trip, strict errors', () => {
    const a = new nn.Linear(3, 2);
    const b = new nn.Linear(3, 2);
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.weight.toArray() as Float32Array)).toEqual(Array.from(a.weight.toArray() as Float32Array));
    expect(() => b.loadStateDict({ weight: a.weight })).toThrow(/missing keys: bias/);
    expect(() => b.loadStateDict({ ...a.stateDict(), extra: a.weight })).toThrow(/unexpected keys: extra/);
    expect(() => b.loadStateDict({ weight: torch.zeros([5]), bias: torch.zeros([2]) })).toThrow(/weight/);
  });
  test('loadStateDict is all or nothing: a disposed tensor last in the dict changes nothing', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.Linear(2, 2));
    const before = m.parameters().map((p) => p.tolist());
    const dict = { '0.weight': torch.ones([2, 3]), '0.bias': torch.ones([2]), '1.weight': torch.ones([2, 2]), '1.bias': torch.ones([2]) };
    dict['1.bias'].dispose();
    expect(() => m.loadStateDict(dict)).toThrow(/Expected a live tensor for stateDict\['1\.bias'\]/);
    expect(m.parameters().map((p) => p.tolist())).toEqual(before);
  });
  test('zeroGrad and default init bounds', () => {
    const l = new nn.Linear(100, 10);
    l.forward(torch.ones([1, 100])).sum().backward();
    expect(l.weight.grad).not.toBeNull();
    l.zeroGrad();
    expect(l.weight.grad).toBeNull();
    const w = Array.from(l.weight.toArray() as Float32Array);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.1);
  });
  test("to('float64') / to(device, dtype) cast in place like double(); other dtypes are refused with a coded error", () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const w = (m[0] as torch.nn.Linear).weight;
    const before = Array.from(w.toArray() as Float32Array);
    expect(m.to('float64')).toBe(m);
    expect(w.dtype).toBe('float64'); // the same Parameter object, cast
    expect(Array.from(w.toArray() as Float64Array)).toEqual(before);
    const bn = m[1] as torch.nn.BatchNorm1d;
    expect(bn.runningMean!.dtype).toBe('float64');
    expect(bn.numBatchesTracked!.dtype).toBe('int64'); // integer buffers stay
    expect((m.forward(torch.randn([4, 3], { dtype: 'float64' })) as torch.Tensor).dtype).toBe('float64');
    m.to('cpu', 'float32');
    expect(w.dtype).toBe('float32');
    expect(bn.runningVar!.dtype).toBe('float32');
    for (const bad of ['int64', 'uint8', 'bool'])
      expect(() => m.to(bad as 'float32')).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/floating-point dtype.*for dtype but received/) }));
    expect(() => m.to('cpu', 'int32' as 'float32')).toThrow(/floating-point dtype.*for dtype but received "int32"/);
    expect(() => m.to('float64', 'float32')).toThrow(/device before the dtype/);
    expect(() => m.to('tpu')).toThrow(/device/);
    expect(w.dtype).toBe('float32'); // nothing changed by the refused calls
  });
  test('constructor arguments are validated with named errors', () => {
    expect(() => new nn.Conv2d(3, 8, 0)).toThrow(/kernelSize/);
    expect(() => new nn.Conv2d(3, 8, 3, { groups: 2 })).toThrow(/groups/);
    expect(() => new nn.Conv2d(3, 8, 3, { stride: 0 })).toThrow(/stride/);
    expect(() => new nn.Conv2d(0, 8, 3)).toThrow(/inChannels/);
    expect(() => new nn.Dropout(1.5)).toThrow(/p/);
    expect(() => new nn.MaxPool2d(2, { padding: 2 })).toThrow(/padding/);
    expect(() => new nn.Linear(-1, 2)).toThrow(/inFeatures/);
    expect(() => new nn.Conv2d(3, 8, 2, { padding: 'same', stride: 2 })).toThrow(/padding/);
  });
  test('ModuleList registers its modules', () => {
    const l = new nn.ModuleList([new nn.Linear(2, 2), new nn.ReLU()]);
    l.append(new nn.Linear(2, 1));
    expect(l.length).toBe(3);
    expect(l.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(() => l.forward()).toThrow(/ModuleList/);
  });
});
