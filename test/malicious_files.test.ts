// test/malicious_files.test.ts — bench/malicious_files.js on the corpus of test/fixtures/
// gen_malicious.js (generated into a temporary directory): 66 hostile files (safetensors breaking the
// specification and 71 MB headers, IDX and Fashion-MNIST gzip bombs, damaged and oversized PNGs,
// edited checkpoints, PyTorch torch.save archives), each loaded in its own child process, must all be refused with a coded
// TorchletError, none may crash its process, each child's peak RSS must stay within 256 MB, and the
// valid control file of each kind must load.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileLib } = require('../bench/child_lib.js') as { compileLib: (dir: string) => string };

test('every malicious file is refused within 256 MB of peak RSS; the controls load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-maltest-'));
  try {
    const lib = compileLib(path.join(dir, 'lib-copy'));
    const json = path.join(dir, 'result.json');
    const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'bench', 'malicious_files.js'), '--lib', lib, '--limit-mb', '256', '--json', json], {
      encoding: 'utf8', timeout: 580000, env: { ...process.env, TMPDIR: dir },
    });
    const { summary, results } = JSON.parse(fs.readFileSync(json, 'utf8'));
    console.log(`malicious files: ${JSON.stringify(summary)}`);
    const failed = results.filter((x: { ok: boolean }) => !x.ok);
    expect(failed).toEqual([]);
    expect(summary.hostile).toBeGreaterThanOrEqual(66);
    expect(summary.refused).toBe(summary.hostile);
    expect(summary.accepted).toBe(0);
    expect(summary.crashes).toBe(0);
    expect(summary.controlsAccepted).toBe(summary.controls);
    expect(summary.controls).toBe(5); // safetensors, idx, png, checkpoint, pytorch (a valid Fashion-MNIST directory is 30 MB: none)
    expect(summary.maxRSSMB).toBeLessThanOrEqual(256);
    expect(r.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 600000);
