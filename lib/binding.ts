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
  `  Fix: build the addon from source for this machine. In your project directory run\n` +
  `      npm install-scripts approve torchlet\n` +
  `      TORCHLET_BUILD_FROM_SOURCE=1 npm rebuild torchlet --foreground-scripts\n` +
  `    The first line lets torchlet's install script run: npm 12 runs no dependency's install script\n` +
  `    until it is approved (npm 11.16+ warns; older npm has no such command and needs only the second\n` +
  `    line). With pnpm 10+: pnpm approve-builds, then pnpm rebuild torchlet. In a torchlet checkout:\n` +
  `    npm run build:native.\n` +
  `    The build needs cmake >= 3.18 and a C++17 compiler with OpenMP (Debian/Ubuntu: apt-get install cmake g++);\n` +
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
        `    ${path.join(root, 'build', 'Release')}. torchlet's install script builds one when no prebuild matches, but it\n` +
        `    did not run or it failed: npm 12 (npm 11 with strict-allow-scripts) and pnpm 10+ skip a dependency's\n` +
        `    install script until it is approved, and --ignore-scripts always skips it.\n`;
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

/**
 * Replaces every op export of the addon with a wrapper that flattens its arguments into one
 * Float64Array and calls `callPacked` (see native/napi/binding.cc): reading a parameter object
 * field by field through Node-API cost more than most small kernels. The wrapper is generated per
 * op from the addon's schema (plain property reads, checked with typeof); anything unusual (a
 * missing or extra key, a value of the wrong type, a long array) and anything callPacked refuses
 * goes through the op's own export, which checks everything and throws the precise error.
 */
function packOps(b: Binding): Binding {
  if (typeof b.callPacked !== 'function') return b;
  const schema = b.schema();
  const buf = new Float64Array(8192);
  const ops = b as unknown as Record<string, (...a: unknown[]) => void>;
  schema.ops.forEach((op, index) => {
    const slow = ops[op.name];
    const nt = op.tensors.length;
    const args = [...op.tensors.map((_, i) => `t${i}`), ...op.params.map((_, j) => `p${j}`)];
    const body: string[] = [`if (arguments.length !== ${args.length}) return slow(...arguments);`, 'let i = 0, v, a, n;'];
    op.tensors.forEach((t, i) => {
      body.push(
        `if (t${i} === null || t${i} === undefined) buf[i++] = -1;`,
        `else {`,
        `  if (!Array.isArray(t${i}) || t${i}.length !== 3 || typeof t${i}[1] !== 'number') return slow(...arguments);`,
        `  a = t${i}[2]; if (!Array.isArray(a) || a.length > 16) return slow(...arguments);`,
        `  buf[i++] = t${i}[1]; buf[i++] = a.length;`,
        `  for (let k = 0; k < a.length; k++) { v = a[k]; if (typeof v !== 'number') return slow(...arguments); buf[i++] = v; }`,
        `}`,
      );
    });
    op.params.forEach((st, j) => {
      const fields = schema.structs[st];
      body.push(`if (typeof p${j} !== 'object' || p${j} === null) return slow(...arguments);`);
      body.push(`n = 0; for (const k in p${j}) n++; if (n !== ${fields.length}) return slow(...arguments);`);
      for (const f of fields) {
        const get = `v = p${j}[${JSON.stringify(f.name)}];`;
        if (f.kind === 'bool') body.push(`${get} if (typeof v !== 'boolean') return slow(...arguments); buf[i++] = v ? 1 : 0;`);
        else if (f.kind === 'int' || f.kind === 'number' || f.kind === 'enum')
          body.push(`${get} if (typeof v !== 'number') return slow(...arguments); buf[i++] = v;`);
        else {
          const dims3 = f.kind === 'dims3';
          body.push(
            `${get} if (!Array.isArray(v) || ${dims3 ? 'v.length !== 3' : 'v.length > 256'}) return slow(...arguments);`,
            dims3 ? '' : 'buf[i++] = v.length;',
            `for (let k = 0; k < v.length; k++) { a = v[k]; if (typeof a !== 'number') return slow(...arguments); buf[i++] = a; }`,
          );
        }
      }
    });
    const storages = op.tensors.map((_, i) => `t${i} ? t${i}[0] : null`);
    body.push(`if (!callPacked(${index}, buf, i${storages.length ? ', ' : ''}${storages.join(', ')})) slow(...arguments);`);
    // The longest call (16 tensors of rank 16, 40 fields of 256 values) stays inside buf.
    if (nt * 18 + op.params.reduce((s, st) => s + schema.structs[st].length * 257, 0) > buf.length) return;
    const make = new Function('slow', 'callPacked', 'buf', `return function ${op.name}(${args.join(', ')}) {\n${body.join('\n')}\n};`);
    ops[op.name] = make(slow, b.callPacked.bind(b), buf) as (...a: unknown[]) => void;
  });
  return b;
}

export const native: Binding = packOps(load());

// Native errors become instances of torchlet's error classes (lib/errors.ts) for their code.
native.setErrorFactory(makeError);

/** The enum codes the native ops take (BinaryOp, UnaryOp, ReduceOp, RandomKind, ...), from the addon. */
export const enums = native.enums;

