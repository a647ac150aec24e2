// test/errors/dim_keyword.test.ts — PyTorch's `dim=` keyword written as an options object where torchlet
// takes dim positionally (x.sum({dim: 1})): still refused (no silent guess), with a message that shows
// the object that came ({dim: 1, keepdim: true}, not [object Object]) and says how to write the call;
// other plain objects in error messages are shown by their keys too.
import * as torch from '../../lib';
import { thrown } from '../helpers';

describe('dim passed as a keyword object', () => {
  const x = torch.randn([2, 3]);
  const calls: [string, () => unknown][] = [
    ['x.sum', () => x.sum({ dim: 1, keepdim: true } as never)],
    ['x.mean', () => x.mean({ dim: 1 } as never)],
    ['x.max', () => x.max({ dim: 1 } as never)],
    ['x.argmax', () => x.argmax({ dim: 1 } as never)],
    ['x.cumsum', () => x.cumsum({ dim: 1 } as never)],
    ['x.unsqueeze', () => x.unsqueeze({ dim: 1 } as never)],
    ['F.softmax', () => torch.F.softmax(x, { dim: 1 } as never)],
    ['F.logSoftmax', () => torch.F.logSoftmax(x, { dim: 1 } as never)],
    ['torch.cat', () => torch.cat([x, x], { dim: 1 } as never)],
  ];
  for (const [name, f] of calls)
    it(`${name}: refused, showing the object and the positional form`, () => {
      const e = thrown(f);
      expect(e.code).toMatch(/^ERR_TORCHLET_INVALID_ARG(_TYPE)?$/);
      expect(e.message).toMatch(/for dim but received \{dim: 1(, keepdim: true)?\}/);
      expect(e.message).toMatch(/dim is positional in torchlet: x\.sum\(1, \{keepdim: true\}\)/);
    });
  it('no hint for other arguments or objects without dim', () => {
    const e = thrown(() => x.sum({ axis: 1 } as never));
    expect(e.message).toMatch(/received \{axis: 1\}$/);
    expect(thrown(() => torch.zeros({ dim: 1 } as never)).message).not.toMatch(/positional/);
  });
  it('shows nested and long objects briefly', () => {
    expect(thrown(() => x.sum({ a: { b: 1 }, c: 's', d: [1, 2] } as never)).message).toMatch(/received \{a: \{\.\.\.\}, c: "s", d: \[1, 2\]\}/);
    const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, i]));
    expect(thrown(() => x.sum(many as never)).message).toMatch(/\{k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, \.\.\.\}/);
  });
});
