// test/print.test.ts — tensor printing (lib/print.ts) against PyTorch 1.13's str() of the same tensors
// (test/fixtures/print.json from gen_print_fixtures.py: every dtype, 0-D to 4-D, integer / fixed /
// scientific notation, half-even ties, NaN / inf / -0, empty tensors, line wrapping, summarisation of
// contiguous and permuted views, every print option and profile, requires_grad and Parameter), the
// Python number formatting on its own, console.log, a CUDA tensor (the same text plus its device),
// grad_fn, and the refused options.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import * as torch from '../lib';
import type { DType, PrintOptions } from '../lib';
import { pyFixed, pyExp } from '../lib/print';
import { describeDevices } from './devices';
import { expectArgError, thrown } from './helpers';

interface PrintCase {
  name: string;
  data: (number | boolean | string)[];
  shape: number[];
  dtype: DType;
  perm: number[] | null;
  opts: PrintOptions;
  requiresGrad: boolean;
  parameter: boolean;
  out: string;
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'print.json'), 'utf8')) as { cases: PrintCase[] };
const decode = (v: number | boolean | string): number | boolean =>
  typeof v === 'string' ? ({ nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 } as Record<string, number>)[v] : v;

function build(c: PrintCase, device: string): torch.Tensor {
  let x = torch.tensor(c.data.map(decode) as number[], { dtype: c.dtype }).reshape(c.shape);
  if (device !== 'cpu') x = x.to(device);
  if (c.perm) x = x.permute(c.perm);
  if (c.parameter) return new torch.nn.Parameter(x);
  if (c.requiresGrad) x.requiresGrad_(true);
  return x;
}
function printed(c: PrintCase, x: torch.Tensor): string {
  torch.setPrintoptions({ profile: 'default' });
  try {
    torch.setPrintoptions(c.opts);
    return String(x);
  } finally {
    torch.setPrintoptions({ profile: 'default' });
  }
}

describe('tensor printing against PyTorch', () => {
  it('has the fixture cases', () => expect(FIX.cases.length).toBeGreaterThan(50));
  for (const c of FIX.cases) it(c.name, () => expect(printed(c, build(c, 'cpu'))).toBe(c.out));
});

describeDevices('tensor printing on the device', (device) => {
  if (device === 'cpu') {
    it('console.log / util.inspect print the same text', () => {
      const x = torch.tensor([[1.5, -2], [0.25, 3]]);
      expect(util.inspect(x)).toBe(String(x));
      expect(util.inspect({ x })).toContain('tensor([[ 1.5000, -2.0000],');
    });
    return;
  }
  for (const name of ['float 2-D', 'summarize 2-D float', 'summarize permuted', 'bool', 'int64 wide', 'nonfinite'])
    it(`${name}: PyTorch's text with the device`, () => {
      const dev = torch.tensor([1]).to(device).device;
      const c = FIX.cases.find((k) => k.name === name) as PrintCase;
      const got = printed(c, build(c, device));
      // PyTorch puts device before dtype: compare the text with both suffixes moved out
      const strip = (s: string) => s.replace(/,\s*device='[^']*'/, '').replace(/,\s*dtype=torch\.\w+/, '');
      expect(strip(got)).toBe(strip(c.out));
      expect(got).toContain(`device='${dev}'`);
      if (/dtype=/.test(c.out)) expect(got.indexOf('device=')).toBeLessThan(got.indexOf('dtype='));
    });
});

