// test/data/fixture_tensors.ts — the tensors of the torchvision fixtures (test/fixtures/*.json, written
// by the gen_*_fixtures.py generators): an {shape, dtype, data} entry as a torchlet tensor of that dtype.
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
