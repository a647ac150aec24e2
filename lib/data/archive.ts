// lib/data/archive.ts — minimal readers for the dataset archives: tar (ustar / GNU / pax, optionally
// gzipped: CIFAR's .tar.gz) and zip (stored or deflated members: EMNIST's gzip.zip), in memory.
//
// Contract:
//   readTar(buf, source, {maxBytes?}) gunzips `buf` when it starts with the gzip magic (output
//   capped at maxBytes, default 2 GiB) and returns the regular-file members [{name, data}] in
//   archive order (data are views of the decompressed bytes); directories, links and other
//   entries are skipped; pax ('x') and GNU long-name ('L') headers supply long names; the
//   end-of-archive (zero) block must be there, so an archive cut at a member boundary is refused too.
//   readZip(buf, source) lists the members [{name, size, read()}] from the central directory;
//   read() inflates one member (stored or deflate), output capped at its declared size, and checks
//   its CRC-32.
//   Anything malformed (bad gzip, truncated archive, bad header checksum, member past the end,
//   unsupported compression) is a TorchletError ERR_TORCHLET_BAD_FILE naming `source`; nothing
//   here throws anything else.
import * as zlib from 'zlib';
import { TorchletError, errorMessage } from '../errors';

export interface TarMember {
  name: string;
  data: Uint8Array;
}

function bad(source: string, what: string): TorchletError {
  return new TorchletError(`torchlet: ${source} is not a valid archive: ${what}`, 'ERR_TORCHLET_BAD_FILE');
}

function cstr(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? len : z).toString('utf8');
}

function octal(b: Buffer, off: number, len: number, source: string): number {
  const f = b.subarray(off, off + len);
  if (f[0]! & 0x80) {
    // GNU base-256 size
    let v = 0;
    for (let i = 1; i < len; i++) v = v * 256 + f[i]!;
    return v;
  }
  const s = cstr(b, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw bad(source, `bad number field ${JSON.stringify(s)} at offset ${off}`);
  return parseInt(s, 8);
}

/** The regular files of a (possibly gzipped) tar archive. */
export function readTar(buf: Uint8Array, source = 'buffer', opts: { maxBytes?: number } = {}): TarMember[] {
  let b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = zlib.gunzipSync(b, { maxOutputLength: opts.maxBytes ?? 2 ** 31 - 1 });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw bad(source, `it decompresses to more than ${opts.maxBytes} bytes`);
      throw bad(source, `bad gzip data (${errorMessage(e)})`);
    }
  }
  const out: TarMember[] = [];
  let off = 0;
  let longName: string | undefined;
  let sawEnd = false;
  while (off + 512 <= b.length) {
    const h = b.subarray(off, off + 512);
    if (h.every((x) => x === 0)) {
      sawEnd = true;
      break;
    }
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    const want = octal(h, 148, 8, source);
    if (sum !== want) throw bad(source, `header checksum mismatch at offset ${off}`);
    const size = octal(h, 124, 12, source);
    const type = String.fromCharCode(h[156]!);
    const magic = cstr(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? cstr(h, 345, 155) : '';
    let name = cstr(h, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const start = off + 512;
    if (start + size > b.length) throw bad(source, `truncated: ${name || 'a member'} needs ${size} bytes at offset ${start}, the archive has ${b.length}`);
    const data = b.subarray(start, start + size);
    off = start + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = cstr(data as Buffer, 0, data.length);
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (type === 'g') continue;
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    if (type === '0' || type === '\0' || type === '7') out.push({ name: name.replace(/^\.\//, ''), data });
  }
  if (!sawEnd) throw bad(source, off < b.length ? `truncated: a partial header at offset ${off}` : 'truncated: no end-of-archive blocks');
  return out;
}

export interface ZipMember {
  name: string;
  size: number;
  read(): Buffer;
}

/** The members of a zip archive (central directory), each inflated on read(). */
export function readZip(buf: Uint8Array, source = 'buffer'): ZipMember[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65535); i--) {
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad(source, 'no zip end-of-central-directory record (truncated or not a zip file)');
  const count = b.readUInt16LE(eocd + 10);
  const cdSize = b.readUInt32LE(eocd + 12);
  let p = b.readUInt32LE(eocd + 16);
  if (p + cdSize > eocd) throw bad(source, 'central directory past its end (truncated?)');
  const out: ZipMember[] = [];
  for (let k = 0; k < count; k++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== 0x02014b50) throw bad(source, `bad central directory entry ${k}`);
    const method = b.readUInt16LE(p + 10);
    const crc = b.readUInt32LE(p + 16);
    const csize = b.readUInt32LE(p + 20);
    const size = b.readUInt32LE(p + 24);
    const nlen = b.readUInt16LE(p + 28);
    const elen = b.readUInt16LE(p + 30);
    const clen = b.readUInt16LE(p + 32);
    const local = b.readUInt32LE(p + 42);
    const name = b.subarray(p + 46, p + 46 + nlen).toString('utf8');
    p += 46 + nlen + elen + clen;
    out.push({
      name,
      size,
      read(): Buffer {
        if (local + 30 > b.length || b.readUInt32LE(local) !== 0x04034b50) throw bad(source, `bad local header of ${name}`);
        const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
        if (start + csize > b.length) throw bad(source, `truncated: ${name} needs ${csize} bytes at offset ${start}`);
        const raw = b.subarray(start, start + csize);
        let data: Buffer;
        if (method === 0) data = raw;
        else if (method === 8) {
          try {
            data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
          } catch (e) {
            throw bad(source, `cannot inflate ${name} (${errorMessage(e)})`);
          }
        } else throw bad(source, `${name} uses compression method ${method} (only stored and deflate are supported)`);
        if (data.length !== size) throw bad(source, `${name} has ${data.length} bytes, its header says ${size}`);
        if ((zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32 && (zlib as unknown as { crc32: (d: Uint8Array) => number }).crc32(data) >>> 0 !== crc)
          throw bad(source, `CRC-32 mismatch in ${name}`);
        return data;
      },
    });
  }
  return out;
}
