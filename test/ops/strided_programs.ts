// test/ops/strided_programs.ts — the interpreter of test/ops/strided_fuzz.test.ts's random programs
// on non-contiguous tensors (test/fixtures/gen_strided_fuzz_fixtures.py's apply_view / run_op /
// run_inplace, step for step): a leaf built from the generator's formula of (seed, operand, flat
// index), a chain of view steps, then one op; in-place programs write through the view chain of
// a.clone() and return that clone. Also the loss weights (the same formula as the generator's).
import * as torch from '../../lib';
import type { Tensor, DType, IndexSpec } from '../../lib';

export type Step = (string | number | number[] | (string | number | null)[])[];
export type Op = (string | number | boolean | number[] | null)[];
export interface Operand {
  dt: 'float64' | 'float32' | 'int64';
  shape: number[];
  v: Step[];
}

const numel = (shape: number[]) => shape.reduce((p, q) => p * q, 1);

/** The generator's value(): exact multiples of 1/256 (floats, distinct) or small integers (int64). */
export function value(seed: number, k: number, e: number, dt: string): number {
  const m = (seed * 7919 + k * 3001 + e * 1237) % 2003;
  return dt === 'int64' ? (m % 41) - 20 : (m - 1001) / 256;
}

/** The leaf of operand k (float64 leaves require grad). */
export function leaf(seed: number, k: number, o: Operand): Tensor {
  const n = numel(o.shape);
  const vals = Array.from({ length: n }, (_, e) => value(seed, k, e, o.dt));
  let t: Tensor;
  if (o.dt === 'int64')
    t = torch.fromBuffer(
      BigInt64Array.from(vals, (v) => BigInt(v)),
      o.shape.slice(),
    );
  else if (o.dt === 'float32') t = torch.fromBuffer(Float32Array.from(vals), o.shape.slice());
  else t = torch.fromBuffer(Float64Array.from(vals), o.shape.slice()).requiresGrad_();
  return t;
}

/** The generator's weight(k, shape) of the loss sum_k sum(out_k * w_k). */
export function weight(k: number, shape: number[], device: string): Tensor {
  const n = numel(shape);
  return torch
    .fromBuffer(
      Float64Array.from({ length: n }, (_, e) => (((e * 37 + k * 11 + 5) % 17) - 8) / 8),
      shape.slice(),
    )
    .to(device);
}

export function applyView(x: Tensor, s: Step): Tensor {
  const a = s as never[];
  switch (s[0]) {
    case 'transpose':
      return x.transpose(a[1], a[2]);
    case 'permute':
      return x.permute(a[1]);
    case 'movedim':
      return x.movedim(a[1], a[2]);
    case 't':
      return x.t();
    case 'narrow':
      return x.narrow(a[1], a[2], a[3]);
    case 'select':
      return x.select(a[1], a[2]);
    case 'index':
      return x.index(...(s[1] as IndexSpec[]));
    case 'flip':
      return x.flip(a[1]);
    case 'unsqueeze':
      return x.unsqueeze(a[1]);
    case 'squeeze':
      return s.length > 1 ? x.squeeze(a[1]) : x.squeeze();
    case 'expand':
      return x.expand(a[1]);
    case 'diagonal':
      return x.diagonal(a[1], a[2], a[3]);
    case 'view':
      return x.view(a[1]);
    case 'reshape':
      return x.reshape(a[1]);
    case 'contiguous':
      return x.contiguous();
    default:
      throw new Error(`unknown view step ${String(s[0])}`);
  }
}

export const chain = (x: Tensor, steps: Step[]): Tensor => steps.reduce(applyView, x);

