// lib/jit_internal.ts — what lib/serve/worker.ts needs from lib/jit.ts beyond the public torch.jit:
// freezing a module in place (freezeModule, set by lib/jit.ts when it loads). Not public API (not
// exported by lib/index.ts), so it is not part of torch.jit's surface.
import type { Module } from './nn/module';
import type { Tensor } from './tensor';

export type FreezeModule = <M extends Module>(module: M, exampleInput: Tensor | unknown[], replay: boolean, copy: boolean) => M;
export const jitInternal: { freezeModule: FreezeModule | null } = { freezeModule: null };
