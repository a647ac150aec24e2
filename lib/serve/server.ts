// lib/serve/server.ts — `torchlet serve`: an HTTP inference server (fastify) over InferenceSessions
// with dynamic batching (batcher.ts). It listens first (GET /healthz answers at once) and loads the
// models after; GET /readyz is 503 until every model is loaded and each worker has run a warm-up
// forward pass, and again while shutting down.
// Routes: POST /predict (exactly one model served), POST /v1/models/<name>/predict, GET /v1/models,
// GET /healthz, GET /readyz, GET /metrics (Prometheus). Inputs by Content-Type (inputs.ts: float32
// tensors, uint8 pixels for an image model, PNG/JPEG images); query
// ?topk=K (default 5). Output {"model", "predictions": [{"class", "index", "probs", "topk"}]} for a
// model whose output is [N, classes] (probabilities = softmax of the output), else {"model",
// "outputs", "shape"}.
// Answers to bad input and overload (always a JSON {"error", "code"}): malformed body, wrong shape
// or dtype, undecodable image: 400; unknown route: 404; unsupported Content-Type: 415; body over
// --body-limit: 413; batch over --max-batch: 413; queue full: 503 + Retry-After; not ready: 503 +
// Retry-After; per-request timeout: 504; a worker that died under the request: 500 (it is replaced).
// close() (SIGTERM in the CLI): readiness off, stop accepting connections, finish the requests in
// flight and queued, end the workers.
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InferenceSession } from './session';
import { Batcher, QueueFull, Timeout } from './batcher';
import { Metrics } from './metrics';
import { BadInput, Batch, checkPixels, fitBatch, fromImage, fromJson, fromOctets } from './inputs';
import { TorchletError } from '../errors';
import { BodyPool, pooledBodyParser, releaseBody } from './bodies';

/** The headers describing a raw tensor body, each to be given at most once. */
const TENSOR_HEADERS = [['x-shape', 'X-Shape'], ['x-dtype', 'X-Dtype'], ['x-layout', 'X-Layout']] as const;

/** fastify's limit on a URL parameter (a model name), in characters (its default). */
const MAX_PARAM_LENGTH = 100;

/** The most bytes of pooled request bodies (bodies.ts) a server keeps, lent and free together. */
const BODY_POOL_BYTES = 256 << 20;

export interface ServeModel {
  checkpoint?: string;
  module?: string;
  name?: string;
}
export interface ServeOptions {
  models: ServeModel[];
  device?: string;
  host?: string;
  port?: number;
  workers?: number;
  threads?: number;
  /** InferenceSession's opts.nice */
  nice?: number;
  /** InferenceSession's opts.singleThreadBelow (default: timed by each worker at warm-up) */
  singleThreadBelow?: number;
  maxBatch?: number;
  maxDelayMs?: number;
  maxQueue?: number;
  timeoutMs?: number;
  bodyLimit?: number;
  /** fastify's logger (default off). */
  logger?: boolean;
}

interface Served {
  name: string;
  session: InferenceSession;
  batcher: Batcher;
}

export interface Server {
  app: FastifyInstance;
  /** http://host:port */
  url: string;
  port: number;
  /** Resolves when every model is loaded and warmed up (rejects when one fails to load). */
  ready: Promise<void>;
  models: Served[];
  metrics: Metrics;
  /** The pool of raw request bodies (bodies.ts). */
  bodyPool: BodyPool;
  /** Graceful shutdown: readiness off, no new connections, in-flight and queued requests finished. */
  close(): Promise<void>;
}

import { SERVE_DEFAULTS } from './defaults';
import { formatOutput, predictionsJson } from './answer';

export { formatOutput };
export { SERVE_DEFAULTS };

function errorBody(reply: FastifyReply, status: number, code: string, message: string, retryAfter?: number) {
  if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
  return reply.code(status).type('application/json').send({ error: message, code });
}

