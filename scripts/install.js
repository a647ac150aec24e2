#!/usr/bin/env node
// scripts/install.js — npm `install` hook (also run by `npm rebuild torchlet`).
//   1. Unless a source build is forced, load the native addon the way lib/binding.ts will
//      (node-gyp-build: build/Release, then prebuilds/<platform>-<arch>/, e.g.
//      prebuilds/linux-x64/node.napi.glibc.node from scripts/prebuild.sh). If it loads, done:
//      no compiler is needed.
//   2. Otherwise (no matching prebuild, or it failed to load: other platform, missing libgomp,
//      too-old glibc...) build from source with `cmake-js compile` into build/Release (needs
//      cmake >= 3.18, a C++17 compiler with OpenMP; CUDA kernels too when nvcc is found), then
//      check that the result loads. node-gyp-build's own CLI would fall back to `node-gyp
//      rebuild`, which needs a binding.gyp we do not have, so the fallback is done here.
// Force a source build: TORCHLET_BUILD_FROM_SOURCE=1 (or npm --build-from-source).
// TORCHLET_CUDA=AUTO|ON|OFF is passed to CMake (default AUTO: CUDA when nvcc is found).
// Exit status non-zero, with what to do, when no working addon could be produced.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
const force = process.env.TORCHLET_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';

if (force) {
  console.log('torchlet: TORCHLET_BUILD_FROM_SOURCE=1 / --build-from-source: building the native addon from source');
} else {
  let file;
  try {
    const gypBuild = require('node-gyp-build');
    file = gypBuild.resolve(root);
    require(file);
    console.log(`torchlet: using native addon ${path.relative(root, file)}`);
    process.exit(0);
  } catch (e) {
    const cause = String(e && e.message).trim().split('\n')[0];
    if (file) console.log(`torchlet: ${path.relative(root, file)} does not load here (${cause})`);
    else console.log(`torchlet: no prebuilt binary for ${target} in prebuilds/${target} (${cause})`);
    console.log('torchlet: building the native addon from source with cmake-js');
  }
}

const args = [require.resolve('cmake-js/bin/cmake-js'), 'compile'];
if (process.env.TORCHLET_CUDA) args.push(`--CDTORCHLET_CUDA=${process.env.TORCHLET_CUDA}`);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
let loadError = null;
if (r.status === 0) {
  try {
    require(path.join(root, 'build', 'Release', 'torchlet.node'));
    console.log('torchlet: built build/Release/torchlet.node from source');
    process.exit(0);
  } catch (e) {
    loadError = String(e && e.message).trim().split('\n')[0];
  }
}
console.error(
  `torchlet: ${loadError ? `the addon built from source does not load (${loadError})` : 'building the native addon from source failed' +
    (r.error ? ` (${r.error.message})` : '')}.\n` +
    (force
      ? `  A source build was requested (TORCHLET_BUILD_FROM_SOURCE=1 / --build-from-source); unset it to use the prebuilt binary.\n`
      : `  No usable prebuilt binary for ${target} (Node ${process.version}) was found in prebuilds/${target}, so it has to be\n` +
        '  compiled here.\n') +
    '  A source build needs: cmake >= 3.18 and a C++17 compiler with OpenMP on the PATH\n' +
    '  (Debian/Ubuntu: apt-get install cmake g++), and the Node.js headers (cmake-js downloads them from\n' +
    '  nodejs.org unless npm config `nodedir` points at a local copy). CUDA kernels are compiled too when\n' +
    '  nvcc is on the PATH (set TORCHLET_CUDA=OFF to skip them). Then, in your project directory:\n' +
    '      npm install-scripts approve torchlet      (npm 11.16+; npm 12 skips unapproved install scripts)\n' +
    '      TORCHLET_BUILD_FROM_SOURCE=1 npm rebuild torchlet --foreground-scripts',
);
process.exit(r.status || 1);
