// bench/child_lib.js — a runnable copy of lib/ for child processes, for benches and the jest tests
// that spawn them: each lib/**/*.ts transpiled (typescript's transpileModule: lib is isolatedModules)
// into DIR/lib, beside links to this checkout's package.json, CMakeLists.txt, build/, prebuilds/
// and node_modules/, so the addon and the dependencies load as from the checkout. Writes only
// under DIR (a temporary directory). `compileLib(dir)` returns DIR/lib (require() it).
// Usage from the shell: node bench/child_lib.js DIR
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');

function compileLib(dir) {
  const ts = require('typescript');
  const out = path.join(dir, 'lib');
  const walk = (src) => {
    for (const e of fs.readdirSync(src, { withFileTypes: true })) {
      const p = path.join(src, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const js = ts.transpileModule(fs.readFileSync(p, 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
          fileName: p,
        }).outputText;
        const dst = path.join(out, path.relative(path.join(ROOT, 'lib'), p)).replace(/\.ts$/, '.js');
        fs.mkdirSync(path.dirname(dst), { recursive: true });
        fs.writeFileSync(dst, js);
      }
    }
  };
  walk(path.join(ROOT, 'lib'));
  for (const name of ['package.json', 'CMakeLists.txt', 'build', 'prebuilds', 'node_modules']) {
    const target = path.join(ROOT, name);
    if (fs.existsSync(target) && !fs.existsSync(path.join(dir, name))) fs.symlinkSync(target, path.join(dir, name));
  }
  return out;
}

module.exports = { compileLib };

if (require.main === module) {
  if (!process.argv[2]) {
    console.error('usage: node bench/child_lib.js DIR');
    process.exit(1);
  }
  console.log(compileLib(path.resolve(process.argv[2])));
}
