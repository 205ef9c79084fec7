/**
 * Confined worker threads: {@link confinedWorker} starts a `worker_threads` Worker whose thread
 * installs a seccomp filter (thread scope, no TSYNC) before any of the user's code runs.
 *
 * What this does NOT cover: libuv's thread pool (asynchronous fs, dns.lookup, crypto, zlib)
 * runs on threads shared by the whole process, which are not confined, and neither are the
 * main thread and other workers. Thread scope is defence in depth, not isolation; for
 * isolation confine a process ({@link spawn}, or `apply()` in a forked worker).
 */
import { access } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { applySync, type ApplyResult } from './apply.js';
import type { CompiledFilter } from './compiler/types.js';
import { SeccompError } from './errors.js';
import { prepareSpawnFilter, type SeccompSetting } from './spawn.js';

/** Options of {@link confinedWorker}: `worker_threads` options (without `eval`) plus `seccomp`. */
export interface ConfinedWorkerOptions extends Omit<WorkerOptions, 'eval'> {
  /** The filter for the worker's thread (default: `{ profile: 'runtime/default' }`). */
  readonly seccomp?: SeccompSetting;
}

/** What the bootstrap receives (internal; exported for the bootstrap code only). */
export interface WorkerBootstrapConfig {
  /** URL of the user's entry module. */
  readonly entry: string;
  /** The filter to install, null for `unconfined`. */
  readonly filter: CompiledFilter | null;
  /** Set no_new_privs (thread scope) first. */
  readonly noNewPrivs: boolean;
}

function entryUrl(filename: string | URL): string {
  if (filename instanceof URL) return filename.href;
  if (typeof filename !== 'string' || filename === '') {
    throw new SeccompError(`confinedWorker: filename must be a path or a URL, got ${JSON.stringify(filename)}`);
  }
  if (/^(file|data):/.test(filename)) return filename;
  return pathToFileURL(isAbsolute(filename) ? filename : resolvePath(filename)).href;
}

/**
 * Start a Worker running `filename` (a path, relative to the working directory, or a URL)
 * whose thread is confined before the module is loaded: a small bootstrap entry installs the
 * filter with `apply(filter, { threads: 'current' })` and then `import()`s the module. The
 * filter is compiled here, in the calling thread (cached like {@link spawn}'s).
 *
 * If the filter cannot be installed the Worker emits `'error'` with the reason and the module
 * never runs. `workerData`, `env`, `argv`, `stdout`/`stderr`, `resourceLimits`,
 * `transferList` … pass through unchanged.
 *
 * Not covered: libuv's thread pool (async fs, dns, crypto, zlib) runs on shared, unconfined
 * threads, so thread scope is defence in depth, not isolation.
 * @throws SeccompError (bad profile, unknown syscall name, bad option, `eval` given),
 *   synchronously; nothing is started.
 */
export function confinedWorker(filename: string | URL, options: ConfinedWorkerOptions = {}): Worker {
  const { seccomp, ...workerOptions } = options;
  if ((workerOptions as { eval?: unknown }).eval !== undefined) {
    throw new SeccompError('confinedWorker: the eval option is not supported (pass a module path or URL)');
  }
  const entry = entryUrl(filename);
  const prepared = prepareSpawnFilter(seccomp ?? {});
  const config: WorkerBootstrapConfig = prepared === 'unconfined'
    ? { entry, filter: null, noNewPrivs: false }
    : { entry, filter: prepared.filter, noNewPrivs: prepared.noNewPrivs };
  const self = new URL(import.meta.url).href;
  const code = `import(${JSON.stringify(self)}).then((m) => m.runConfinedWorker(${JSON.stringify(config)}));`;
  return new Worker(code, { ...workerOptions, eval: true });
}

/**
 * The bootstrap of {@link confinedWorker}, run as the Worker's entry: confine the calling
 * thread, then import the user's module. Not meant to be called directly.
 * @internal
 */
export async function runConfinedWorker(config: WorkerBootstrapConfig): Promise<ApplyResult | undefined> {
  let result: ApplyResult | undefined;
  if (config.filter !== null) {
    // Threads created by a confined thread inherit its filter. libuv starts its whole thread
    // pool on first use; make sure that happens now, unconfined, and not later from this
    // thread (which would confine the pool, and with it every thread's async I/O).
    await new Promise<void>((done) => access('/', () => done()));
    result = applySync(config.filter, { threads: 'current', noNewPrivs: config.noNewPrivs });
  }
  await import(config.entry);
  return result;
}
