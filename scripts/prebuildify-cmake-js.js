#!/usr/bin/env node
// scripts/prebuildify-cmake-js.js — the cmake-js backend for prebuildify. prebuildify builds by
// running `<node-gyp> rebuild --target=<node version> --devdir=<dir> --arch=<arch> --release` in its
// --cwd and then takes the first .node file in <cwd>/build/Release; scripts/prebuild.sh passes this
// file as --node-gyp, so the addon is built by cmake-js from this repository's CMakeLists.txt instead
// (there is no binding.gyp). Translation: rebuild -> cmake-js configure + build with the source
// directory = this repository and the build directory = <cwd>/build; --arch is passed on; --release /
// --debug pick the configuration; --target and --devdir are node-gyp's header choices, not needed
// for a Node-API addon (cmake-js uses the running Node's headers, or npm_config_nodedir).
// $TORCHLET_PREBUILD_CMAKE_ARGS: extra cmake-js arguments, one per line (e.g. --CDTORCHLET_CUDA=ON).
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const argv = process.argv.slice(2);
if (argv[0] !== 'rebuild') {
  console.error(`prebuildify-cmake-js: expected prebuildify's "rebuild" call, got: ${argv.join(' ')}`);
  process.exit(2);
}
let config = 'Release';
const extra = [];
for (const a of argv.slice(1)) {
  if (a === '--release') config = 'Release';
  else if (a === '--debug') config = 'Debug';
  else if (a.startsWith('--arch=')) extra.push(a);
  else if (a.startsWith('--target=') || a.startsWith('--devdir=')) continue;
  else {
    console.error(`prebuildify-cmake-js: unknown node-gyp argument ${a}`);
    process.exit(2);
  }
}
const defs = (process.env.TORCHLET_PREBUILD_CMAKE_ARGS || '').split('\n').filter(Boolean);
const cmakejs = require.resolve('cmake-js/bin/cmake-js');
const common = ['--directory', root, '--out', path.resolve('build'), '--config', config, '--log-level', 'warn', ...extra];
for (const step of ['configure', 'build']) {
  const r = spawnSync(process.execPath, [cmakejs, step, ...common, ...(step === 'configure' ? defs : [])], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`prebuildify-cmake-js: cmake-js ${step} failed (${r.error ? r.error.message : `exit status ${r.status}`})`);
    process.exit(r.status || 1);
  }
}
