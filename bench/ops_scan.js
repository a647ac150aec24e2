#!/usr/bin/env node
// bench/ops_scan.js — a wide scan of everyday float32 ops (elementwise, broadcasting, reductions,
// norms, indexing, shape copies, pooling, a matmul) at the sizes of a small model's activations, in
// torchlet and in PyTorch side by side (bench/side_by_side.js: same threads, one run, medians, the
// ratio torchlet / PyTorch): where an op is far behind, it shows here first. Forward only, no grad.
//   node bench/ops_scan.js [--threads 2] [--reps 51] [--only SUBSTRING]   (needs `npm run build`)
'use strict';
const { run } = require('./side_by_side');

const only = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? process.argv[i + 1] : '';
})();
// name, torchlet expression, PyTorch expression; inputs: a, b [64, 1024]; row [1024]; big [256, 4096];
// img [32, 64, 28, 28]; idx [512] int64 < 256; emb [10000, 256] and tok [64, 32]; W [1024, 1024]
const CASES = [
  ['add a + b', 'a.add(b)', 'a + b'],
  ['mul broadcast a * row', 'a.mul(row)', 'a * row'],
  ['add scalar big + 1', 'big.add(1)', 'big + 1'],
  ['relu big', 'F.relu(big)', 'F.relu(big)'],
  ['gelu big', 'F.gelu(big)', 'F.gelu(big)'],
  ['silu big', 'F.silu(big)', 'F.silu(big)'],
  ['sigmoid big', 'big.sigmoid()', 'big.sigmoid()'],
  ['sqrt |big|', 'big.abs().sqrt()', 'big.abs().sqrt()'],
  ['pow big 2', 'big.pow(2)', 'big.pow(2)'],
  ['clamp big', 'big.clamp(-1, 1)', 'big.clamp(-1, 1)'],
  ['where big > 0', 'torch.where(big.gt(0), big, zb)', 'torch.where(big > 0, big, zb)'],
  ['sum big', 'big.sum()', 'big.sum()'],
  ['sum big dim -1', 'big.sum(-1)', 'big.sum(-1)'],
  ['mean big dim 0', 'big.mean(0)', 'big.mean(0)'],
  ['max big dim -1 (values, indices)', 'big.max(-1)', 'big.max(-1)'],
  ['argmax big dim -1', 'big.argmax(-1)', 'big.argmax(-1)'],
  ['var big dim -1', 'big.var(-1)', 'big.var(-1)'],
  ['layer_norm a [1024]', 'F.layerNorm(a, [1024], { weight: lnw, bias: lnb })', 'F.layer_norm(a, [1024], lnw, lnb)'],
  ['batch_norm eval img', 'F.batchNorm(img, rm, rv, { weight: bw, bias: bb, training: false })', 'F.batch_norm(img, rm, rv, bw, bb, False)'],
  ['max_pool2d 2x2 img', 'F.maxPool2d(img, 2)', 'F.max_pool2d(img, 2)'],
  ['avg_pool2d 2x2 img', 'F.avgPool2d(img, 2)', 'F.avg_pool2d(img, 2)'],
  ['adaptive_avg_pool2d 1 img', 'F.adaptiveAvgPool2d(img, 1)', 'F.adaptive_avg_pool2d(img, 1)'],
  ['transpose big contiguous', 'big.transpose(0, 1).contiguous()', 'big.transpose(0, 1).contiguous()'],
  ['cat [a, b] dim 1', 'torch.cat([a, b], 1)', 'torch.cat([a, b], 1)'],
  ['index_select big rows', 'big.indexSelect(0, idx)', 'big.index_select(0, idx)'],
  ['embedding [64,32] of 10000x256', 'F.embedding(tok, emb)', 'F.embedding(tok, emb)'],
  ['topk big 5 dim -1', 'big.topk(5, { dim: -1 })', 'big.topk(5, -1)'],
  ['sort a dim -1', 'a.sort(-1)', 'a.sort(-1)'],
  ['cumsum a dim -1', 'a.cumsum(-1)', 'a.cumsum(-1)'],
  ['matmul a @ W', 'a.matmul(W)', 'a @ W'],
  ['dropout big (training)', 'F.dropout(big, { p: 0.5, training: true })', 'F.dropout(big, 0.5, True)'],
].filter(([n]) => n.includes(only)).map(([name, js, py]) => ({ name, js, py }));

run(
  'bench/ops_scan.js',
  CASES,
  (torch, c) => {
    const F = torch.nn.functional;
    const a = torch.randn([64, 1024]), b = torch.randn([64, 1024]), row = torch.randn([1024]);
    const big = torch.randn([256, 4096]), zb = torch.zeros([256, 4096]), img = torch.randn([32, 64, 28, 28]);
    const idx = torch.randint(0, 256, [512]), emb = torch.randn([10000, 256]), tok = torch.randint(0, 10000, [64, 32]);
    const W = torch.randn([1024, 1024]), lnw = torch.randn([1024]), lnb = torch.randn([1024]);
    const rm = torch.randn([64]), rv = torch.rand([64]).add(0.5), bw = torch.randn([64]), bb = torch.randn([64]);
    const f = new Function('torch', 'F', 'a', 'b', 'row', 'big', 'zb', 'img', 'idx', 'emb', 'tok', 'W', 'lnw', 'lnb', 'rm', 'rv', 'bw', 'bb', `return () => ${c.js};`);
    return f(torch, F, a, b, row, big, zb, img, idx, emb, tok, W, lnw, lnb, rm, rv, bw, bb);
  },
  `
F = torch.nn.functional
a = torch.randn(64, 1024); b = torch.randn(64, 1024); row = torch.randn(1024)
big = torch.randn(256, 4096); zb = torch.zeros(256, 4096); img = torch.randn(32, 64, 28, 28)
idx = torch.randint(0, 256, (512,)); emb = torch.randn(10000, 256); tok = torch.randint(0, 10000, (64, 32))
W = torch.randn(1024, 1024); lnw = torch.randn(1024); lnb = torch.randn(1024)
rm = torch.randn(64); rv = torch.rand(64) + 0.5; bw = torch.randn(64); bb = torch.randn(64)
return eval('lambda: ' + c['py'], {**globals(), **locals()})
`,
);
