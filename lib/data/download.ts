// Atomic, verified HTTP(S) download.
//
// Contract:
//   await downloadFile(url, dest, {expectedMd5?, timeoutMs?, maxRedirects?, validate?})
//   fetches `url` with node's own http/https modules (following at most
//   `maxRedirects`, default 5, redirects), streams the body into a private
//   temporary file `dest + '.part-<pid>-<random>'` in dest's directory, then
//   checks it: HTTP status 200, byte count equal to Content-Length (when the
//   server sent one), md5 equal to `expectedMd5` (when given) and
//   `validate(tmpPath, url)` not throwing (when given). Only then is the temp
//   file renamed onto `dest` (an atomic replace on one filesystem), so `dest`
//   is either absent/unchanged or complete and verified; a symbolic link or a
//   non-regular file at `dest` is never replaced (a failure). On ANY failure the
//   temp file is removed and the promise rejects with a TorchletError
//   (ERR_TORCHLET_IO)
//     "torchlet: failed to download <url>: <reason>"
//   (plus " (redirected to <final url>)" when a redirect was followed).
//   Arguments of the wrong type reject with ERR_TORCHLET_INVALID_ARG_TYPE
//   before anything is fetched or written.
//   `timeoutMs` (default 30000) is an inactivity limit: the download fails
//   when no byte arrives for that long (connecting included).
//   `maxBytes` (default 1 GiB) bounds the body: a larger Content-Length fails
//   before anything is written, and a body that grows past it (no or a false
//   Content-Length) is cut off there, so a hostile server cannot fill the disk.

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { TorchletError, typeArg, checkOptionKeys } from '../errors';
import { makeDirs } from '../serialize';

export interface DownloadOptions {
  /** Lower-case or upper-case hex md5 the body must have. */
  expectedMd5?: string | undefined;
  /** Inactivity timeout in milliseconds (default 30000). */
  timeoutMs?: number | undefined;
  /** Redirects to follow before giving up (default 5). */
  maxRedirects?: number | undefined;
  /** Largest body accepted, in bytes (default 1 GiB). */
  maxBytes?: number | undefined;
  /**
   * Checks the downloaded temp file before it is moved onto `dest`; throw
   * (or reject) to refuse it. `url` is the URL that was asked for.
   */
  validate?: (tmpPath: string, url: string) => void | Promise<void> | undefined;
}

export interface DownloadResult {
  /** Where the file now is (equals `dest`). */
  path: string;
  /** Bytes written. */
  bytes: number;
  /** md5 of the body, lower-case hex. */
  md5: string;
  /** URL the body was finally fetched from (after redirects). */
  finalUrl: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A failure whose message is the bare reason; never escapes (downloadFile turns it into a TorchletError with the URL). */
class Reason extends Error {}

function checkArgs(url: unknown, dest: unknown, opts: unknown): void {
  if (typeof url !== 'string') typeArg('url', 'a URL string', url);
  if (typeof dest !== 'string' || !dest) typeArg('dest', 'a file path', dest);
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) typeArg('opts', 'an options object', opts);
  const o = checkOptionKeys('opts', opts as Record<string, unknown>, ['expectedMd5', 'timeoutMs', 'maxRedirects', 'maxBytes', 'validate']);
  if (o.expectedMd5 !== undefined && (typeof o.expectedMd5 !== 'string' || !/^[0-9a-fA-F]{32}$/.test(o.expectedMd5)))
    typeArg('opts.expectedMd5', 'an md5 in hex (32 digits)', o.expectedMd5);
  if (o.timeoutMs !== undefined && (typeof o.timeoutMs !== 'number' || !(o.timeoutMs > 0)))
    typeArg('opts.timeoutMs', 'a positive number of milliseconds', o.timeoutMs);
  if (o.maxRedirects !== undefined && (typeof o.maxRedirects !== 'number' || !Number.isInteger(o.maxRedirects) || o.maxRedirects < 0))
    typeArg('opts.maxRedirects', 'an integer >= 0', o.maxRedirects);
  if (o.maxBytes !== undefined && (typeof o.maxBytes !== 'number' || !Number.isSafeInteger(o.maxBytes) || o.maxBytes < 1))
    typeArg('opts.maxBytes', 'a positive integer number of bytes', o.maxBytes);
  if (o.validate !== undefined && typeof o.validate !== 'function') typeArg('opts.validate', 'a function', o.validate);
}

function stripPrefix(msg: string): string {
  return msg.startsWith('torchlet: ') ? msg.slice('torchlet: '.length) : msg;
}

