// lib/ops/inplace_hook.ts — lib/ops/inplace.ts's inplace(), reachable from modules that load before it
// (lib/ops/index.ts is loaded while lib/autograd.ts is still initialising, so it cannot import inplace.ts
// itself). Set by inplace.ts when it loads; no runtime imports, so any op module can use it.
import type { Tensor } from '../tensor';

export type InplaceFn = (self: Tensor, name: string, op: (src: Tensor) => Tensor, others?: unknown[]) => Tensor;
export const inplaceHook: { inplace: InplaceFn | null } = { inplace: null };
