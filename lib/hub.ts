// lib/hub.ts — torch.hub's weight downloads (PyTorch 1.13's torch.hub, camelCased): getDir / setDir
// (default `$TORCH_HOME/hub`, TORCH_HOME defaulting to `$XDG_CACHE_HOME/torch` or `~/.cache/torch`:
// the directory PyTorch itself uses, so weights a Python script already downloaded are found),
// downloadUrlToFile(url, dst, {hashPrefix, progress}) and loadStateDictFromUrl(url, {modelDir,
// mapLocation, progress, checkHash, fileName}). A file already in `modelDir` is loaded without any
// network access; otherwise it is fetched with lib/data/download.ts (a private temporary file,
// verified, then renamed into place: a failed or interrupted download never leaves a partial file
// under the final name) and, with checkHash, its SHA-256 must start with the hex digits of its name
// (`name-<hash>.ext`, as PyTorch's HASH_REGEX). The file is then read by torch.load (safetensors, or
// PyTorch's torch.save zip read weights only). Not here: torch.hub.load of GitHub repositories'
// hubconf.py (that runs Python code).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkOptionKeys, invalidArg, typeArg, noExtraArgs } from './errors';
import { downloadFile } from './data/download';
import { loadAsync, makeDirs } from './serialize';

let hubDir: string | null = null;

/** PyTorch's _get_torch_home(). */
function torchHome(): string {
  const expand = (p: string) => (p.startsWith('~') ? path.join(os.homedir(), p.slice(1)) : p);
  if (process.env.TORCH_HOME) return expand(process.env.TORCH_HOME);
  return path.join(expand(process.env.XDG_CACHE_HOME || '~/.cache'), 'torch');
}

/** torch.hub.get_dir(): where downloads are cached (setDir's value, else `$TORCH_HOME/hub`). */
export function getDir(...rest: never[]): string {
  noExtraArgs('getDir', '', rest);
  return hubDir ?? path.join(torchHome(), 'hub');
}

/** torch.hub.set_dir(d): the cache directory for this process (`~` expanded). */
export function setDir(d: string, ...rest: never[]): void {
  noExtraArgs('setDir', 'd', rest);
  if (typeof d !== 'string' || !d) typeArg('d', 'a directory path', d);
  hubDir = d.startsWith('~') ? path.join(os.homedir(), d.slice(1)) : d;
}

