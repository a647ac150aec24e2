// test/train/kill_save.test.ts — the short, seeded mode of bench/kill_save.js: 5 SIGKILLs of a
// training child process (3 during a checkpoint save), each followed by a resume; no checkpoint may
// be corrupt, no resume may fail, the completed runs must equal the run without kills, and no
// temporary file may be left (save removes those of killed writers). Needs the Fashion-MNIST files.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const DATA = '/usr/share/datasets/fashion-mnist';
const has = fs.existsSync(path.join(DATA, 'train-images-idx3-ubyte.gz'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileLib } = require('../../bench/child_lib.js') as { compileLib: (dir: string) => string };

(has ? test : test.skip)('5 kills during checkpointing: 0 corrupt checkpoints, 0 failed resumes, 0 temporary files left', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-killtest-'));
  try {
    const lib = compileLib(dir);
    const bench = path.join(__dirname, '..', '..', 'bench', 'kill_save.js');
    const r = spawnSync(process.execPath, [bench, '--kills', '5', '--epochs', '3', '--seed', '1', '--lib', lib, '--data', DATA], { encoding: 'utf8', timeout: 280000 });
    const stats = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    console.log(`kill_save: ${JSON.stringify(stats)}`);
    expect(stats.kills).toBe(5);
    expect(stats.killsMidSave).toBe(3);
    expect({ corrupt: stats.corrupt, failedResumes: stats.failedResumes, tempFilesLeft: stats.tempFilesLeft, runsDiffering: stats.runsDiffering }).toEqual({
      corrupt: 0, failedResumes: 0, tempFilesLeft: 0, runsDiffering: 0,
    });
    expect(stats.runsCompleted).toBeGreaterThanOrEqual(1);
    expect(r.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300000);
