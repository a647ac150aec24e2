#!/usr/bin/env node
// bench/unary.js — float32 exp, sigmoid and tanh (x.exp(), x.sigmoid(), x.tanh()) and an LSTM forward
// (nn.LSTM(64, 128) on a [50, 32, 64] sequence, no grad) in torchlet and in PyTorch, side by side
// (bench/side_by_side.js: same threads, one run, medians and the ratio torchlet / PyTorch).
//   node bench/unary.js [--threads 2] [--reps 51]   (needs `npm run build`)
'use strict';
const { run } = require('./side_by_side');

const CASES = [];
for (const x of [[1 << 18], [1 << 20]]) for (const op of ['exp', 'sigmoid', 'tanh']) CASES.push({ name: `${op} [${x.join(',')}]`, x, op });
CASES.push({ name: 'LSTM(64, 128) forward [50,32,64]', x: [50, 32, 64], op: 'lstm' });

run(
  'bench/unary.js',
  CASES,
  (torch, c) => {
    const x = torch.randn(c.x);
    const lstm = c.op === 'lstm' ? new torch.nn.LSTM(64, 128) : null;
    return { exp: () => x.exp(), sigmoid: () => x.sigmoid(), tanh: () => x.tanh(), lstm: () => lstm.forward(x) }[c.op];
  },
  `
x = torch.randn(*c['x'])
if c['op'] == 'lstm':
    lstm = torch.nn.LSTM(64, 128)
    return lambda: lstm(x)
return {'exp': x.exp, 'sigmoid': x.sigmoid, 'tanh': x.tanh}[c['op']]
`,
);
