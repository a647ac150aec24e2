// lib/cli/omp_env.ts — imported first by the command line (main.ts), before anything loads the addon
// (and with it libgomp, which reads its environment once, when it is loaded): `torchlet serve` runs
// OpenMP with OMP_WAIT_POLICY=passive unless the environment sets it. Threads that spin after each
// parallel region would take the cores the server's event loop needs for HTTP between batches
// (bench/serve.js); training keeps OpenMP's default (spinning briefly pays between back-to-back kernels).
if (process.argv[2] === 'serve' && process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'passive';
export {};
