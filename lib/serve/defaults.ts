// lib/serve/defaults.ts — the defaults of `torchlet serve` (apart from server.ts, so the CLI shows
// them in --help without loading the HTTP framework).
export const SERVE_DEFAULTS = { host: '127.0.0.1', port: 8080, maxBatch: 64, maxDelayMs: 2, maxQueue: 1024, timeoutMs: 30000, bodyLimit: 16 << 20 };
