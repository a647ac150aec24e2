// test/child.ts — runs a snippet of JavaScript in a child `node` process that can load torchlet's
// TypeScript sources (`require(TORCH)`, through test/child/register.js): tests of crashes, of process
// memory and of worker threads run there, so an abort or a SIGSEGV is a failed test, not a dead jest.
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
/** The path a child snippet passes to require() to get torchlet (lib/index.ts). */
export const TORCH = JSON.stringify(path.join(root, 'lib'));

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
/** Runs `code` with `node [nodeArgs] -e code`, waits at most timeoutMs; never throws. */
export function runChild(code: string, opts: { nodeArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): ChildResult {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), '-r', path.join(__dirname, 'child', 'register.js'), '-e', code], {
    cwd: root,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120000,
    env: { ...process.env, ...opts.env },
    maxBuffer: 16 << 20,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
/** A readable account of a child's end, for expect() messages. */
export function describeChild(r: ChildResult): string {
  return `status ${r.status}, signal ${r.signal}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`;
}
/** The last line of a child's stdout parsed as JSON (the child prints its figures there). */
export function lastJson<T>(r: ChildResult): T {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
