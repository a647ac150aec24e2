#!/usr/bin/env node
// bench/malicious_files.js — the malicious-file corpus (test/fixtures/gen_malicious.js) loaded one
// file per child process, the way torchlet reads each kind: torch.load (safetensors),
// data.readIdxFile (IDX), new FashionMNIST({root}) (a data directory), the PNG reader of
// `torchlet predict` (readImage), and for checkpoints readTrainState and then a resume through
// trainFashionMnist (which checks them against the model, the optimizer and the options). Each child
// reports whether the file was refused (a TorchletError with a code), accepted, or crashed the
// process, and its peak RSS (VmHWM from /proc/self/status, else process.resourceUsage().maxRSS).
// Prints one line per file and a JSON
// summary {files, hostile, refused, accepted, crashes, controlsAccepted, controls, maxRSSMB,
// limitMB}; exit code 1 when a hostile file is accepted, a child crashes or exceeds the RSS limit,
// or a valid control file is refused.
//   node bench/malicious_files.js [--lib DIR] [--dir CORPUS] [--limit-mb 256] [--json FILE] [--keep]
// --lib: a runnable lib/ (default dist/lib; the jest test passes bench/child_lib.js's copy).
// --dir: an existing corpus with its manifest.json (default: generated into a temporary directory).
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const LIB = path.resolve(opt('--lib', path.join(__dirname, '..', 'dist', 'lib')));

// ---- the child: load one file ----
function childMain() {
  const [kind, file, expect] = [args[1], args[2], args[3]];
  const report = (r) => {
    // VmHWM: the peak RSS of this process image (getrusage's maxRSS can keep the parent's peak from before exec)
    let kb = process.resourceUsage().maxRSS;
    try {
      kb = Number(/VmHWM:\s*(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
    } catch {
      /* no /proc: getrusage's figure, an upper bound */
    }
    r.maxRSSMB = Math.round(kb / 102.4) / 10;
    process.stdout.write(`\n${JSON.stringify(r)}\n`);
    process.exit(0);
  };
  const torch = require(LIB);
  const { ERROR_CODES } = require(path.join(LIB, 'errors'));
  const load = async () => {
    if (kind === 'safetensors') Object.values(torch.load(file)).forEach((t) => t.dispose());
    else if (kind === 'pytorch') {
      const dispose = (v) => (v instanceof torch.Tensor ? v.dispose() : v && typeof v === 'object' && Object.values(v).forEach(dispose));
      dispose(torch.load(file));
    } else if (kind === 'idx') torch.data.readIdxFile(file);
    else if (kind === 'fashion') new torch.data.FashionMNIST({ root: file, train: true });
    else if (kind === 'png') require(path.join(LIB, 'cli', 'predict')).readImage(file).dispose();
    else if (kind === 'checkpoint') {
      require(path.join(LIB, 'train', 'checkpoint')).readTrainState(file).dispose();
      // a control stops here (a resume would train); a hostile file must also fail the resume's checks
      if (expect !== 'accept') await require(path.join(LIB, 'train', 'fashion')).trainFashionMnist({ resume: file, download: false, report: false });
    } else throw new Error(`unknown kind ${kind}`);
  };
  load().then(
    () => report({ outcome: 'accepted' }),
    (e) => report(e && typeof e.code === 'string' && e.code in ERROR_CODES ? { outcome: 'refused', code: e.code, message: String(e.message).slice(0, 300) } : { outcome: 'error', message: String(e && e.stack) }),
  );
}

// ---- the parent ----
function parentMain() {
  const LIMIT = Number(opt('--limit-mb', '256'));
  let dir = opt('--dir');
  const generated = !dir;
  if (generated) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-malicious-'));
    const manifest = require('../test/fixtures/gen_malicious.js').generate(dir, LIB);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const results = [];
  for (const m of manifest) {
    const r = spawnSync(process.execPath, [__filename, '--child', m.kind, m.file, m.expect, '--lib', LIB], { encoding: 'utf8', timeout: 120000, maxBuffer: 1 << 24 });
    const last = (r.stdout || '').trim().split('\n').pop();
    let res;
    try {
      res = JSON.parse(last);
    } catch {
      res = { outcome: 'crash', message: `exit ${r.status} signal ${r.signal}: ${(r.stderr || '').slice(-300)}` };
    }
    const ok = m.expect === 'accept' ? res.outcome === 'accepted' : res.outcome === 'refused';
    const row = { ...m, file: path.relative(dir, m.file), ...res, ok: ok && res.maxRSSMB <= LIMIT };
    results.push(row);
    console.log(`${row.ok ? 'ok  ' : 'FAIL'} ${row.kind.padEnd(11)} ${row.file.padEnd(52)} ${String(res.maxRSSMB ?? '-').padStart(6)} MB  ${res.outcome}${res.code ? ` ${res.code}` : ''}: ${(res.message ?? m.what).split('\n')[0].slice(0, 160)}`);
  }
  const hostile = results.filter((r) => r.expect === 'refuse');
  const controls = results.filter((r) => r.expect === 'accept');
  const summary = {
    files: results.length,
    hostile: hostile.length,
    refused: hostile.filter((r) => r.outcome === 'refused').length,
    accepted: hostile.filter((r) => r.outcome === 'accepted').length,
    crashes: results.filter((r) => r.outcome === 'crash' || r.outcome === 'error').length,
    controls: controls.length,
    controlsAccepted: controls.filter((r) => r.outcome === 'accepted').length,
    maxRSSMB: Math.max(...results.map((r) => r.maxRSSMB ?? Infinity)),
    limitMB: LIMIT,
  };
  console.log(JSON.stringify(summary));
  if (opt('--json')) fs.writeFileSync(opt('--json'), JSON.stringify({ summary, results }, null, 1));
  if (generated && !args.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

if (args[0] === '--child') childMain();
else parentMain();
