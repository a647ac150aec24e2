// lib/ops/einsum.ts — torch.einsum(equation, ...operands): Einstein summation, built from views
// (diagonal for a letter repeated in one operand, permute), sums over letters no one else needs, and
// one batched matrix product per pair of operands (bmm), left to right. '...' stands for the same
// leading broadcast dims in every operand; without '->' the output is the letters used once, in
// alphabetical order, after the '...' dims (PyTorch's rule). Differentiable through its parts.
import { invalidArg, typeArg, shapeError } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { bmm } from './matmul';
import { sum } from './reduce';
import { diagonal, permute, reshape, expand } from './shape';

interface Term {
  t: Tensor;
  letters: string[];
}
function parseOperand(spec: string, t: Tensor, k: number, ellLetters: string[]): string[] {
  if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(spec)) invalidArg('equation', `subscripts of letters and at most one '...' (operand ${k})`, spec);
  const [pre, post] = spec.includes('...') ? spec.split('...') : [spec, null];
  if (post === null) {
    if (pre.length !== t.ndim) shapeError(`operands[${k}]`, `a tensor of ${pre.length} dimensions (subscripts '${spec}')`, t);
    return [...pre];
  }
  const nEll = t.ndim - pre.length - post.length;
  if (nEll < 0) shapeError(`operands[${k}]`, `a tensor of at least ${pre.length + post.length} dimensions (subscripts '${spec}')`, t);
  // right-aligned broadcast dims: the last nEll of the shared ellipsis letters
  return [...pre, ...ellLetters.slice(ellLetters.length - nEll), ...post];
}
/** Takes the diagonal for every letter repeated within one term. */
function dedupe(term: Term): Term {
  let { t, letters } = term;
  for (;;) {
    const dup = letters.findIndex((l, i) => letters.indexOf(l) !== i);
    if (dup < 0) return { t, letters };
    const first = letters.indexOf(letters[dup]);
    if (t.shape[first] !== t.shape[dup]) shapeError('operands', `equal sizes for the repeated subscript '${letters[dup]}'`, t);
    t = diagonal(t, 0, first, dup);
    const l = letters[dup];
    letters = letters.filter((_, i) => i !== first && i !== dup);
    letters.push(l);
  }
}
function sumOut(term: Term, needed: Set<string>): Term {
  const dims = term.letters.map((l, i) => (needed.has(l) ? -1 : i)).filter((i) => i >= 0);
  if (!dims.length) return term;
  return { t: sum(term.t, dims), letters: term.letters.filter((l) => needed.has(l)) };
}

export function einsum(equation: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  if (typeof equation !== 'string') typeArg('equation', 'an einsum equation string', equation);
  const ops = (operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands) as Tensor[];
  ops.forEach((t, k) => checkTensor(`operands[${k}]`, t));
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.includes('->') ? eq.split('->') : [eq, null];
  const specs = lhs.split(',');
  if (specs.length !== ops.length) invalidArg('equation', `${ops.length} operand subscripts (one per operand)`, equation);
  if (!ops.length) invalidArg('operands', 'at least one tensor', ops);
  const maxEll = Math.max(0, ...specs.map((s, k) => (s.includes('...') ? ops[k].ndim - s.replace('...', '').length : 0)));
  const ellLetters = Array.from({ length: maxEll }, (_, i) => `#${i}`);
  const terms: Term[] = specs.map((s, k) => dedupe({ t: ops[k], letters: parseOperand(s, ops[k], k, ellLetters) }));
  const sizes = new Map<string, number>();
  terms.forEach((term, k) =>
    term.letters.forEach((l, i) => {
      const n = term.t.shape[i];
      const prev = sizes.get(l);
      if (prev !== undefined && prev !== n && prev !== 1 && n !== 1)
        shapeError(`operands[${k}]`, `size ${prev} for subscript '${l.startsWith('#') ? '...' : l}'`, term.t);
      if (prev === undefined || prev === 1) sizes.set(l, n);
    }),
  );
  let out: string[];
  if (rhs === null) {
    const count = new Map<string, number>();
    specs.join('').replace('...', '').split('').forEach((l) => count.set(l, (count.get(l) ?? 0) + 1));
    out = [...ellLetters, ...[...count.keys()].filter((l) => count.get(l) === 1).sort()];
  } else {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(rhs)) invalidArg('equation', "output subscripts of letters and at most one '...'", equation);
    const [pre, post] = rhs.includes('...') ? rhs.split('...') : [rhs, ''];
    out = [...pre, ...(rhs.includes('...') ? ellLetters : []), ...post];
    if (new Set(out).size !== out.length) invalidArg('equation', 'output subscripts that appear once', equation);
    for (const l of out) if (!sizes.has(l)) invalidArg('equation', `output subscripts that appear in the inputs ('${l}' does not)`, equation);
  }
  // size-1 broadcast dims: expand every term to the full sizes
  const full = (term: Term): Term => {
    const want = term.letters.map((l) => sizes.get(l)!);
    return want.some((s, i) => s !== term.t.shape[i]) ? { t: expand(term.t, want), letters: term.letters } : term;
  };
  const neededAfter = (k: number): Set<string> => {
    const s = new Set(out);
    for (let j = k + 1; j < terms.length; j++) terms[j].letters.forEach((l) => s.add(l));
    return s;
  };
  let acc = sumOut(full(terms[0]), new Set([...neededAfter(0)]));
  for (let k = 1; k < terms.length; k++) {
    const later = neededAfter(k);
    const b = sumOut(full(terms[k]), new Set([...later, ...acc.letters]));
    acc = sumOut(acc, new Set([...later, ...b.letters]));
    const batch = acc.letters.filter((l) => b.letters.includes(l) && later.has(l));
    const contr = acc.letters.filter((l) => b.letters.includes(l) && !later.has(l));
    const aOnly = acc.letters.filter((l) => !b.letters.includes(l));
    const bOnly = b.letters.filter((l) => !acc.letters.includes(l));
    const n = (ls: string[]) => ls.reduce((p, l) => p * sizes.get(l)!, 1);
    const A = reshape(permute(acc.t, [...batch, ...aOnly, ...contr].map((l) => acc.letters.indexOf(l))), [n(batch), n(aOnly), n(contr)]);
    const B = reshape(permute(b.t, [...batch, ...contr, ...bOnly].map((l) => b.letters.indexOf(l))), [n(batch), n(contr), n(bOnly)]);
    const C = bmm(A, B);
    const letters = [...batch, ...aOnly, ...bOnly];
    acc = { t: reshape(C, letters.map((l) => sizes.get(l)!)), letters };
  }
  acc = sumOut(acc, new Set(out));
  return permute(acc.t, out.map((l) => acc.letters.indexOf(l)));
}
