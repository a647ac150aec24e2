// test/serve/http_fuzz.test.ts — seeded random requests (test/serve/http_fuzz_cases.ts) against
// `torchlet serve` over real HTTP on 127.0.0.1: every answer keeps the contract (a documented 4xx
// with a JSON {"error", "code"} for bad input, 200 with well-formed predictions for what was built
// valid, never a 5xx), each kind of request is tried, and the server is healthy afterwards (ready,
// no worker replaced, the queue empty). TORCHLET_SERVE_FUZZ_N requests (default 400, seed
// TORCHLET_SERVE_FUZZ_SEED or 1); bench/serve_fuzz.js runs many more over many seeds.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../../lib';
import { startServer, Server } from '../../lib/serve/server';
import { serveMetadata } from '../../lib/serve/model';
import { fuzz } from './http_fuzz_cases';

const N = Number(process.env.TORCHLET_SERVE_FUZZ_N ?? 400);
const SEED = Number(process.env.TORCHLET_SERVE_FUZZ_SEED ?? 1);

let s: Server;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-serve-fuzz-'));
beforeAll(async () => {
  torch.manualSeed(3);
  const ckpt = path.join(dir, 'fashion.safetensors');
  torch.save(torch.models.fashionCnn().stateDict(), ckpt, { metadata: serveMetadata('fashion-cnn') });
  s = await startServer({ models: [{ checkpoint: ckpt }], port: 0, workers: 1, threads: 1, maxBatch: 8, bodyLimit: 1 << 16 });
  await s.ready;
});
afterAll(async () => {
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test(`${N} seeded random requests (seed ${SEED}): every answer keeps the contract; the server stays healthy`, async () => {
  // eight at a time, so that requests also meet in batches
  const { failures, kinds, statuses } = await fuzz(s.url, N, SEED, 8);
  expect(failures.slice(0, 10)).toEqual([]);
  // every kind was tried, valid requests were answered, and bad ones refused
  expect(kinds.size).toBeGreaterThanOrEqual(N >= 400 ? 14 : 1);
  expect(statuses.get(200)).toBeGreaterThan(N / 10);
  expect(statuses.get(400)).toBeGreaterThan(N / 10);
  const health = await fetch(`${s.url}/readyz`);
  expect(health.status).toBe(200);
  expect(s.models[0].session.restarts).toBe(0);
  expect(s.models[0].batcher.queueDepth).toBe(0);
  expect(s.bodyPool.heldBytes).toBeLessThanOrEqual(8 * 70000);
}, 120000);
