// test/data/fixture_tensors.ts — the tensors of the torchvision fixtures (test/fixtures/*.json, written
// by the gen_*_fixtures.py generators): an {shape, dtype, data} entry as a torchlet tensor of that dtype,
// an image's or tensor's values as numbers, and the comparison of a result with a fixture's output.
import * as torch from '../../lib';

export interface Fx {
  shape: number[];
  dtype: string;
  data: number[];
}

/** The fixture entry as a tensor (uint8, int32, float64 or float32). */
export function tensorOf(f: Fx): torch.Tensor {
  const a =
    f.dtype === 'uint8' ? Uint8Array.from(f.data)
    : f.dtype === 'float64' ? Float64Array.from(f.data)
    : f.dtype === 'int32' ? Int32Array.from(f.data)
    : Float32Array.from(f.data);
  return torch.fromBuffer(a, f.shape, { dtype: f.dtype as torch.DType });
}

/** The values of an Image (its bytes) or a tensor, as numbers. */
export function values(x: unknown): number[] {
  return Array.from((x instanceof torch.data.Image ? x.data : (x as torch.Tensor).toArray()) as ArrayLike<number>, Number);
}

/** y has the fixture output's shape and dtype, and its values: exactly for uint8, within 1e-12 (float64) or 2e-6 (float32). */
export function expectFixture(y: torch.Tensor, out: Fx): void {
  expect(y.shape).toEqual(out.shape);
  expect(y.dtype).toBe(out.dtype);
  const tol = out.dtype === 'uint8' ? 0 : out.dtype === 'float64' ? 1e-12 : 2e-6;
  let worst = 0;
  values(y).forEach((v, i) => (worst = Math.max(worst, Math.abs(v - out.data[i]))));
  expect(worst).toBeLessThanOrEqual(tol);
}
