// lib/binding.ts — loads the native addon through node-gyp-build and explains how to fix a failed
// load. Lookup order (node-gyp-build): build/Release/*.node and build/Debug/*.node (a build from
// source: development checkout, `npm rebuild torchlet`, TORCHLET_BUILD_FROM_SOURCE=1), then
// prebuilds/<platform>-<arch>/ (the prebuilt binary shipped in the npm package, e.g.
// prebuilds/linux-x64/node.napi.glibc.node). On failure the error (a TorchletError,
// ERR_TORCHLET_ADDON_LOAD) names what was tried, the cause, and the fix.
// TORCHLET_ADDON=<path to a .node file> loads that build instead (e.g. the CUDA emulator's,
// build-emu/Release/torchlet.node, which `npm run test:cuda-emu` tests).
import * as fs from 'fs';
import * as path from 'path';
import type { Binding } from '../binding';
import { makeError, TorchletError } from './errors';

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
    file = process.env.TORCHLET_ADDON ? path.resolve(process.env.TORCHLET_ADDON) : gypBuild.resolve(root);
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

// Native errors become instances of torchlet's error classes (lib/errors.ts) for their code.
native.setErrorFactory(makeError);

/** The enum codes the native ops take (BinaryOp, UnaryOp, ReduceOp, RandomKind, ...), from the addon. */
export const enums = native.enums;

