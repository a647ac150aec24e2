// lib/nn/qr.ts — small host-side float64 numerics for the initialisers of lib/nn/init.ts (run once
// per parameter at construction, not in training loops): a Householder QR giving the orthogonal
// factor with PyTorch's sign convention (orthogonal_: Q scaled by sign(diag(R)), so Q is unique for
// a full-rank input), and erf / erfinv in float64 (truncNormal_'s inverse-CDF sampling).

/**
 * PyTorch's orthogonal_ on a rows x cols matrix `a` (row-major): the QR of a (of its transpose when
 * rows < cols), Q multiplied column-wise by sign(diag(R)), transposed back: a rows x cols matrix with
 * orthonormal rows or columns.
 */
export function orthogonalFrom(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const wide = rows < cols;
  const m = wide ? cols : rows;
  const n = wide ? rows : cols;
  // R: m x n
  const R = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) R[wide ? j * n + i : i * n + j] = a[i * cols + j];
  const vs: Float64Array[] = [];
  const rdiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m - k);
    let norm = 0;
    for (let i = k; i < m; i++) norm += R[i * n + k] * R[i * n + k];
    norm = Math.sqrt(norm);
    const alpha = R[k * n + k] >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i - k] = R[i * n + k];
    v[0] -= alpha;
    let vn = 0;
    for (let i = 0; i < v.length; i++) vn += v[i] * v[i];
    vn = Math.sqrt(vn);
    if (vn > 0) for (let i = 0; i < v.length; i++) v[i] /= vn;
    vs.push(v);
    if (vn > 0)
      for (let j = k; j < n; j++) {
        let d = 0;
        for (let i = k; i < m; i++) d += v[i - k] * R[i * n + j];
        for (let i = k; i < m; i++) R[i * n + j] -= 2 * v[i - k] * d;
      }
    rdiag[k] = R[k * n + k];
  }
  // Q = H_0 ... H_{n-1} [I_n; 0]: m x n
  const Q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) Q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i - k] * Q[i * n + j];
      for (let i = k; i < m; i++) Q[i * n + j] -= 2 * v[i - k] * d;
    }
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const s = Math.sign(rdiag[j]);
      const q = Q[i * n + j] * s;
      if (wide) out[j * cols + i] = q;
      else out[i * cols + j] = q;
    }
  return out;
}

/** erf(x) in float64: the Maclaurin series for |x| < 2, erfc's continued fraction beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2) {
    // 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  if (ax > 27) return x < 0 ? -1 : 1;
  let k = ax;
  for (let i = 160; i >= 1; i--) k = ax + i / 2 / k;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * k);
  return x < 0 ? erfc - 1 : 1 - erfc;
}

/** erfinv(y) for y in [-1, 1] in float64: Giles' single-precision approximation refined by Newton steps on erf. */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  let w = -Math.log((1 - y) * (1 + y));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  let x = p * y;
  for (let i = 0; i < 3; i++) {
    const d = (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
    if (!(d > 0)) break;
    x -= (erf(x) - y) / d;
  }
  return x;
}

/** The range of truncNormal_'s uniform draws, [2 cdf((a - mean) / std) - 1, 2 cdf((b - mean) / std) - 1]. */
export function truncNormalBounds(mean: number, std: number, a: number, b: number): { lo: number; hi: number } {
  const cdf = (x: number) => (1 + erf(x / Math.SQRT2)) / 2;
  return { lo: 2 * cdf((a - mean) / std) - 1, hi: 2 * cdf((b - mean) / std) - 1 };
}