/** PyTorch's run_op: the op's outputs (values before indices). */
export function runOp(op: Op, x: Tensor, y: Tensor | null): Tensor[] {
  const a = op as never[];
  const f = op[1] as string;
  const Y = y as Tensor;
  switch (op[0]) {
    case 'u':
      switch (f) {
        case 'exp':
          return [x.exp()];
        case 'logabs1':
          return [x.abs().add(1).log()];
        case 'sqrtabs':
          return [x.abs().sqrt()];
        case 'sin':
          return [x.sin()];
        case 'tanh':
          return [x.tanh()];
        case 'sigmoid':
          return [x.sigmoid()];
        case 'relu':
          return [x.relu()];
        case 'gelu':
          return [torch.F.gelu(x)];
        case 'abs':
          return [x.abs()];
        case 'neg':
          return [x.neg()];
        case 'round':
          return [x.round()];
        case 'clamp':
          return [x.clamp(a[2], a[3])];
        case 'clampmin':
          return [x.clamp(a[2])];
        case 'square':
          return [x.mul(x)];
        case 'floor':
          return [x.floor()];
        case 'ceil':
          return [x.ceil()];
        case 'trunc':
          return [x.trunc()];
        case 'sign':
          return [x.sign()];
        case 'erf':
          return [x.erf()];
        case 'atan':
          return [x.atan()];
        case 'cos':
          return [x.cos()];
        case 'recip':
          return [x.abs().add(0.5).reciprocal()];
        case 'rsqrt':
          return [x.abs().add(0.5).rsqrt()];
        case 'expm1':
          return [torch.expm1(x)];
        case 'log1p':
          return [torch.log1p(x.abs())];
        case 'lnot':
          return [x.logicalNot()];
        case 'softplus':
          return [torch.F.softplus(x, { beta: a[2], threshold: a[3] })];
        case 'leakyrelu':
          return [torch.F.leakyRelu(x, { negativeSlope: a[2] })];
        case 'elu':
          return [torch.F.elu(x, { alpha: a[2] })];
        case 'silu':
          return [torch.F.silu(x)];
        case 'hardtanh':
          return [torch.F.hardtanh(x, { minVal: a[2], maxVal: a[3] })];
        case 'frac':
          return [x.frac()];
        case 'xlogx':
          return [x.mul(x.gt(0)).xlogy(x.relu().detach())];
      }
      break;
    case 'b':
      switch (f) {
        case 'add':
          return [x.add(Y)];
        case 'sub':
          return [x.sub(Y)];
        case 'mul':
          return [x.mul(Y)];
        case 'div':
          return [x.div(Y)];
        case 'pow':
          return [x.abs().add(0.5).pow(Y)];
        case 'maximum':
          return [torch.maximum(x, Y)];
        case 'minimum':
          return [torch.minimum(x, Y)];
        case 'eq':
          return [x.eq(Y)];
        case 'lt':
          return [x.lt(Y)];
        case 'ge':
          return [x.ge(Y)];
        case 'where':
          return [torch.where(x.gt(0), x, Y)];
        case 'add_alpha':
          return [torch.add(x, Y, { alpha: a[2] })];
        case 'atan2':
          return [x.atan2(Y)];
        case 'hypot':
          return [x.hypot(Y)];
        case 'logaddexp':
          return [x.logaddexp(Y)];
        case 'remainder':
          return [x.remainder(Y.abs().add(1))];
        case 'fmod':
          return [x.fmod(Y.abs().add(1))];
        case 'floordiv':
          return [x.floorDivide(Y.abs().add(1))];
        case 'ne':
          return [x.ne(Y)];
        case 'gt':
          return [x.gt(Y)];
        case 'land':
          return [x.gt(0).logicalAnd(Y)];
        case 'lerp':
          return [x.lerp(Y, a[2])];
        case 'addcmul':
          return [x.addcmul(Y, Y, { value: a[2] })];
        case 'xlogy':
          return [x.xlogy(Y.abs())];
        case 'cossim':
          return [torch.F.cosineSimilarity(x, Y, { dim: a[2] })];
      }
      break;
    case 's': {
      const c = a[2] as number;
      switch (f) {
        case 'add':
          return [x.add(c)];
        case 'mul':
          return [x.mul(c)];
        case 'sub':
          return [x.sub(c)];
        case 'div':
          return [x.div(c)];
        case 'pow':
          return [x.abs().pow(c)];
        case 'rsub':
          return [x.neg().add(c)]; // c - x (torchlet has no public rsub)
      }
      break;
    }
    case 'r': {
      const dim = a[2] as number | number[] | null;
      const kd = a[3] as boolean;
      const d1 = dim as number;
      switch (f) {
        case 'sum':
          return [dim === null ? x.sum() : x.sum(dim, kd)];
        case 'mean':
          return [dim === null ? x.mean() : x.mean(dim, kd)];
        case 'amax':
          return [dim === null ? x.amax() : x.amax(dim, kd)];
        case 'amin':
          return [dim === null ? x.amin() : x.amin(dim, kd)];
        case 'std':
          return [x.std(dim, { correction: a[4], keepdim: kd })];
        case 'var':
          return [x.var(dim, { correction: a[4], keepdim: kd })];
        case 'logsumexp':
          return [x.logsumexp(dim as number | number[], kd)];
        case 'norm':
          return [x.norm(a[4], dim, kd)];
        case 'prod':
          return [dim === null ? x.prod() : x.prod(d1, kd)];
        case 'nansum':
          return [dim === null ? x.nansum() : x.nansum(dim, kd)];
        case 'countnz':
          return [x.countNonzero(dim)];
        case 'median': {
          if (dim === null) return [x.median()];
          const r = x.median(d1, kd);
          return [r.values, r.indices];
        }
        case 'cummax':
        case 'cummin': {
          const r = f === 'cummax' ? x.cummax(d1) : x.cummin(d1);
          return [r.values, r.indices];
        }
        case 'logcumsumexp':
          return [x.logcumsumexp(d1)];
        case 'argsort':
          return [x.argsort(d1, { descending: kd })];
        case 'diff':
          return [x.diff(a[4], d1)];
        case 'normalize':
          return [torch.F.normalize(x, { p: a[4], dim: d1 })];
        case 'max':
        case 'min': {
          if (dim === null) return [f === 'max' ? x.max() : x.min()];
          const r = f === 'max' ? x.max(d1, kd) : x.min(d1, kd);
          return [r.values, r.indices];
        }
        case 'argmax':
          return [dim === null ? x.argmax(undefined, kd) : x.argmax(d1, kd)];
        case 'argmin':
          return [dim === null ? x.argmin(undefined, kd) : x.argmin(d1, kd)];
        case 'all':
          return [dim === null ? x.all() : x.all(d1, kd)];
        case 'any':
          return [dim === null ? x.any() : x.any(d1, kd)];
        case 'cumsum':
          return [x.cumsum(d1)];
        case 'cumprod':
          return [x.cumprod(d1)];
        case 'softmax':
          return [x.softmax(d1)];
        case 'logsoftmax':
          return [x.logSoftmax(d1)];
        case 'sort': {
          const r = x.sort(d1, { descending: kd });
          return [r.values, r.indices];
        }
        case 'topk': {
          const r = x.topk(a[4], { dim: d1, largest: kd });
          return [r.values, r.indices];
        }
        case 'kthvalue': {
          const r = x.kthvalue(a[4], d1, kd);
          return [r.values, r.indices];
        }
      }
      break;
    }
    case 'shape':
      switch (f) {
        case 'roll':
          return [x.roll(a[2], a[3] ?? undefined)];
        case 'repeat':
          return [x.repeat(a[2])];
        case 'tile':
          return [x.tile(a[2])];
        case 'tril':
          return [x.tril(a[2])];
        case 'triu':
          return [x.triu(a[2])];
        case 'rot90':
          return [x.rot90(a[2], a[3])];
        case 'flatten':
          return [x.flatten(a[2], a[3])];
        case 'gather': {
          const ix = a[3] as { s: number[]; v: number[] };
          return [
            x.gather(
              a[2],
              torch
                .fromBuffer(
                  BigInt64Array.from(ix.v, (v) => BigInt(v)),
                  ix.s.slice(),
                )
                .to(x.device),
            ),
          ];
        }
        case 'indexselect':
          return [
            x.indexSelect(
              a[2],
              torch
                .fromBuffer(
                  BigInt64Array.from(a[3] as number[], (v) => BigInt(v)),
                  [(a[3] as number[]).length],
                )
                .to(x.device),
            ),
          ];
        case 'maskedfill':
          return [x.maskedFill(x.gt(a[2]), a[3])];
        case 'flip':
          return [x.flip(a[2])];
        case 'pad':
          return [torch.F.pad(x, a[2], { value: a[3] })];
        case 'layernorm':
          return [torch.F.layerNorm(x, a[2])];
      }
      break;
    case 'nn':
      switch (f) {
        case 'glu':
          return [torch.F.glu(x, a[2])];
        case 'logsigmoid':
          return [torch.F.logsigmoid(x)];
        case 'softmin':
          return [torch.F.softmin(x, a[2])];
        case 'nanmean':
          return [x.nanmean(a[2], a[3])];
        case 'aminmax': {
          const r = x.aminmax({ dim: a[2] ?? undefined, keepdim: a[3] });
          return [r.min, r.max];
        }
        case 'quantile':
          return [x.quantile(a[2], a[3], { keepdim: a[4] })];
        case 'trace':
          return [x.trace()];
        case 'diag':
          return [x.diag(a[2])];
        case 'diagembed':
          return [torch.diagEmbed(x)];
        case 'conv1d':
          return [
            torch.F.conv1d(x, Y, null, {
              stride: a[2],
              padding: a[3],
              groups: a[4],
            }),
          ];
        case 'conv2d':
          return [
            torch.F.conv2d(x, Y, null, {
              stride: a[2],
              padding: a[3],
              groups: a[4],
            }),
          ];
        case 'maxpool1d':
          return [torch.F.maxPool1d(x, a[2], { stride: a[3] })];
        case 'avgpool1d':
          return [torch.F.avgPool1d(x, a[2], { stride: a[3] })];
      }
      break;
    case 'mv':
      return [x.mv(Y)];
    case 'dot':
      return [x.dot(Y)];
    case 'outer':
      return [torch.outer(x, Y)];
    case 'einsum':
      return [torch.einsum(a[1], x, Y)];
    case 'linear':
      return [torch.F.linear(x, Y)];
    case 'matmul':
      return [x.matmul(Y)];
    case 'mm':
      return [x.mm(Y)];
    case 'bmm':
      return [torch.bmm(x, Y)];
    case 'cat':
      return [torch.cat([x, Y, x], a[1])];
    case 'stack':
      return [torch.stack([x, Y], a[1])];
    case 'clone':
      return [x.clone()];
    case 'contiguous':
      return [x.contiguous()];
  }
  throw new Error(`unknown op ${JSON.stringify(op)}`);
}

