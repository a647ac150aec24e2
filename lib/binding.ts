// lib/binding.ts — loads the native addon through node-gyp-build and explains how to fix a failed
// load. Lookup order (node-gyp-build): build/Release/*.node and build/Debug/*.node (a build from
// source: development checkout, `npm rebuild torchlet`, TORCHLET_BUILD_FROM_SOURCE=1), then
// prebuilds/<platform>-<arch>/ (the prebuilt binary shipped in the npm package, e.g.
// prebuilds/linux-x64/node.napi.glibc.node). On failure the error (a TorchletError,
// ERR_TORCHLET_ADDON_LOAD) names what was tried, the cause, and the fix.
import * as fs from 'fs';
import * as path from 'path';
import type { Binding } from '../binding';
import { TorchletError } from './errors';

type GypBuild = ((dir: string) => unknown) & { resolve(dir: string): string };

function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'CMakeLists.txt'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}

const FIX =
  `  Fix: build the addon from source for this machine:\n` +
  `      TORCHLET_BUILD_FROM_SOURCE=1 npm rebuild torchlet      (in a checkout: npm run build:native)\n` +
  `    This needs cmake >= 3.18 and a C++17 compiler with OpenMP (Debian/Ubuntu: apt-get install cmake g++);\n` +
  `    the CUDA kernels are compiled in too when nvcc (CUDA 12/13) is on the PATH.`;

function load(): Binding {
  const root = packageRoot();
  const target = `${process.platform}-${process.arch}`;
  // A plain require: node-gyp-build ships no type declarations and must resolve from this package.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gypBuild = require('node-gyp-build') as GypBuild;
  let file: string | undefined;
  try {
    file = gypBuild.resolve(root);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as Binding;
  } catch (e) {
    const err = e as Error;
    const cause = err.message.trim().split('\n')[0];
    let why: string;
    if (file === undefined) {
      // node-gyp-build found nothing to load
      why =
        `  No binary found: there is no prebuilt binary for ${target} in ${path.join(root, 'prebuilds', target)}\n` +
        `    (the npm package ships prebuilds/linux-x64 only; glibc Linux x64) and no build from source in\n` +
        `    ${path.join(root, 'build', 'Release')} (the install script builds one when no prebuild matches; it may have failed).\n`;
    } else {
      // a binary was found but the dynamic loader or Node refused it
      let hint = '';
      if (/cannot open shared object file/.test(cause)) {
        const lib = /([\w.+-]+\.so[\w.]*)/.exec(cause)?.[1] ?? 'a shared library';
        hint = /libgomp/.test(lib)
          ? `    ${lib} (the GNU OpenMP runtime) is missing: install it (Debian/Ubuntu: apt-get install libgomp1), or build from source.\n`
          : `    ${lib} is missing on this system.\n`;
      } else if (/GLIBC_|GLIBCXX_|CXXABI_/.test(cause)) {
        hint = `    The binary needs a newer C/C++ runtime (glibc/libstdc++) than this system has: build from source.\n`;
      } else if (/invalid ELF header|wrong ELF class|exec format|file too short/i.test(cause)) {
        hint = `    The file is damaged or built for another platform or architecture: build from source.\n`;
      }
      why = `  Found ${file}, but it failed to load.\n` + hint;
    }
    throw new TorchletError(
      `torchlet: could not load the native addon for ${target} (Node ${process.version}, N-API ${process.versions.napi}).\n` +
        `  Cause: ${cause}\n` +
        why +
        FIX,
      'ERR_TORCHLET_ADDON_LOAD',
    );
  }
}

export const native: Binding = load();

