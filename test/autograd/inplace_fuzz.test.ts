// test/autograd/inplace_fuzz.test.ts — random programs of in-place writes (relu_, sigmoid_, add_, copy_,
// ...), writes through views (narrow, select, a transpose, a flattened view, fill_) and out-of-place ops
// on float64 tensors, against PyTorch 1.13 (test/fixtures/inplace_fuzz.json, 400 programs from
// gen_inplace_fuzz_fixtures.py): the loss and both leaves' gradients within 1e-10, or where PyTorch
// refused at backward (a tensor saved for backward and modified in place since), torchlet's
// ERR_TORCHLET_AUTOGRAD there too, or gradients equal to the loss's finite differences (torchlet saves
// a copy for some in-place ops' backwards, e.g. sigmoid_'s output, where PyTorch saves the tensor). Inputs and loss weights are formulas of the seed and index, as in
// the generator. The engine follows each input's node at record time (lib/autograd.ts edgesOf); views
// written in place give their base PyTorch's CopySlices node (lib/ops/inplace.ts).
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { run, inputs, weight, R, C, type Step } from './inplace_programs';

interface Case {
  seed: number;
  prog: Step[];
  error?: 'forward' | 'backward';
  message?: string;
  loss?: number;
  ga?: number[];
  gb?: number[];
  /** where PyTorch refused at backward: the loss's central finite differences */
  fa?: number[];
  fb?: number[];
}
const FX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'inplace_fuzz.json'), 'utf8')) as { cases: Case[] };
const describeProg = (c: Case) => `seed ${c.seed}: ${c.prog.map((s) => `${s.op}(${s.i},${s.j},${s.d},${s.st},${s.ln})`).join(' ')}`;
const close = (got: number[], want: number[]) => got.every((g, e) => Math.abs(g - want[e]) <= 1e-10 * (1 + Math.abs(want[e])));

test(`in-place programs: loss and gradients equal PyTorch's, or refused in the same phase (${FX.cases.length} programs)`, () => {
  expect(FX.cases.length).toBe(400);
  expect(FX.cases.filter((c) => !c.error).length).toBeGreaterThan(100);
  const wrong: string[] = [];
  let ranWherePyTorchRefused = 0;
  for (const c of FX.cases) {
    const [a, b] = inputs(c.seed);
    let loss: Tensor;
    try {
      const v = run(c.prog, a, b);
      loss = v.map((t, k) => t.mul(weight(k)).sum()).reduce((p, q) => p.add(q));
    } catch (e) {
      if (c.error !== 'forward') wrong.push(`${describeProg(c)}: forward threw ${(e as Error).message}; PyTorch ${c.error ?? 'ran it'}`);
      continue;
    }
    if (c.error === 'forward') {
      wrong.push(`${describeProg(c)}: forward ran; PyTorch refused it: ${c.message}`);
      continue;
    }
    let grads: (Tensor | null)[];
    try {
      grads = torch.autograd.grad(loss, [a, b], { allowUnused: true });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (c.error !== 'backward' || code !== 'ERR_TORCHLET_AUTOGRAD') wrong.push(`${describeProg(c)}: backward threw ${code} ${(e as Error).message}; PyTorch ${c.error ?? 'ran it'}`);
      continue;
    }
    const [ga, gb] = grads.map((g) => (g ? Array.from(g.toArray() as Float64Array) : new Array<number>(R * C).fill(0)));
    if (c.error === 'backward') {
      // torchlet saves another tensor for that node (e.g. sigmoid_'s output in a copy): it may run
      // what PyTorch refuses, with the true gradients
      ranWherePyTorchRefused++;
      const near = (got: number[], want: number[]) => got.every((g, e) => Math.abs(g - want[e]) <= 1e-6 * (1 + Math.abs(want[e])));
      if (!near(ga, c.fa!) || !near(gb, c.fb!)) wrong.push(`${describeProg(c)}: PyTorch refused it (${c.message}); torchlet's gradients differ from the finite differences`);
      continue;
    }
    if (!close([loss.item()], [c.loss!]) || !close(ga, c.ga!) || !close(gb, c.gb!)) wrong.push(`${describeProg(c)}: loss ${loss.item()} vs ${c.loss}; max |ga - PyTorch's| ${Math.max(...ga.map((g, e) => Math.abs(g - c.ga![e])))}, |gb - PyTorch's| ${Math.max(...gb.map((g, e) => Math.abs(g - c.gb![e])))}`);
  }
  expect(wrong).toEqual([]);
  // (most of PyTorch's refusals are torchlet's too)
  expect(ranWherePyTorchRefused).toBeLessThan(FX.cases.filter((c) => c.error).length / 4);
});