function errMessage(e: unknown): string {
  // Not `instanceof Error`: errors from node's modules may come from another realm (e.g. under jest).
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

interface Opened {
  res: http.IncomingMessage;
  req: http.ClientRequest;
  state: { timedOut: boolean };
}

function open(u: URL, timeoutMs: number): Promise<Opened> {
  return new Promise<Opened>((resolve, reject) => {
    const mod: typeof http | typeof https = u.protocol === 'https:' ? https : http;
    const state = { timedOut: false };
    const req = mod.get(
      u,
      {
        // One-off agent: no keep-alive sockets survive the download.
        agent: false,
        headers: { 'user-agent': 'torchlet', 'accept-encoding': 'identity' },
      },
      (res) => resolve({ res, req, state }),
    );
    req.setTimeout(timeoutMs, () => {
      state.timedOut = true;
      req.destroy(new Reason(`timed out: no data for ${timeoutMs} ms`));
    });
    req.on('error', (e) => {
      reject(new Reason(state.timedOut ? `timed out: no data for ${timeoutMs} ms` : `connection failed: ${errMessage(e)}`));
    });
  });
}

async function removeQuietly(p: string): Promise<void> {
  try {
    await fs.promises.unlink(p);
  } catch {
    /* already gone */
  }
}

/** A download never replaces a symbolic link or a non-regular file at `dest`. */
function refuseNonRegular(dest: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dest);
  } catch {
    return; // nothing there
  }
  if (st.isSymbolicLink()) throw new Reason(`${dest} is a symbolic link (never replaced; remove it or download to its target)`);
  if (!st.isFile()) throw new Reason(`${dest} exists and is not a regular file`);
}

export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  checkArgs(url, dest, opts);
  const timeoutMs = opts.timeoutMs ?? 30000;
  const maxRedirects = opts.maxRedirects ?? 5;
  const maxBytes = opts.maxBytes ?? 2 ** 30;
  const tmp = `${dest}.part-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  let current = url;
  try {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new Reason('invalid URL');
    }
    makeDirs(path.dirname(path.resolve(dest))); // one plain mkdir per missing directory (no recursive-mkdir spin)
    refuseNonRegular(dest);

    let redirects = 0;
    for (;;) {
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new Reason(`unsupported protocol ${u.protocol} (only http: and https:)`);
      }
      const { res, req, state } = await open(u, timeoutMs);
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status) && res.headers.location) {
        res.resume();
        req.destroy();
        if (redirects >= maxRedirects) throw new Reason(`too many redirects (more than ${maxRedirects})`);
        redirects++;
        try {
          u = new URL(res.headers.location, u);
        } catch {
          throw new Reason(`bad redirect location ${JSON.stringify(res.headers.location)}`);
        }
        current = u.toString();
        continue;
      }
      if (status !== 200) {
        res.resume();
        req.destroy();
        throw new Reason(`HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''}`);
      }

      const lenHeader = res.headers['content-length'];
      const expectedLen = lenHeader !== undefined && /^\d+$/.test(lenHeader) ? Number(lenHeader) : undefined;
      if (expectedLen !== undefined && expectedLen > maxBytes) {
        res.resume();
        req.destroy();
        throw new Reason(`too large: Content-Length ${expectedLen} bytes is more than maxBytes ${maxBytes}`);
      }
      const hash = crypto.createHash('md5');
      let bytes = 0;
      // The temp file is created here, before any byte is read, and closed before
      // this block is left, so the cleanup below always sees (and removes) it.
      const fh = await fs.promises.open(tmp, 'wx', 0o644);
      try {
        try {
          for await (const chunk of res as AsyncIterable<Buffer>) {
            if (bytes + chunk.length > maxBytes) {
              req.destroy();
              throw new Reason(`too large: the body passed maxBytes ${maxBytes} bytes`);
            }
            hash.update(chunk);
            bytes += chunk.length;
            for (let off = 0; off < chunk.length; ) {
              let written: number;
              try {
                written = (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
              } catch (e) {
                throw new Reason(`cannot write ${tmp}: ${errMessage(e)}`);
              }
              off += written;
            }
          }
        } catch (e) {
          if (e instanceof Reason) throw e;
          if (state.timedOut) throw new Reason(`timed out: no data for ${timeoutMs} ms (got ${bytes} bytes)`);
          if (expectedLen !== undefined && bytes < expectedLen) {
            throw new Reason(`truncated: expected ${expectedLen} bytes, got ${bytes} (${errMessage(e)})`);
          }
          throw new Reason(`connection failed after ${bytes} bytes (${errMessage(e)})`);
        }
        if (!res.complete) throw new Reason(`connection closed early after ${bytes} bytes`);
        if (expectedLen !== undefined && bytes !== expectedLen) {
          throw new Reason(`truncated: expected ${expectedLen} bytes, got ${bytes}`);
        }
        // Flushed before the rename so a crash cannot leave a complete-looking partial file.
        await fh.sync();
      } finally {
        await fh.close();
      }
      const md5 = hash.digest('hex');
      if (opts.expectedMd5 !== undefined && md5 !== opts.expectedMd5.toLowerCase()) {
        throw new Reason(`md5 mismatch: expected ${opts.expectedMd5.toLowerCase()}, got ${md5}`);
      }
      if (opts.validate) {
        try {
          await opts.validate(tmp, url);
        } catch (e) {
          throw new Reason(`invalid content: ${stripPrefix(errMessage(e))}`);
        }
      }
      refuseNonRegular(dest);
      await fs.promises.rename(tmp, dest);
      return { path: dest, bytes, md5, finalUrl: current };
    }
  } catch (e) {
    await removeQuietly(tmp);
    const reason = e instanceof Reason ? e.message : stripPrefix(errMessage(e));
    const via = current !== url ? ` (redirected to ${current})` : '';
    throw new TorchletError(`torchlet: failed to download ${url}${via}: ${reason}`, 'ERR_TORCHLET_IO');
  }
}
