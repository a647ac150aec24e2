// lib/serve/metrics.ts — the server's Prometheus metrics (text exposition format 0.0.4):
// requests by route and status, request latency and batch size histograms, queue depth, workers
// ready and restarted, forward passes by the CPU threads they ran on, and the event loop's delay: perf_hooks.monitorEventLoopDelay (a 5 ms timer;
// it records the interval between its firings, so the delay is that less 5 ms): p50/p99/max since
// start; and a histogram of how late a 20 ms timer fires.
import { monitorEventLoopDelay, IntervalHistogram } from 'perf_hooks';

const RESOLUTION_MS = 5;

export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) this.counts[i]++;
  }
  render(labels = ''): string {
    const l = (extra: string) => `{${[labels, extra].filter(Boolean).join(',')}}`;
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${l(`le="${b}"`)} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket${l('le="+Inf"')} ${this.count}`);
    lines.push(`${this.name}_sum${labels ? `{${labels}}` : ''} ${this.sum}`);
    lines.push(`${this.name}_count${labels ? `{${labels}}` : ''} ${this.count}`);
    return lines.join('\n');
  }
}

export class Metrics {
  readonly requests = new Map<string, number>();
  readonly latency = new Histogram('torchlet_request_duration_seconds', 'Time from receiving a predict request to its answer.', [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]);
  readonly batchSize = new Histogram('torchlet_batch_size', 'Samples per forward pass (dynamic batching).', [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  readonly loopDelay: IntervalHistogram;
  readonly loopDelayHist = new Histogram('torchlet_event_loop_delay_seconds', 'Event-loop delay samples (every 20 ms).', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
  private readonly sampler: NodeJS.Timeout;
  private lastTick = performance.now();
  batches = 0;

  constructor(
    private readonly gauges: () => { queueDepth: number; inFlight: number; workersReady: number; workerRestarts: number; batchesByThreads?: Map<number, number>; ready: boolean },
  ) {
    this.loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.loopDelay.enable();
    // a 20 ms timer: how late it fires is the loop's delay at that moment
    this.sampler = setInterval(() => {
      const now = performance.now();
      this.loopDelayHist.observe(Math.max(0, now - this.lastTick - 20) / 1000);
      this.lastTick = now;
    }, 20);
    this.sampler.unref();
  }
  request(route: string, status: number): void {
    const k = `route="${route}",status="${status}"`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }
  /** Event-loop delay percentiles since start, in milliseconds. */
  loopDelayMs(): { p50: number; p99: number; max: number } {
    const d = this.loopDelay;
    const ms = (ns: number) => (Number.isFinite(ns) && ns > 0 ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0);
    return { p50: ms(d.percentile(50)), p99: ms(d.percentile(99)), max: ms(d.max) };
  }
  /** Starts the event-loop delay statistics afresh (e.g. after warm-up, before a measured run). */
  resetLoopDelay(): void {
    this.loopDelay.reset();
  }
  stop(): void {
    clearInterval(this.sampler);
    this.loopDelay.disable();
  }
  render(): string {
    const g = this.gauges();
    const out: string[] = [];
    out.push('# HELP torchlet_requests_total Requests answered, by route and HTTP status.', '# TYPE torchlet_requests_total counter');
    for (const [k, v] of this.requests) out.push(`torchlet_requests_total{${k}} ${v}`);
    out.push(this.latency.render(), this.batchSize.render());
    const gauge = (name: string, help: string, v: number, type = 'gauge') => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${v}`);
    gauge('torchlet_queue_depth', 'Requests waiting for a batch.', g.queueDepth);
    gauge('torchlet_batches_in_flight', 'Batches running on the workers.', g.inFlight);
    gauge('torchlet_workers_ready', 'Inference worker threads started and warmed up.', g.workersReady);
    gauge('torchlet_worker_restarts_total', 'Inference workers replaced after dying.', g.workerRestarts, 'counter');
    gauge('torchlet_ready', '1 when the models are loaded and warmed up.', g.ready ? 1 : 0);
    if (g.batchesByThreads) {
      out.push('# HELP torchlet_worker_batches_total Forward passes run by the workers, by the CPU threads each ran on.', '# TYPE torchlet_worker_batches_total counter');
      for (const [t, n] of [...g.batchesByThreads].sort((a, b) => a[0] - b[0])) out.push(`torchlet_worker_batches_total{threads="${t}"} ${n}`);
    }
    const d = this.loopDelay;
    const s = (ns: number) => (Number.isFinite(ns) && ns > 0 ? Math.max(0, ns / 1e9 - RESOLUTION_MS / 1000) : 0);
    out.push(
      '# HELP torchlet_event_loop_delay_p50_seconds Event-loop delay, median since start (perf_hooks).',
      '# TYPE torchlet_event_loop_delay_p50_seconds gauge',
      `torchlet_event_loop_delay_p50_seconds ${s(d.percentile(50))}`,
      '# HELP torchlet_event_loop_delay_p99_seconds Event-loop delay, 99th percentile since start (perf_hooks).',
      '# TYPE torchlet_event_loop_delay_p99_seconds gauge',
      `torchlet_event_loop_delay_p99_seconds ${s(d.percentile(99))}`,
      '# HELP torchlet_event_loop_delay_max_seconds Event-loop delay, maximum since start (perf_hooks).',
      '# TYPE torchlet_event_loop_delay_max_seconds gauge',
      `torchlet_event_loop_delay_max_seconds ${s(d.max)}`,
    );
    out.push(this.loopDelayHist.render());
    return out.join('\n') + '\n';
  }
}
