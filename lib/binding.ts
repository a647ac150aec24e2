// lib/binding.ts — loads the native addon through node-gyp-build (prebuilds/<platform>-<arch>/
// first, then build/Release for development builds) and explains how to fix a failed load.
import * as fs from 'fs';
import * as path from 'path';
import type { Binding } from '../binding';

function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'CMakeLists.txt'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}

function load(): Binding {
  const root = packageRoot();
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const gypBuild = require('node-gyp-build') as (dir: string) => unknown;
    return gypBuild(root) as Binding;
  } catch (e) {
    const err = e as Error;
    throw new Error(
      `torchlet: could not load the native addon for ${process.platform}-${process.arch} (Node ${process.version}).\n` +
        `  Cause: ${err.message}\n` +
        `  No prebuilt binary matched and no local build was found in ${path.join(root, 'build', 'Release')}.\n` +
        `  Fix: run \`npm rebuild torchlet\` (needs cmake and a C++ compiler with OpenMP), or from a checkout \`npm run build\`.`,
    );
  }
}

export const native: Binding = load();