/** PyTorch's run_inplace: op applied in place to the view v. */
export function runInplace(op: Op, v: Tensor, y: Tensor | null): void {
  const a = op as never[];
  const Y = y as Tensor;
  switch (op[1]) {
    case 'add_':
      v.add_(Y);
      return;
    case 'sub_':
      v.sub_(Y, { alpha: a[2] });
      return;
    case 'mul_':
      v.mul_(Y);
      return;
    case 'div_':
      v.div_(Y.abs().add(1));
      return;
    case 'clamp_':
      v.clamp_(a[2], a[3]);
      return;
    case 'copy_':
      v.copy_(Y);
      return;
    case 'fill_':
      v.fill_(a[2]);
      return;
    case 'relu_':
      v.relu_();
      return;
    case 'mul_s':
      v.mul_(a[2]);
      return;
    case 'add_s':
      v.add_(a[2]);
      return;
    case 'neg_':
      v.neg_();
      return;
    case 'sigmoid_':
      v.sigmoid_();
      return;
    case 'exp_':
      v.exp_();
      return;
    case 'pow_':
      v.pow_(2);
      return;
    case 'lerp_':
      v.lerp_(Y, a[2]);
      return;
    case 'addcmul_':
      v.addcmul_(Y, Y, { value: a[2] });
      return;
    case 'maskedfill_':
      v.maskedFill_(v.gt(0), a[2]);
      return;
    case 'zero_':
      v.zero_();
      return;
    case 'clampmin_':
      v.clamp_(a[2]);
      return;
    case 'tanh_':
      v.tanh_();
      return;
    case 'abs_':
      v.abs_();
      return;
    case 'div_s':
      v.div_(a[2]);
      return;
    case 'floor_':
      v.floor_();
      return;
    case 'indexadd_':
      v.indexAdd_(
        a[2],
        torch
          .fromBuffer(
            BigInt64Array.from(a[3] as number[], (e) => BigInt(e)),
            [(a[3] as number[]).length],
          )
          .to(v.device),
        Y,
        { alpha: a[4] },
      );
      return;
  }
  throw new Error(`unknown in-place op ${JSON.stringify(op)}`);
}

export interface Program {
  seed: number;
  a: Operand;
  b?: Operand;
  op: Op;
  ip?: boolean;
}

/** Runs a program on `device`: the leaves (on that device) and the outputs. */
export function run(p: Program, device: string): { leaves: (Tensor | null)[]; outs: Tensor[] } {
  const onDev = (t: Tensor) => (device === 'cpu' ? t : t.detach().to(device).requiresGrad_(t.requiresGrad));
  const A = onDev(leaf(p.seed, 0, p.a));
  const B = p.b ? onDev(leaf(p.seed, 1, p.b)) : null;
  const y = B && p.b ? chain(B, p.b.v) : null;
  if (p.ip) {
    const base = A.clone();
    runInplace(p.op, chain(base, p.a.v), y);
    return { leaves: [A, B], outs: [base] };
  }
  return { leaves: [A, B], outs: runOp(p.op, chain(A, p.a.v), y) };
}

export const DTYPES: Record<string, DType> = {
  float64: 'float64',
  float32: 'float32',
  int64: 'int64',
  bool: 'bool',
};
