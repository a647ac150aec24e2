// test/hub.test.ts — torch.hub (lib/hub.ts) against a local HTTP server on 127.0.0.1 serving a
// state dict PyTorch 1.13 wrote (test/fixtures/pytorch_files/state_dict.pt) under names carrying its
// real SHA-256 prefix and a wrong one: loadStateDictFromUrl downloads once into modelDir and then
// reads the cached file with no request; checkHash refuses a wrong prefix and leaves nothing behind;
// a file name without a hash part is refused under checkHash; getDir follows TORCH_HOME /
// XDG_CACHE_HOME as PyTorch's get_dir and setDir overrides it; downloadUrlToFile; bad arguments.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../lib';
import type { Tensor } from '../lib';

const BYTES = fs.readFileSync(path.join(__dirname, 'fixtures', 'pytorch_files', 'state_dict.pt'));
const SHA = crypto.createHash('sha256').update(BYTES).digest('hex');
const GOOD = `tiny-${SHA.slice(0, 8)}.pth`;
const BAD = `tiny-${SHA[0] === '0' ? '1' : '0'}${SHA.slice(1, 8)}.pth`;

let server: http.Server;
let base: string;
const hits: string[] = [];
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-hub-'));
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const name = path.posix.basename(req.url ?? '');
    if (name === GOOD || name === BAD || name === 'plain.pth') {
      res.writeHead(200, { 'content-length': BYTES.length });
      res.end(BYTES);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('torch.hub', () => {
  test('loadStateDictFromUrl downloads once (hash checked), then reads the cache without a request', async () => {
    const modelDir = path.join(tmp, 'cache1');
    hits.length = 0;
    const sd = await torch.hub.loadStateDictFromUrl<Record<string, Tensor>>(base + GOOD, { modelDir, checkHash: true, progress: false });
    expect(Object.keys(sd)).toContain('1.running_var');
    expect(fs.readdirSync(modelDir)).toEqual([GOOD]);
    const again = await torch.hub.loadStateDictFromUrl<Record<string, Tensor>>(base + GOOD, { modelDir, checkHash: true, progress: false });
    expect(hits).toEqual([`/models/${GOOD}`]);
    expect(Array.from(again['0.weight'].toArray() as Float32Array)).toEqual(Array.from(torch.load<Record<string, Tensor>>(path.join(__dirname, 'fixtures', 'pytorch_files', 'state_dict.pt'))['0.weight'].toArray() as Float32Array));
    const m = new torch.nn.Sequential(new torch.nn.Conv2d(2, 3, 3), new torch.nn.BatchNorm2d(3), new torch.nn.Flatten(), new torch.nn.Linear(12, 4));
    m.loadStateDict(again);
  });

  test('a wrong hash prefix is refused and nothing is left in modelDir; without checkHash it loads', async () => {
    const modelDir = path.join(tmp, 'cache2');
    await expect(torch.hub.loadStateDictFromUrl(base + BAD, { modelDir, checkHash: true, progress: false })).rejects.toMatchObject({
      code: 'ERR_TORCHLET_IO',
      message: expect.stringMatching(/invalid hash value/),
    });
    expect(fs.readdirSync(modelDir)).toEqual([]);
    const sd = await torch.hub.loadStateDictFromUrl(base + BAD, { modelDir, progress: false });
    expect(Object.keys(sd).length).toBe(9);
  });

  test('checkHash on a name without a hash part, a 404, fileName and mapLocation', async () => {
    const modelDir = path.join(tmp, 'cache3');
    await expect(torch.hub.loadStateDictFromUrl(base + 'plain.pth', { modelDir, checkHash: true, progress: false })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG' });
    await expect(torch.hub.loadStateDictFromUrl(base + 'missing-12345678.pth', { modelDir, progress: false })).rejects.toMatchObject({ code: 'ERR_TORCHLET_IO', message: expect.stringMatching(/404/) });
    const sd = await torch.hub.loadStateDictFromUrl<Record<string, Tensor>>(base + 'plain.pth', { modelDir, fileName: 'renamed.pt', mapLocation: 'cpu', progress: false });
    expect(sd['3.bias'].device).toBe('cpu');
    expect(fs.readdirSync(modelDir).sort()).toEqual(['renamed.pt']);
  });

  test('getDir follows TORCH_HOME and XDG_CACHE_HOME as PyTorch; setDir overrides; the default modelDir is getDir()/checkpoints', async () => {
    const saved = { TORCH_HOME: process.env.TORCH_HOME, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
    try {
      process.env.TORCH_HOME = path.join(tmp, 'th');
      expect(torch.hub.getDir()).toBe(path.join(tmp, 'th', 'hub'));
      delete process.env.TORCH_HOME;
      process.env.XDG_CACHE_HOME = path.join(tmp, 'xdg');
      expect(torch.hub.getDir()).toBe(path.join(tmp, 'xdg', 'torch', 'hub'));
      delete process.env.XDG_CACHE_HOME;
      expect(torch.hub.getDir()).toBe(path.join(os.homedir(), '.cache', 'torch', 'hub'));
      torch.hub.setDir(path.join(tmp, 'mine'));
      expect(torch.hub.getDir()).toBe(path.join(tmp, 'mine'));
      await torch.hub.loadStateDictFromUrl(base + GOOD, { progress: false });
      expect(fs.readdirSync(path.join(tmp, 'mine', 'checkpoints'))).toEqual([GOOD]);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test('downloadUrlToFile with a hash prefix; bad arguments are coded errors', async () => {
    const dst = path.join(tmp, 'dl', 'x.pth');
    await torch.hub.downloadUrlToFile(base + GOOD, dst, { hashPrefix: SHA.slice(0, 10), progress: false });
    expect(fs.readFileSync(dst).equals(BYTES)).toBe(true);
    await expect(torch.hub.downloadUrlToFile(base + GOOD, path.join(tmp, 'dl', 'y.pth'), { hashPrefix: 'ffff0000', progress: false })).rejects.toMatchObject({ code: 'ERR_TORCHLET_IO' });
    expect(fs.existsSync(path.join(tmp, 'dl', 'y.pth'))).toBe(false);
    await expect(torch.hub.downloadUrlToFile(base + GOOD, dst, { hashPrefix: 'xyz' })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' });
    await expect(torch.hub.loadStateDictFromUrl(base + GOOD, { check_hash: true } as never)).rejects.toMatchObject({ message: expect.stringMatching(/check_hash/) });
    await expect(torch.hub.loadStateDictFromUrl('not a url')).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG' });
    await expect(torch.hub.loadStateDictFromUrl(base + GOOD, { fileName: '../x.pth' })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' });
    expect(() => torch.hub.setDir('')).toThrow(/d/);
  });
});
