// test/serve/cli_serve.test.ts — the `torchlet serve` command as a process: it prints
// {"listening"} then {"ready"}, serves a checkpoint written by `torchlet train`'s code path with no
// other flag, and on SIGTERM stops accepting, finishes the requests in flight and exits 0
// (graceful drain); bad flags exit 1 with a message naming them; serve's OpenMP wait policy (omp_env.ts).
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../../lib';
import { serveMetadata } from '../../lib/serve/model';

const root = path.resolve(__dirname, '..', '..');
const register = path.join(root, 'test', 'child', 'register.js');
const main = path.join(root, 'lib', 'cli', 'main.ts');
const SLOW = path.join(__dirname, 'fixtures', 'slow_model.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-cli-serve-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Proc {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: string | null }>;
  waitFor(re: RegExp, ms?: number): Promise<string>;
  stderr(): string;
}
function serve(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, ['-r', register, main, 'serve', ...args], { cwd: root, env: { ...process.env, ...env } });
  const lines: string[] = [];
  let err = '';
  let buf = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const waitFor = async (re: RegExp, ms = 60000) => {
    const t0 = Date.now();
    for (;;) {
      const l = lines.find((x) => re.test(x));
      if (l) return l;
      if (child.exitCode !== null || Date.now() - t0 > ms) throw new Error(`no line ${re} (stdout: ${lines.join('\n')}; stderr: ${err})`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return { child, lines, exited, waitFor, stderr: () => err };
}

test('serves a checkpoint with its recorded architecture; /readyz, /predict; SIGTERM exits 0', async () => {
  const ckpt = path.join(dir, 'best.safetensors');
  torch.manualSeed(1);
  const m = torch.models.fashionCnn();
  torch.save(m.stateDict(), ckpt, { metadata: { model: 'fashion-cnn', epoch: '1', ...serveMetadata('fashion-cnn') } });
  const p = serve(['--checkpoint', ckpt, '--port', '0', '--workers', '1', '--threads', '1', '--nice', '3']);
  try {
    const url = JSON.parse(await p.waitFor(/"listening"/)).listening as string;
    const ready = JSON.parse(await p.waitFor(/"ready"/));
    if (process.platform === 'linux') {
      // --nice: the worker thread runs at niceness 3, the server's main thread at 0
      const nice = (tid: string) => {
        const st = fs.readFileSync(`/proc/${p.child.pid}/task/${tid}/stat`, 'utf8');
        return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const all = fs.readdirSync(`/proc/${p.child.pid}/task`);
      expect(all.filter((t) => nice(t) === 3).length).toBeGreaterThanOrEqual(1);
      expect(nice(String(p.child.pid))).toBe(0);
    }
    expect(ready.models[0]).toMatchObject({ name: 'fashion-cnn', model: 'fashion-cnn', workers: 1, threads: 1, singleThreadBelow: 0 });
    expect(ready.models[0].sharedWeightBytes).toBeGreaterThan(1e6);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const r = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: torch.zeros([1, 28, 28]).tolist() }) });
    expect(r.status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines).toContain('{"stopped":true}');
  } finally {
    p.child.kill('SIGKILL');
  }
});

test('--single-thread-below fixes the batch size from which a worker runs on all its threads (the ready line reports it); a negative one is refused', async () => {
  const ckpt = path.join(dir, 'best.safetensors');
  const p = serve(['--checkpoint', ckpt, '--port', '0', '--workers', '1', '--threads', '2', '--single-thread-below', '5']);
  try {
    const ready = JSON.parse(await p.waitFor(/"ready"/));
    expect(ready.models[0]).toMatchObject({ threads: 2, singleThreadBelow: 5 });
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  } finally {
    p.child.kill('SIGKILL');
  }
  const bad = serve(['--checkpoint', ckpt, '--single-thread-below', '-1']);
  expect((await bad.exited).code).not.toBe(0);
  expect(bad.stderr()).toMatch(/--single-thread-below must be an integer >= 0/);
});

test('--nice out of range: a clear error naming it, exit code 1', async () => {
  const p = serve(['--checkpoint', path.join(dir, 'best.safetensors'), '--nice', '20']);
  expect((await p.exited).code).not.toBe(0);
  expect(p.stderr()).toMatch(/--nice takes a niceness from 0 to 19; got 20/);
});

test('SIGTERM drain: requests in flight and queued are all answered, new connections refused, exit 0', async () => {
  const p = serve(['--module', SLOW, '--port', '0', '--workers', '1', '--threads', '1', '--max-batch', '2', '--max-delay-ms', '0'], { SLOW_MODEL_MS: '400' });
  try {
    const url = JSON.parse(await p.waitFor(/"listening"/)).listening as string;
    await p.waitFor(/"ready"/);
    const send = () =>
      fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ inputs: [1, 2, 3, 4] }) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { predictions?: unknown[] },
      }));
    // 6 requests: 2 batches of 2 queued behind the running one (about 1.2 s of work)
    const inflight = Array.from({ length: 6 }, send);
    await new Promise((r) => setTimeout(r, 150));
    p.child.kill('SIGTERM');
    await p.waitFor(/"shutdown":"SIGTERM"/);
    const rs = await Promise.all(inflight);
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    for (const r of rs) expect(r.body.predictions).toHaveLength(1);
    // while draining or after: nothing new is served
    const late = await send().catch((e: Error) => ({ status: -1, body: { error: e.message } }));
    expect(late.status === -1 || late.status === 503).toBe(true);
    expect(await p.exited).toEqual({ code: 0, signal: null });
  } finally {
    p.child.kill('SIGKILL');
  }
});

test.each([
  [[], /needs --checkpoint FILE .* or --module FILE/],
  [['--checkpoint', '/nonexistent/x.safetensors', '--port', '0'], /--checkpoint: no such file/],
  [['--checkpoint', 'x', '--port', '-1'], /--port must be an integer >= 0/],
  [['--checkpoint', 'x', '--max-batch', '0'], /--max-batch must be an integer >= 1/],
  [['--checkpoint', 'x', '--device', 'tpu'], /device/],
])('bad flags %j: exit code 1 and a message naming them', async (args, msg) => {
  const p = serve(args as string[]);
  const { code } = await p.exited;
  expect(code).toBe(1);
  expect(p.stderr()).toMatch(msg);
  expect(p.stderr()).not.toMatch(/\n\s+at /); // no stack trace
});

// lib/cli/omp_env.ts: `torchlet serve` runs OpenMP with a passive wait policy unless the environment
// sets one; other commands keep libgomp's default. It must run before the addon (and libgomp) loads,
// so it is main.ts's first import.
test.each([
  ['serve', undefined, 'passive'],
  ['serve', 'active', 'active'],
  ['train', undefined, 'unset'],
])('torchlet %s with OMP_WAIT_POLICY=%s runs OpenMP with %s', (command, given, want) => {
  const env = { ...process.env };
  delete env.OMP_WAIT_POLICY;
  if (given) env.OMP_WAIT_POLICY = given;
  const code = `process.argv[2] = ${JSON.stringify(command)}; require(${JSON.stringify(path.join(root, 'lib', 'cli', 'omp_env.ts'))}); console.log(process.env.OMP_WAIT_POLICY ?? 'unset');`;
  const r = spawnSync(process.execPath, ['-r', register, '-e', code], { cwd: root, env, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe(want);
  const firstImport = fs.readFileSync(main, 'utf8').split('\n').find((l) => l.startsWith('import '));
  expect(firstImport).toMatch(/^import '\.\/omp_env';/);
});
