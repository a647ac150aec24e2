// test/emu/detectors.test.ts — the CUDA emulator's checks (native/emu/runtime.cc) each fire on a
// deliberately broken kernel (test/emu/detectors.cu, built as emu_detectors by a TORCHLET_CUDA=EMU
// build: `npm run test:cuda-emu`), and a correct kernel using barriers, warp shuffles, ballot,
// atomics and dynamic shared memory runs clean with the right results. Skipped (with the reason)
// where no emulator build exists.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';

const root = path.resolve(__dirname, '..', '..');
const candidates = [
  process.env.TORCHLET_EMU_DETECTORS ?? '',
  path.join(root, 'build-emu', 'Release', 'emu_detectors'),
  path.join(root, 'build-emu', 'emu_detectors'),
].filter(Boolean);
const bin = candidates.find((f) => fs.existsSync(f));
const maybe = bin ? test : test.skip;
const why = bin ? '' : ' (skipped: no emulator build: run npm run test:cuda-emu)';

function run(which: string): { status: number | null; out: string } {
  const r = spawnSync(bin!, [which], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } });
  return { status: r.status, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

describe('CUDA emulator checks', () => {
  maybe(`a correct kernel (barriers, shuffles, ballot, atomics, dynamic shared memory) runs clean${why}`, () => {
    expect(run('ok')).toEqual({ status: 0, out: 'ok\n' });
  });
  maybe(`shared memory read before any thread wrote it is reported${why}`, () => {
    const r = run('uninit');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/cudaErrorAssert: .*read of uninitialised shared memory in kernel .*uninit_kernel, block \(0,0,0\), thread \(\d+,0,0\): 4 byte\(s\) at 0x[0-9a-f]+/);
  });
  maybe(`a shared-memory race (no __syncthreads between a write and another thread's read) is reported${why}`, () => {
    const r = run('race');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/shared-memory race in kernel .*race_kernel, block \(0,0,0\): thread \(0,0,0\) wrote and thread \(1,0,0\) read the word at 0x[0-9a-f]+ with no __syncthreads between/);
  });
  maybe(`a store one element past an allocation is reported${why}`, () => {
    const r = run('oob');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/cudaErrorIllegalAddress: .*out-of-bounds global store of 4 byte\(s\) at 0x[0-9a-f]+ in kernel .*oob_kernel, block \(0,0,0\), thread \(0,0,0\): offset 256 of the 256-byte device block/);
  });
  maybe(`a load from a freed device block is reported${why}`, () => {
    const r = run('uaf');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/out-of-bounds global load .*copy_kernel.*inside a freed device block .*use after free/);
  });
  maybe(`an impossible launch configuration is cudaErrorInvalidConfiguration${why}`, () => {
    const r = run('config');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/cudaErrorInvalidConfiguration: .*block \(1025,1,1\)/);
  });
});
