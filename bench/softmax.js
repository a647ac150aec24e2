#!/usr/bin/env node
// bench/softmax.js — float32 softmax and log_softmax over the last dimension, and cross-entropy
// (mean over the batch, integer targets), forward and forward + backward, in torchlet and in PyTorch
// side by side (bench/side_by_side.js: same threads, one run, medians, the ratio torchlet / PyTorch).
// Shapes: a classifier's logits (the seed's batch of 256 x 10 classes, 4096 x 10, 64 x 1000, 4096 x 1000) and
// attention scores (32 x 128 x 128).
//   node bench/softmax.js [--threads 2] [--reps 51]   (needs `npm run build`)
'use strict';
const { run } = require('./side_by_side');

const CASES = [];
for (const x of [[256, 10], [4096, 10], [64, 1000], [4096, 1000], [32, 128, 128]])
  for (const op of ['softmax', 'log_softmax', 'softmax fwd+bwd']) CASES.push({ name: `${op} [${x.join(',')}]`, x, op });
for (const x of [[256, 10], [64, 1000], [4096, 1000]]) for (const op of ['cross_entropy', 'cross_entropy fwd+bwd']) CASES.push({ name: `${op} [${x.join(',')}]`, x, op });

run(
  'bench/softmax.js',
  CASES,
  (torch, c) => {
    const F = torch.nn.functional;
    const x = torch.randn(c.x);
    const xg = torch.randn(c.x, { requiresGrad: true });
    const t = torch.randint(0, c.x[c.x.length - 1], [c.x[0]]);
    const g = torch.randn(c.x);
    const withGrad = (f) => () => torch.enableGrad(() => {
      xg.grad = null;
      f().backward(...(c.op.startsWith('softmax') ? [g] : []));
    });
    return {
      softmax: () => F.softmax(x, -1),
      log_softmax: () => F.logSoftmax(x, -1),
      'softmax fwd+bwd': withGrad(() => F.softmax(xg, -1)),
      cross_entropy: () => F.crossEntropy(x, t),
      'cross_entropy fwd+bwd': withGrad(() => F.crossEntropy(xg, t)),
    }[c.op];
  },
  `
F = torch.nn.functional
x = torch.randn(*c['x'])
xg = torch.randn(*c['x'], requires_grad=True)
t = torch.randint(0, c['x'][-1], (c['x'][0],))
g = torch.randn(*c['x'])
def with_grad(f, *a):
    def step():
        with torch.enable_grad():
            xg.grad = None
            f().backward(*a)
    return step
return {
    'softmax': lambda: F.softmax(x, -1),
    'log_softmax': lambda: F.log_softmax(x, -1),
    'softmax fwd+bwd': with_grad(lambda: F.softmax(xg, -1), g),
    'cross_entropy': lambda: F.cross_entropy(x, t),
    'cross_entropy fwd+bwd': with_grad(lambda: F.cross_entropy(xg, t)),
}[c['op']]
`,
);
