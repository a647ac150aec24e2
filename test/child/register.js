// test/child/register.js — lets a child `node` process load torchlet's TypeScript sources directly
// (`node -r ./test/child/register.js`): every required .ts file is transpiled on load with
// TypeScript's transpileModule (the sources are isolatedModules-safe), so a crash test runs the
// current lib/ without a build step and never a stale dist/. Outputs are cached by content hash in
// the temporary directory (TypeScript itself is loaded only on a miss).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const tsVersion = require('typescript/package.json').version;
const cacheDir = path.join(os.tmpdir(), `torchlet-test-ts-${tsVersion}`);
let ts = null;

require.extensions['.ts'] = function (module, filename) {
  const src = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(filename).update('\0').update(src).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, 'utf8');
  } catch {
    ts = ts || require('typescript');
    js = ts.transpileModule(src, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, js);
      fs.renameSync(tmp, cached);
    } catch {
      // a read-only temporary directory only costs the next child a transpile
    }
  }
  module._compile(js, filename);
};
