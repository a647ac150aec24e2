#!/usr/bin/env node
// bench/reduce.js — reductions: sum / mean / max / min over everything, along the last dim and along
// the first, max with indices and argmax, on a few shapes, float32, in torchlet and in PyTorch, side by
// side (bench/side_by_side.js: same threads, one run, medians and the ratio torchlet / PyTorch).
//   node bench/reduce.js [--threads 2] [--reps 51]   (needs `npm run build`)
'use strict';
const { run } = require('./side_by_side');

// op: the method both engines call on x, with dim (null: over everything)
const CASES = [];
for (const x of [[1 << 20], [64, 64, 16, 16], [4096, 256], [256, 4096]])
  for (const [op, dim] of [['sum', null], ['mean', null], ['max', null], ['min', null], ['sum', -1], ['sum', 0], ['amax', -1], ['maxdim', -1], ['argmax', -1]])
    if (!(x.length === 1 && dim !== null)) CASES.push({ name: `${op}${dim === null ? '()' : `(${dim})`} [${x.join(',')}]`, x, op, dim });

run(
  'bench/reduce.js',
  CASES,
  (torch, c) => {
    const x = torch.randn(c.x);
    return {
      sum: () => (c.dim === null ? x.sum() : x.sum(c.dim)),
      mean: () => x.mean(),
      max: () => x.max(),
      min: () => x.min(),
      amax: () => x.amax(c.dim),
      maxdim: () => x.max(c.dim),
      argmax: () => x.argmax(c.dim),
    }[c.op];
  },
  `
x = torch.randn(*c['x']); d = c['dim']
return {'sum': (lambda: x.sum()) if d is None else (lambda: x.sum(d)), 'mean': lambda: x.mean(),
        'max': lambda: x.max(), 'min': lambda: x.min(), 'amax': lambda: x.amax(d),
        'maxdim': lambda: x.max(d), 'argmax': lambda: x.argmax(d)}[c['op']]
`,
);
