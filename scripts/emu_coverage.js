#!/usr/bin/env node
// scripts/emu_coverage.js — which CUDA kernels a run under the CUDA emulator launched.
// Usage: node scripts/emu_coverage.js <stats file> [--min N]
// The stats file is what the emulator writes with TORCHLET_CUDA_EMU_STATS=<file> (one line per
// kernel instance launched, e.g. "tl::{anonymous}::fill_kernel<float>"). Prints the __global__
// kernels of native/cuda/*.cu{,h} that were launched out of all of them, the ones that were not,
// the number of distinct template instances, and the CUDA ops registered (TL_REGISTER_KERNEL).
// Exits 1 when fewer than N source kernels ran (--min).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/emu_coverage.js <stats file> [--min N]');
  process.exit(2);
}
const minIdx = rest.indexOf('--min');
const min = minIdx >= 0 ? Number(rest[minIdx + 1]) : 0;

const dir = path.join(root, 'native', 'cuda');
const kernels = new Map(); // name -> file
let registered = 0;
for (const f of fs.readdirSync(dir).filter((f) => /\.cuh?$/.test(f)).sort()) {
  const src = fs.readFileSync(path.join(dir, f), 'utf8');
  for (const m of src.matchAll(/__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s*)?(\w+)\s*\(/g)) kernels.set(m[1], f);
  registered += (src.match(/^TL_REGISTER_KERNEL\(/gm) || []).length;
}

// "ns::{anonymous}::name<args>" -> "name"
function base(instance) {
  let depth = 0;
  let cut = instance.length;
  for (let i = 0; i < instance.length; i++) {
    const c = instance[i];
    if (c === '<') {
      if (depth === 0) cut = Math.min(cut, i);
      depth++;
    } else if (c === '>') depth--;
  }
  const head = instance.slice(0, cut);
  return head.slice(head.lastIndexOf(':') + 1);
}
const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
const instances = new Set(lines);
const ran = new Set([...instances].map(base));
const hit = [...kernels.keys()].filter((k) => ran.has(k));
const missed = [...kernels.keys()].filter((k) => !ran.has(k));
console.log(`CUDA kernels exercised under emulation: ${hit.length} of ${kernels.size} __global__ kernels in native/cuda ` +
  `(${instances.size} template instances; ${registered} CUDA ops registered with TL_REGISTER_KERNEL)`);
if (missed.length) console.log(`  not launched: ${missed.map((k) => `${k} (${kernels.get(k)})`).join(', ')}`);
if (hit.length < min) {
  console.error(`fewer than ${min} kernels ran`);
  process.exit(1);
}
