// lib/serve/bodies.ts — raw request bodies (application/octet-stream) read straight into pooled
// SharedArrayBuffers. fastify's own body reader gathers the chunks and concatenates them into a new
// Buffer per request; for 3x224x224 float32 images (588 KiB) at a thousand requests a second that
// was a tenth of the event loop in the copy alone, and each new buffer counted in V8's external
// memory, so that a garbage collection started every few requests (on the event loop) and every few
// batches in the worker that received them. Here a body whose Content-Length is at least
// `minBytes` (float32 tensors, or uint8 pixels: inputs.ts) is copied chunk by chunk into a buffer of exactly that
// size taken from the pool; the worker reads it where it is (session.ts runParts: a
// SharedArrayBuffer is sent to each worker once, then by id), and the buffer goes back to the pool
// when the response is closed (sent, or the connection gone). A request answered with 504 while its
// batch still runs may have its buffer reused meanwhile: that batch then reads another request's
// bytes, for an answer nobody receives. Smaller bodies, bodies without a Content-Length and bodies
// past the pool's cap (bytes in buffers made, lent or free) are read as fastify does: the chunks
// concatenated into a new Buffer. Errors as fastify's: Content-Length over the limit or more bytes
// than the limit: FST_ERR_CTP_BODY_TOO_LARGE (413); bytes received unlike Content-Length:
// FST_ERR_CTP_INVALID_CONTENT_LENGTH (400); a stream error: that error with status 400.
import type { FastifyRequest } from 'fastify';
import { errorCodes } from 'fastify';
import { native } from '../binding';

/** Buffers of the sizes requests have come in, reused. */
export class BodyPool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private readonly mine = new WeakSet<SharedArrayBuffer>();
  /** Bytes of the buffers made (lent or free). */
  heldBytes = 0;

  constructor(
    readonly capBytes: number,
    readonly minBytes = 64 << 10,
  ) {}

  /** A Buffer of `bytes` bytes over a pooled SharedArrayBuffer (its whole length), or null: too small, or the cap reached. */
  take(bytes: number): Buffer | null {
    if (!Number.isSafeInteger(bytes) || bytes < this.minBytes) return null;
    const sab = this.free.get(bytes)?.pop();
    if (sab) return Buffer.from(sab);
    if (this.heldBytes + bytes > this.capBytes) return null;
    const made = new SharedArrayBuffer(bytes);
    this.mine.add(made);
    this.heldBytes += bytes;
    return Buffer.from(made);
  }

  /** Gives back a buffer take() lent (anything else is ignored). Give each one back once. */
  give(b: Uint8Array): void {
    const sab = b.buffer as unknown as SharedArrayBuffer;
    if (!this.mine.has(sab)) return;
    const list = this.free.get(sab.byteLength);
    if (list) list.push(sab);
    else this.free.set(sab.byteLength, [sab]);
  }
}

const LENT = Symbol('torchlet.serve.pooledBody');
type WithBody = FastifyRequest & { [LENT]?: Buffer };

/** Gives the request's pooled body (if any) back, once. */
export function releaseBody(pool: BodyPool, req: FastifyRequest): void {
  const r = req as WithBody;
  const b = r[LENT];
  if (!b) return;
  r[LENT] = undefined;
  pool.give(b);
}

type Done = (err: Error | null, body?: Buffer) => void;
type Payload = NodeJS.ReadableStream & { receivedEncodedLength?: number };

/** A fastify content-type parser (no parseAs: it reads the raw stream) for octet-stream bodies, as described above. */
export function pooledBodyParser(pool: BodyPool, limit: number) {
  return (req: FastifyRequest, payload: Payload, done: Done): void => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    const target = pool.take(declared);
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onEnd);
    };
    const fail = (e: Error) => {
      stop();
      if (target) pool.give(target);
      done(e);
    };
    function onData(chunk: Buffer | string) {
      const c = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (received + c.length > limit || (payload.receivedEncodedLength ?? 0) > limit) return fail(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      if (target) {
        if (received + c.length > target.length) return fail(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
        native.copyBytes(target, received, c); // a memcpy: Buffer.copy into shared memory is about 3x slower
      } else chunks.push(c);
      received += c.length;
    }
    function onEnd(err?: Error & { statusCode?: number }) {
      if (err) {
        if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
        return fail(err);
      }
      if (!Number.isNaN(declared) && (payload.receivedEncodedLength || received) !== declared) return fail(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      stop();
      if (target) {
        (req as WithBody)[LENT] = target;
        done(null, target);
      } else done(null, Buffer.concat(chunks, received));
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
    payload.resume();
  };
}
