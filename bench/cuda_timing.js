// bench/cuda_timing.js — the GPU timing of the CUDA benches (cuda_zoo.js, cuda_conv_shapes.js):
// cudaTimer(torch, reps, warmup) returns timed(fn): fn run `warmup` times, a device synchronize, then
// `reps` runs each ended by torch.cuda.synchronize(), timed on the host clock; the median in ms.
'use strict';

const median = (a) => [...a].sort((p, q) => p - q)[(a.length - 1) >> 1];

function cudaTimer(torch, reps, warmup) {
  return (fn) => {
    for (let i = 0; i < warmup; i++) fn();
    torch.cuda.synchronize();
    const ts = [];
    for (let i = 0; i < reps; i++) {
      const t0 = process.hrtime.bigint();
      fn();
      torch.cuda.synchronize();
      ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return median(ts);
  };
}

module.exports = { cudaTimer, median };
