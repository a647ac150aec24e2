// test/interop_torchvision.test.ts — torch.models.torchvisionResnet18 is torchvision's ResNet-18:
// its stateDict() keys are torchvision's, in the same order, and torchvision's
// resnet18(num_classes=10) loads them with a strict load_state_dict (no renaming); on the same
// weights (BatchNorm running statistics filled by one training pass first) PyTorch gives the same
// eval logits at 3x32x32, and in train mode the same logits, cross-entropy loss, gradient of every
// parameter and updated BatchNorm buffers (test/fixtures/torchvision_check.py). Skipped without
// Debian's python3-torch + python3-torchvision (scripts/setup.sh installs both).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../lib';

const PY = '/usr/bin/python3';
const hasTorchvision =
  fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
const script = path.join(__dirname, 'fixtures', 'torchvision_check.py');

/** max |a - e| / max(max |e|, 1e-3) */
function relErr(a: torch.Tensor, e: torch.Tensor): number {
  expect(a.shape).toEqual(e.shape);
  const av = a.toArray() as Float32Array;
  const ev = e.toArray() as Float32Array;
  let scale = 1e-3;
  let err = 0;
  for (let i = 0; i < ev.length; i++) {
    scale = Math.max(scale, Math.abs(ev[i]));
    err = Math.max(err, Math.abs(av[i] - ev[i]));
  }
  return err / scale;
}

(hasTorchvision ? test : test.skip)('torchvisionResnet18 matches torchvision.models.resnet18 on the same weights', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-tv-resnet18-'));
  try {
    torch.manualSeed(3);
    const m = torch.models.torchvisionResnet18({ numClasses: 10 });
    torch.noGrad(() => torch.tidy(() => void m.train().forward(torch.randn([8, 3, 32, 32]))));
    m.eval();
    const x = torch.rand([3, 3, 32, 32]);
    const xt = torch.randn([4, 3, 32, 32]);
    const yt = torch.tensor([1, 7, 0, 9], { dtype: 'int64' });
    const y = torch.noGrad(() => m.forward(x));
    const inFile = path.join(dir, 'in.safetensors');
    const outFile = path.join(dir, 'out.safetensors');
    const state = m.stateDict();
    torch.save({ ...state, __input__: x, __train_input__: xt, __train_target__: yt }, inFile);
    const r = spawnSync(PY, [script, '10', inFile, outFile], { encoding: 'utf8' });
    expect(r.stderr + (r.status === 0 ? '' : `exit ${r.status}`)).toBe('');
    expect(Object.keys(state)).toEqual(JSON.parse(r.stdout));
    const ref = torch.load(outFile);
    expect(relErr(y, ref.__output__)).toBeLessThan(1e-4);

    m.train();
    const yh = m.forward(xt);
    const loss = torch.F.crossEntropy(yh, yt);
    loss.backward();
    expect(relErr(yh, ref.__train_output__)).toBeLessThan(1e-4);
    expect(Math.abs(loss.item() - ref.__loss__.item())).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.__loss__.item())));
    const params = m.namedParameters();
    expect(params.length).toBe(62);
    for (const [name, p] of params) {
      expect([name, relErr(p.grad!, ref[`grad.${name}`]) < 1e-3]).toEqual([name, true]);
    }
    const after = m.stateDict();
    for (const k of Object.keys(after)) {
      if (!/running_(mean|var)$/.test(k)) continue;
      expect([k, relErr(after[k], ref[`after.${k}`]) < 1e-4]).toEqual([k, true]);
    }
    expect(after['layer1.0.bn1.num_batches_tracked'].item()).toBe(ref['after.layer1.0.bn1.num_batches_tracked'].item());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180000);