describe('tensor printing: the rest', () => {
  it('formats numbers as Python does', () => {
    expect(pyFixed(0.03125, 4)).toBe('0.0312');
    expect(pyFixed(0.09375, 4)).toBe('0.0938');
    expect(pyFixed(2.5, 0)).toBe('2');
    expect(pyFixed(3.5, 0)).toBe('4');
    expect(pyFixed(-0, 4)).toBe('-0.0000');
    expect(pyFixed(-0.00001, 4)).toBe('-0.0000');
    expect(pyFixed(1e22, 1)).toBe('10000000000000000000000.0');
    expect(pyFixed(NaN, 4)).toBe('nan');
    expect(pyFixed(-Infinity, 4)).toBe('-inf');
    expect(pyExp(123456, 4)).toBe('1.2346e+05');
    expect(pyExp(1e-5, 4)).toBe('1.0000e-05');
    expect(pyExp(9.99996, 4)).toBe('1.0000e+01');
    expect(pyExp(1e-300, 2)).toBe('1.00e-300');
    expect(pyExp(5e-324, 4)).toBe('4.9407e-324');
    expect(pyExp(0, 4)).toBe('0.0000e+00');
    expect(pyExp(-0.3125, 2)).toBe('-3.12e-01');
  });
  it('names the node that made a tensor', () => {
    const a = torch.tensor([1.5, 2], { requiresGrad: true });
    expect(String(a.mul(2))).toBe('tensor([3., 4.], grad_fn=<MulBackward>)');
    expect(String(torch.noGrad(() => a.mul(2)))).toBe('tensor([3., 4.])');
  });
  it('prints a disposed tensor without reading it', () => {
    const a = torch.tensor([1, 2]);
    a.dispose();
    expect(String(a)).toBe('tensor(<disposed>)');
  });
  it('reads only the printed elements of a summarised tensor', () => {
    const x = torch.arange(1e6).reshape([1000, 1000]);
    const store = (x as unknown as { _storage: { native: { read(o: number, n: number): ArrayBuffer } } })._storage.native;
    const read = store.read.bind(store);
    let elements = 0;
    store.read = (o: number, n: number) => ((elements += n), read(o, n));
    const s = String(x);
    expect(s.split('\n')).toHaveLength(7);
    expect(s).toContain('[999000, 999001, 999002,  ..., 999997, 999998, 999999]])');
    expect(elements).toBe(36);
    elements = 0;
    expect(String(x.t())).toContain('[   999,   1999,   2999,  ..., 997999, 998999, 999999]])');
    expect(elements).toBe(36);
  });
  it('keeps the options until changed, and sciMode back to automatic on the next call', () => {
    try {
      torch.setPrintoptions({ precision: 2, sciMode: true });
      expect(String(torch.tensor([1.5]))).toBe('tensor([1.50e+00])');
      torch.setPrintoptions({ linewidth: 80 });
      expect(String(torch.tensor([1.5]))).toBe('tensor([1.50])');
    } finally {
      torch.setPrintoptions({ profile: 'default' });
    }
    expect(String(torch.tensor([1.5]))).toBe('tensor([1.5000])');
  });
  it('refuses bad options, naming them', () => {
    expectArgError(() => torch.setPrintoptions({ precision: -1 }), 'precision');
    expectArgError(() => torch.setPrintoptions({ precision: 1.5 }), 'precision');
    expectArgError(() => torch.setPrintoptions({ threshold: NaN }), 'threshold');
    expectArgError(() => torch.setPrintoptions({ edgeitems: 0 }), 'edgeitems');
    expectArgError(() => torch.setPrintoptions({ linewidth: '80' as unknown as number }), 'linewidth');
    expectArgError(() => torch.setPrintoptions({ profile: 'long' as 'full' }), 'profile');
    expectArgError(() => torch.setPrintoptions({ sciMode: 1 as unknown as boolean }), 'sciMode');
    expect(thrown(() => torch.setPrintoptions({ sci_mode: true } as PrintOptions)).message).toMatch(/sci_mode/);
    expect(thrown(() => (torch.setPrintoptions as (...a: unknown[]) => void)({}, 2)).code).toBe('ERR_TORCHLET_INVALID_ARG');
    // nothing was changed by the refused calls
    expect(String(torch.tensor([1.5]))).toBe('tensor([1.5000])');
  });
});