// ---- one device check where tensors enter native ops ------------------------------------------
// Every operand of a native op must live on the op's device (a host pointer must never reach a CUDA
// kernel). Ops create their outputs on their input's device, so a mix can only come from the user
// (a CPU tensor passed with CUDA ones): the check below names both arguments and both devices, as
// PyTorch does ("Expected all tensors to be on the same device, but found ..."). It is installed the
// first time a CUDA storage is created (enableDeviceChecks), so CPU-only programs pay nothing; the
// native binding checks again as a safety net (ERR_TORCHLET_DEVICE_MISMATCH, without the names).
// Argument names, per op, in positional order (names only for the tensor arguments matter).
const ARG_NAMES: Record<string, string[]> = {
  copyStrided: ['src', 'srcStrides', 'out'],
  fill: ['out'],
  binary: ['op', 'input', 'inputStrides', 'other', 'otherStrides', 'out'],
  unary: ['op', 'input', 'scalar', 'out'],
  unaryBackward: ['op', 'input', 'gradOutput', 'gradInput'],
  reduce: ['op', 'input', 'outer', 'r', 'inner', 'out'],
  matmul: ['input', 'other', 'out'],
  linearForward: ['input', 'weight', 'bias', 'out'],
  conv2dForward: ['input', 'weight', 'bias', 'out'],
  conv2dBackwardInput: ['gradOutput', 'weight', 'gradInput'],
  conv2dBackwardWeight: ['gradOutput', 'input', 'gradWeight', 'gradBias'],
  conv3dForward: ['input', 'weight', 'bias', 'out'],
  conv3dBackwardInput: ['gradOutput', 'weight', 'gradInput'],
  conv3dBackwardWeight: ['gradOutput', 'input', 'gradWeight', 'gradBias'],
  maxPool2dForward: ['input', 'out', 'indices'],
  maxPool2dBackward: ['gradOutput', 'indices', 'gradInput'],
  reluMaxPool2dForward: ['input', 'out', 'tap'],
  reluMaxPool2dBackward: ['gradOutput', 'output', 'tap', 'gradInput'],
  conv2dReluMaxPool2dForward: ['input', 'weight', 'bias', 'out', 'tap'],
  conv2dReluMaxPool2dBackwardInput: ['gradOutput', 'output', 'tap', 'weight', 'gradInput'],
  conv2dReluMaxPool2dBackwardWeight: ['gradOutput', 'output', 'tap', 'input', 'gradWeight', 'gradBias'],
  avgPool2dForward: ['input', 'out'],
  avgPool2dBackward: ['gradOutput', 'gradInput'],
  adaptiveAvgPool2dForward: ['input', 'out'],
  adaptiveAvgPool2dBackward: ['gradOutput', 'gradInput'],
  adaptiveMaxPool2dForward: ['input', 'out', 'indices'],
  maxUnpool2dForward: ['input', 'indices', 'out'],
  maxUnpool2dBackward: ['gradOutput', 'indices', 'gradInput'],
  random: ['kind', 'out'],
  softmax: ['input', 'out'],
  softmaxBackward: ['output', 'gradOutput', 'gradInput'],
  nllForward: ['input', 'target', 'out'],
  nllBackward: ['gradOutput', 'target', 'gradInput'],
  adamStep: ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'],
  sgdStep: ['param', 'grad', 'momentumBuffer'],
};
const DEVICE_NAME = ['cpu', 'cuda:0'];

/** Throws when the tensor arguments of one native call are on different devices. */
export function checkSameDevice(op: string, args: readonly unknown[]): void {
  let first = -1;
  let firstDevice = -1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!Array.isArray(a) || !(a[0] instanceof native.Storage)) continue;
    const d = (a[0] as { device: number }).device;
    if (first < 0) {
      first = i;
      firstDevice = d;
    } else if (d !== firstDevice) {
      const names = ARG_NAMES[op] ?? [];
      const n = (k: number) => names[k] ?? `argument ${k}`;
      throw new TorchletError(
        `torchlet: Expected all tensors to be on the same device, but found ${n(first)} on ${DEVICE_NAME[firstDevice]} ` +
          `and ${n(i)} on ${DEVICE_NAME[d]} (in ${op}); move them with .to(device) first`,
        'ERR_TORCHLET_DEVICE_MISMATCH',
      );
    }
  }
}

let deviceChecks = false;
/** Installs the device check on every native op (idempotent); called when CUDA storage first appears. */
export function enableDeviceChecks(): void {
  if (deviceChecks) return;
  deviceChecks = true;
  const table = native as unknown as Record<string, unknown>;
  for (const op of Object.keys(ARG_NAMES)) {
    const fn = table[op];
    if (typeof fn !== 'function') continue;
    const f = fn as (...a: unknown[]) => unknown;
    table[op] = function checked(...args: unknown[]): unknown {
      checkSameDevice(op, args);
      return f(...args);
    };
  }
}