/** sha256 of a file, hex. */
async function sha256Of(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface DownloadUrlOptions {
  /** The hex digits the file's SHA-256 must start with (PyTorch's hash_prefix). */
  hashPrefix?: string | null;
  /** Print what is downloaded to stderr (default true, as PyTorch; no bar: one line). */
  progress?: boolean;
  /** Inactivity timeout in milliseconds (default 30000). */
  timeoutMs?: number;
}

function checkDownloadOptions(name: string, opts: unknown, extra: string[]): Record<string, unknown> {
  const o = checkOptionKeys(name, opts as Record<string, unknown>, ['hashPrefix', 'progress', 'timeoutMs', ...extra]);
  if (o.hashPrefix !== undefined && o.hashPrefix !== null && (typeof o.hashPrefix !== 'string' || !/^[0-9a-f]+$/i.test(o.hashPrefix)))
    typeArg(`${name}.hashPrefix`, 'hex digits of a SHA-256', o.hashPrefix);
  if (o.progress !== undefined && typeof o.progress !== 'boolean') typeArg(`${name}.progress`, 'a boolean', o.progress);
  return o;
}

/** torch.hub.download_url_to_file: fetches `url` into `dst` (atomically), checking its SHA-256 prefix when given. */
export async function downloadUrlToFile(url: string, dst: string, opts: DownloadUrlOptions = {}, ...rest: never[]): Promise<void> {
  noExtraArgs('downloadUrlToFile', 'url, dst, opts', rest);
  if (typeof url !== 'string' || !url) typeArg('url', 'a URL string', url);
  if (typeof dst !== 'string' || !dst) typeArg('dst', 'a file path', dst);
  const o = checkDownloadOptions('opts', opts, []);
  const prefix = typeof o.hashPrefix === 'string' ? o.hashPrefix.toLowerCase() : null;
  if (o.progress !== false) process.stderr.write(`Downloading: "${url}" to ${dst}\n`);
  makeDirs(path.dirname(path.resolve(dst)));
  await downloadFile(url, dst, {
    timeoutMs: o.timeoutMs as number | undefined,
    maxBytes: 2 ** 36, // weights files of several GB are normal; the hash or the loader checks the content
    validate: prefix
      ? async (tmp) => {
          const digest = await sha256Of(tmp);
          if (!digest.startsWith(prefix)) throw new Error(`invalid hash value (expected "${prefix}", got "${digest}")`);
        }
      : undefined,
  });
}

export interface LoadStateDictFromUrlOptions extends DownloadUrlOptions {
  /** Where the file is cached (default `getDir()/checkpoints`). */
  modelDir?: string;
  /** torch.load's mapLocation: the device of the tensors. */
  mapLocation?: string;
  /** Check the SHA-256 of a download against the `-<hex>.` part of its file name (default false, as PyTorch). */
  checkHash?: boolean;
  /** The cached file's name (default: the last part of the URL's path). */
  fileName?: string;
}

/**
 * torch.hub.load_state_dict_from_url: the object (usually a state dict) saved at `url`, downloaded
 * once into `modelDir` and read from there afterwards.
 * @example model.loadStateDict(await torch.hub.loadStateDictFromUrl('https://download.pytorch.org/models/resnet18-f37072fd.pth', {checkHash: true}))
 */
export async function loadStateDictFromUrl<T = Record<string, unknown>>(url: string, opts: LoadStateDictFromUrlOptions = {}, ...rest: never[]): Promise<T> {
  noExtraArgs('loadStateDictFromUrl', 'url, opts', rest);
  if (typeof url !== 'string' || !url) typeArg('url', 'a URL string', url);
  const o = checkDownloadOptions('opts', opts, ['modelDir', 'mapLocation', 'checkHash', 'fileName']);
  if (o.modelDir !== undefined && (typeof o.modelDir !== 'string' || !o.modelDir)) typeArg('opts.modelDir', 'a directory path', o.modelDir);
  if (o.checkHash !== undefined && typeof o.checkHash !== 'boolean') typeArg('opts.checkHash', 'a boolean', o.checkHash);
  if (o.fileName !== undefined && (typeof o.fileName !== 'string' || !o.fileName || o.fileName.includes('/') || o.fileName === '..'))
    typeArg('opts.fileName', 'a file name (no directory part)', o.fileName);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalidArg('url', 'an absolute http(s) URL', url);
  }
  const fileName = (o.fileName as string | undefined) ?? decodeURIComponent(path.posix.basename(parsed.pathname));
  if (!fileName || fileName === '/' || fileName === '..') invalidArg('url', 'a URL whose path ends in a file name (or give opts.fileName)', url);
  const modelDir = (o.modelDir as string | undefined) ?? path.join(getDir(), 'checkpoints');
  const cached = path.join(modelDir, fileName);
  if (!fs.existsSync(cached)) {
    let hashPrefix: string | null = null;
    if (o.checkHash === true) {
      const m = /-([a-f0-9]*)\./.exec(fileName);
      if (!m || !m[1]) invalidArg('opts.checkHash', `a file name of the form name-<sha256 prefix>.ext to check against (${JSON.stringify(fileName)} has none)`, true);
      hashPrefix = m![1];
    }
    await downloadUrlToFile(url, cached, { hashPrefix, progress: o.progress as boolean | undefined, timeoutMs: o.timeoutMs as number | undefined });
  }
  return loadAsync<T>(cached, o.mapLocation !== undefined ? { mapLocation: o.mapLocation as string } : {});
}
