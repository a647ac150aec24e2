// test/ops/skips.ts — the one list of what a device lacks, consulted by the per-device runner of the
// op tests (describeOp in test/devices.ts), so that a known gap shows up as a skipped test whose
// title gives the reason instead of being silently absent.
//
// Format: one entry per gap, { op, device, dtype, reason }:
//   op      the op test file the gap belongs to: test/ops/<op>.test.ts (an op, e.g. 'max_pool2d', or
//           an op family, e.g. 'unary'); an entry naming no such file is an error at load time
//   device  'cpu' or 'cuda'
//   dtype   a dtype ('float32', 'float64', 'int64', ...) or '*' for all of them
//   reason  why it cannot run there (what is missing, and where it is tracked if it is)
// Effect: dtype '*' turns the whole `<op> [<device>]` block into a describe.skip titled
// `<op> [<device>] (skipped: <reason>)`; a dtype turns that dtype's blocks of the op on that device
// (opened with the runner's dtypes(...) helper) into describe.skip titled `<dtype> (skipped: <reason>)`.
// Tests outside a dtype block obey only '*' entries.
// A device that is not available at all (CUDA without a GPU or a CUDA build) needs no entry: the
// runner skips it with the reason the binding gives.
//
// Example entry:
//   { op: 'conv3d', device: 'cuda', dtype: 'float64', reason: 'no float64 CUDA kernel for conv3d yet' },
import * as fs from 'fs';
import * as path from 'path';
import type { DType } from '../../lib';
import type { TestDevice } from '../devices';

export interface Skip {
  op: string;
  device: TestDevice;
  dtype: DType | '*';
  reason: string;
}

export const SKIPS: Skip[] = [
  {
    op: 'conv_algorithms',
    device: 'cuda',
    dtype: '*',
    reason: 'the algorithm choice is the CPU\'s: CUDA runs one implicit-GEMM kernel for every shape (test/ops/conv2d.test.ts checks it)',
  },
];

for (const s of SKIPS) {
  if (!fs.existsSync(path.join(__dirname, `${s.op}.test.ts`)))
    throw new Error(`test/ops/skips.ts: entry for op '${s.op}' but there is no test/ops/${s.op}.test.ts`);
  if (!s.reason) throw new Error(`test/ops/skips.ts: entry for ${s.op} [${s.device}] ${s.dtype} gives no reason`);
}

/**
 * Why `op` cannot run on `device` for `dtype` ('' when it can). With dtype '*' (the default) only
 * entries for all dtypes count; with a dtype, entries for that dtype or for all dtypes.
 */
export function skipReason(op: string, device: TestDevice, dtype: DType | '*' = '*'): string {
  const hit = SKIPS.find((s) => s.op === op && s.device === device && (s.dtype === '*' || s.dtype === dtype));
  return hit ? hit.reason : '';
}
