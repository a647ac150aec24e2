// examples/resolve_torchlet.js — a `node -r` preload for running the compiled examples inside this
// repository, where `require('torchlet')` means this package itself (in a project that installed
// torchlet from npm, nothing is needed): it resolves the name 'torchlet' to the repository root,
// whose package.json "main" is dist/lib/index.js.
const Module = require('module');
const path = require('path');

const root = path.join(__dirname, '..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'torchlet' ? root : request, ...rest);
};
