#!/usr/bin/env node
// scripts/install.js — npm install hook. Uses a matching prebuilt binary (prebuilds/, found by
// node-gyp-build) or an existing build/Release; otherwise builds from source with cmake-js.
// (node-gyp-build's own CLI falls back to `node-gyp rebuild`, which needs a binding.gyp we do
// not have, so the fallback is done here.) Set TORCHLET_BUILD_FROM_SOURCE=1 to force a build.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const force = process.env.TORCHLET_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';

if (!force) {
  try {
    require('node-gyp-build')(root);
    process.exit(0);
  } catch (e) {
    console.log(`torchlet: no usable prebuilt binary (${e.message.split('\n')[0]}); building from source with cmake-js`);
  }
}
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    'torchlet: building the native addon failed. It needs cmake (>= 3.18) and a C++17 compiler with OpenMP\n' +
      '  (Debian/Ubuntu: apt-get install cmake g++). CUDA kernels are built too when nvcc is on the PATH.',
  );
  process.exit(r.status ?? 1);
}
