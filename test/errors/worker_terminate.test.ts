// test/errors/worker_terminate.test.ts — terminating a worker thread in the middle of forward passes
// never takes the process down. Node-API calls fail while a worker is being terminated (JS can no
// longer run); the errors the addon then raises must not escape as C++ exceptions (the process used to
// abort with "terminate called after throwing an instance of 'Napi::Error'"), and storages freed at
// the worker's teardown must not touch JS. The loop runs in a child process (test/child.ts); the
// 500-termination version is bench/worker_terminate.js.
import * as path from 'path';
import { TORCH, runChild, describeChild } from '../child';

const register = JSON.stringify(path.join(__dirname, '..', 'child', 'register.js'));

test('50 workers terminated mid-forward: the parent survives and counts them all', () => {
  const r = runChild(
    `
    const { Worker } = require('worker_threads');
    const code = \`
      require(${register});
      const torch = require(${TORCH});
      const { nn } = torch;
      const m = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(4 * 8 * 8, 10));
      const x = torch.randn([2, 1, 8, 8]);
      require('worker_threads').parentPort.postMessage('ready');
      for (;;) {
        const y = m.forward(x);
        y.sum().item();
        x.add(1).toArray();
        torch.tensor([1, 2, 3]).sum();
        torch.zeros([2, 3]).add(torch.ones([3]));
      }\`;
    (async () => {
      let n = 0;
      for (let i = 0; i < 50; i++) {
        const w = new Worker(code, { eval: true });
        await new Promise((res, rej) => { w.once('message', res); w.once('error', rej); });
        await new Promise((res) => setTimeout(res, (i * 7) % 20));
        await w.terminate();
        n++;
      }
      console.log(JSON.stringify({ terminated: n }));
    })().catch((e) => { console.error(e); process.exit(2); });
    `,
    { timeoutMs: 180000 },
  );
  if (r.status !== 0 || r.signal) throw new Error(`the process did not survive: ${describeChild(r)}`);
  expect(r.stdout).toContain('{"terminated":50}');
});