/** Starts the server (listening at once) and begins loading the models. */
export async function startServer(o: ServeOptions): Promise<Server> {
  const opt = { ...SERVE_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Required<ServeOptions>;
  if (!opt.models.length) throw new TorchletError('torchlet: serve: give a model (--checkpoint or --module)', 'ERR_TORCHLET_CLI');
  const app = Fastify({
    logger: opt.logger ?? false, bodyLimit: opt.bodyLimit, return503OnClosing: true, forceCloseConnections: false,
    // errors of the router, before any route or hook: answered like every other error here
    frameworkErrors: (err, _req, reply) => {
      if (err.code === 'FST_ERR_BAD_URL') return errorBody(reply, 400, 'BAD_URL', `malformed URL: ${err.message} (a bad percent-encoding)`);
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return errorBody(reply, 414, 'URI_TOO_LONG', `a part of the URL (a model name?) is longer than ${MAX_PARAM_LENGTH} characters; model names have at most 64`);
      return errorBody(reply, err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400, err.code ?? 'BAD_REQUEST', err.message);
    },
  });
  // JSON bodies parsed here: a syntax error's answer says what and where (V8's message: "Expected ','
  // or ']' after array element in JSON at position 16"), where fastify's parser says only that the
  // body is not valid JSON. A "__proto__" key stays an own property (JSON.parse) and is refused as an
  // unknown field (inputs.ts): nothing here merges a body into another object.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: opt.bodyLimit }, (_req, body, done) => {
    const fail = (m: string) => done(Object.assign(new SyntaxError(m), { statusCode: 400 }), undefined);
    if (body === '') return fail('the body is empty');
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      fail((e as Error).message);
    }
  });
  const served: Served[] = [];
  let ready = false;
  let closing = false;
  const metrics = new Metrics(() => ({
    queueDepth: served.reduce((s, m) => s + m.batcher.queueDepth, 0),
    inFlight: served.reduce((s, m) => s + m.batcher.inFlight, 0),
    workersReady: served.reduce((s, m) => s + m.session.readyWorkers, 0),
    workerRestarts: served.reduce((s, m) => s + m.session.restarts, 0),
    batchesByThreads: served.reduce((all, m) => {
      for (const [t, n] of m.session.batchesByThreads) all.set(t, (all.get(t) ?? 0) + n);
      return all;
    }, new Map<number, number>()),
    ready: ready && !closing,
  }));

  for (const t of ['image/png', 'image/jpeg'])
    app.addContentTypeParser(t, { parseAs: 'buffer', bodyLimit: opt.bodyLimit }, (_req, body, done) => done(null, body));
  // raw tensors read into pooled shared buffers (bodies.ts), given back when the response closes
  const bodies = new BodyPool(BODY_POOL_BYTES);
  app.addContentTypeParser('application/octet-stream', { bodyLimit: opt.bodyLimit }, pooledBodyParser(bodies, opt.bodyLimit));
  app.addHook('onRequest', (req, reply, done) => {
    if (req.headers['content-type']?.startsWith('application/octet-stream')) reply.raw.once('close', () => releaseBody(bodies, req));
    done();
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const code =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'BODY_TOO_LARGE'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE'
          : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'BAD_JSON'
            : status === 500 ? 'INTERNAL' : (err.code ?? 'BAD_REQUEST');
    let message = err.message;
    if (code === 'UNSUPPORTED_MEDIA_TYPE') message = `unsupported Content-Type ${JSON.stringify(_req.headers['content-type'] ?? '')}: send application/json, application/octet-stream, image/png or image/jpeg`;
    if (code === 'BODY_TOO_LARGE') message = `the body is larger than the server's limit of ${opt.bodyLimit} bytes (--body-limit)`;
    if (code === 'BAD_JSON') message = `malformed JSON body: ${err.message}`;
    return errorBody(reply, status, code, message);
  });
  app.setNotFoundHandler((req, reply) => {
    const names = served.map((m) => m.name);
    errorBody(reply, 404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]} (routes: POST /predict${names.length ? `, POST /v1/models/{${names.join(',')}}/predict` : ''}, GET /v1/models, /healthz, /readyz, /metrics)`);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions?.url ?? 'unknown';
    metrics.request(route, reply.statusCode);
    if (route.endsWith('/predict')) metrics.latency.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (ready && !closing) return { status: 'ready', models: served.map((m) => m.name) };
    return errorBody(reply, 503, 'NOT_READY', closing ? 'shutting down' : 'loading and warming up the models', 1);
  });
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()));
  app.get('/v1/models', async () => ({
    models: served.map((m) => ({ name: m.name, model: m.session.spec.model, input: m.session.spec.input, classes: m.session.spec.classes, device: m.session.device, workers: m.session.workers, threads: m.session.threads })),
  }));

  const predict = async (m: Served | undefined, name: string | undefined, req: FastifyRequest, reply: FastifyReply) => {
    if (closing) return errorBody(reply, 503, 'SHUTTING_DOWN', 'the server is shutting down', 1);
    if (!ready) return errorBody(reply, 503, 'NOT_READY', 'the models are still loading', 1);
    if (!m) {
      const names = served.map((s) => s.name).join(', ');
      return name === undefined
        ? errorBody(reply, 404, 'NOT_FOUND', `several models are served (${names}): POST /v1/models/<name>/predict`)
        : errorBody(reply, 404, 'MODEL_NOT_FOUND', `no model named ${JSON.stringify(name)} (served: ${names})`);
    }
    const q = req.query as Record<string, string | undefined>;
    let batch: Batch;
    let topk = 5;
    try {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const spec = m.session.spec;
      if (type === 'application/json') {
        const body = req.body as Record<string, unknown>;
        batch = fromJson(body);
        if (body && typeof body === 'object' && body.topk !== undefined) q.topk = String(body.topk);
      } else if (type === 'application/octet-stream') {
        // Node joins a repeated header's values with ", ": "1,1,28,28, 1,1,28,28" would read as one longer shape
        const raw = req.raw.rawHeaders;
        for (const [h, name] of TENSOR_HEADERS) {
          let n = 0;
          for (let i = 0; i < raw.length; i += 2) if (raw[i].length === h.length && raw[i].toLowerCase() === h) n++;
          if (n > 1) throw new BadInput(400, `the ${name} header is given ${n} times; give it once`);
        }
        batch = fromOctets(req.body as Buffer, req.headers['x-shape'] ?? q.shape, req.headers['x-dtype'], req.headers['x-layout']);
      }
      else if (type === 'image/png' || type === 'image/jpeg') batch = fromImage(req.body as Buffer, type === 'image/png' ? 'png' : 'jpeg', spec.input);
      else throw new BadInput(415, `unsupported Content-Type ${JSON.stringify(type)}`, 'UNSUPPORTED_MEDIA_TYPE');
      checkPixels(batch, spec.input);
      batch.shape = fitBatch(batch, spec.input?.shape ?? null, opt.maxBatch);
      if (q.topk !== undefined) {
        topk = Number(q.topk);
        if (!Number.isInteger(topk) || topk < 1 || topk > 1000) throw new BadInput(400, `topk must be an integer in [1, 1000]; got ${JSON.stringify(q.topk)}`);
      }
    } catch (e) {
      if (e instanceof BadInput) return errorBody(reply, e.status, e.code, e.message);
      throw e;
    }
    let out;
    try {
      out = await m.batcher.submit(batch.data, batch.shape, topk, batch.hwc);
    } catch (e) {
      if (e instanceof QueueFull) return errorBody(reply, 503, 'QUEUE_FULL', `overloaded: ${e.message}; retry later`, 1);
      if (e instanceof Timeout) return errorBody(reply, 504, 'TIMEOUT', e.message);
      const err = e as Error & { code?: string };
      return errorBody(reply, 500, err.code === 'ERR_TORCHLET_WORKER' ? 'WORKER_DIED' : 'INFERENCE_FAILED', err.message.replace(/^torchlet: /, ''));
    }
    // the answer written by the worker (answer.ts), else here, sent as text
    let answer = out.answer;
    if (answer === undefined && out.shape.length === 2) answer = predictionsJson(out.data, out.shape[1], 0, out.shape[0], m.session.spec.classes ?? null, topk);
    if (answer !== undefined) return reply.type('application/json').send(`{"model":${JSON.stringify(m.name)},"predictions":${answer}}`);
    return formatOutput(m.name, out, m.session.spec.classes, topk);
  };

  app.post('/predict', (req, reply) => predict(served.length === 1 ? served[0] : undefined, undefined, req, reply));
  app.post('/v1/models/:name/predict', (req, reply) => {
    const name = (req.params as { name: string }).name;
    return predict(
      served.find((s) => s.name === name),
      name,
      req,
      reply,
    );
  });

  await app.listen({ host: opt.host, port: opt.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opt.port;

  const names = new Set<string>();
  const loading = (async () => {
    for (const mo of opt.models) {
      const session = await InferenceSession.create({ checkpoint: mo.checkpoint, module: mo.module, name: mo.name, device: opt.device, workers: opt.workers, threads: opt.threads, nice: opt.nice, singleThreadBelow: opt.singleThreadBelow });
      if (closing) {
        await session.close();
        return;
      }
      if (names.has(session.spec.name)) {
        await session.close();
        throw new TorchletError(`torchlet: serve: two models are named ${JSON.stringify(session.spec.name)}; name them (--name)`, 'ERR_TORCHLET_CLI');
      }
      names.add(session.spec.name);
      const batcher = new Batcher(session, {
        maxBatch: opt.maxBatch, maxDelayMs: opt.maxDelayMs, maxQueue: opt.maxQueue, timeoutMs: opt.timeoutMs,
        onBatch: (s) => metrics.batchSize.observe(s),
      });
      served.push({ name: session.spec.name, session, batcher });
    }
    ready = true;
    metrics.resetLoopDelay(); // loading blocks the loop once; measure serving from here
  })();
  loading.catch(() => undefined);

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      await loading.catch(() => undefined);
      // stop accepting; fastify waits for the requests in flight (their batches finish below)
      const stopped = app.close();
      await Promise.all(served.map((m) => m.batcher.drain()));
      await stopped;
      await Promise.all(served.map((m) => m.session.close()));
      metrics.stop();
    })());
  return { app, url: `http://${opt.host.includes(':') ? `[${opt.host}]` : opt.host}:${port}`, port, ready: loading, models: served, metrics, bodyPool: bodies, close };
}
