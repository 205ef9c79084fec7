/**
 * Loader and types of the native add-on (`native/seccomp.cc`): the only code that crosses into
 * the kernel. The add-on is loaded lazily, on the first {@link loadNative} call, so importing the
 * package never needs it (the compiler and toolbox work on every OS).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SeccompError } from '../errors.js';

export { encodeProgram, decodeProgram, SOCK_FILTER_SIZE } from './program.js';

/** System calls the add-on reports failures of. */
export type NativeSyscall = 'prctl' | 'seccomp' | 'execve';

/**
 * The add-on's functions. Thin wrappers over system calls, no policy: every failing call throws a
 * {@link SyscallError}; bad argument types throw `TypeError` / `RangeError`.
 */
export interface NativeBinding {
  /** `prctl(PR_SET_NO_NEW_PRIVS, 1)` for the calling thread. */
  setNoNewPrivs(): void;
  /** `prctl(PR_GET_NO_NEW_PRIVS)` of the calling thread. */
  getNoNewPrivs(): boolean;
  /**
   * `seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)`; `program` is a raw `struct sock_filter`
   * array in host byte order (see {@link encodeProgram}). Returns the listener fd with
   * SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0. With TSYNC (without TSYNC_ESRCH) a thread that
   * cannot be synchronised gives a {@link SyscallError} with code `ESRCH` and `threadId`. Falls
   * back to `prctl(PR_SET_SECCOMP)` when seccomp(2) is missing (ENOSYS) and `flags` is 0.
   */
  seccompSetModeFilter(program: Uint8Array, flags: number): number;
  /** `seccomp(SECCOMP_GET_ACTION_AVAIL)` for a bare SECCOMP_RET_* action: false on EOPNOTSUPP. */
  getActionAvail(action: number): boolean;
  /** `prctl(PR_GET_SECCOMP)`: 0 (disabled) or 2 (filter) for the calling thread. */
  getSeccompMode(): number;
  /**
   * In one native call: set no_new_privs if asked, install `program` with `flags` (no filter when
   * `program` is null), undo what Node changed in the process (SIGPIPE/SIGXFSZ back to default,
   * empty signal mask, fds 0-2 blocking and not close-on-exec), then `execve(file, argv, envp)`. `file` must be a resolved path (no PATH
   * lookup). Returns only by throwing; an execve failure (`syscall` 'execve', `path` set) happens
   * after the filter is installed. NEW_LISTENER is refused (RangeError).
   */
  execWithFilter(
    program: Uint8Array | null,
    flags: number,
    setNoNewPrivs: boolean,
    file: string,
    argv: readonly string[],
    envp: readonly string[],
  ): never;
}

/**
 * A failing system call in the add-on. The message is one line, e.g.
 * `seccomp(SECCOMP_SET_MODE_FILTER) failed: EINVAL (Invalid argument)`.
 */
export class SyscallError extends SeccompError {
  /** errno name, e.g. `EPERM`. */
  readonly code: string;
  /** Positive errno number, e.g. 1 for EPERM. */
  readonly errno: number;
  /** The system call that failed. */
  readonly syscall: NativeSyscall;
  /** For execve: the file that could not be executed. */
  readonly path?: string;
  /** For a TSYNC failure: the thread that could not be synchronised. */
  readonly threadId?: number;

  constructor(message: string, fields: { code: string; errno: number; syscall: NativeSyscall; path?: string; threadId?: number }) {
    super(message);
    this.name = 'SyscallError';
    this.code = fields.code;
    this.errno = fields.errno;
    this.syscall = fields.syscall;
    if (fields.path !== undefined) this.path = fields.path;
    if (fields.threadId !== undefined) this.threadId = fields.threadId;
  }
}

/** The add-on cannot be used: not Linux, not built, or failed to load. Nothing was installed. */
export class NativeUnavailableError extends SeccompError {
  constructor(message: string) {
    super(message);
    this.name = 'NativeUnavailableError';
  }
}

type Loader = () => NativeBinding;

let cached: NativeBinding | undefined;
let cachedFailure: NativeUnavailableError | undefined;
let testLoader: Loader | undefined;

/** Root of the installed package (holds binding.gyp, build/, prebuilds/): two levels above dist/native/. */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** One-line reason the add-on is unavailable, for `platform` and the loader's error. */
export function unavailableMessage(platform: string, cause?: unknown): string {
  if (platform !== 'linux') {
    return `seccomp-exec: native add-on unavailable on ${platform}: applying filters needs Linux (the compiler and toolbox still work)`;
  }
  const raw = cause instanceof Error ? cause.message : String(cause);
  const firstLine = raw.split('\n')[0]?.trim() || 'unknown error';
  return `seccomp-exec: native add-on unavailable: ${firstLine} (build it with \`npm rebuild seccomp-exec\`, which needs a C++ compiler)`;
}

function defaultLoader(): NativeBinding {
  const require = createRequire(import.meta.url);
  const override = process.env.SECCOMP_EXEC_NATIVE_PATH;
  if (override !== undefined && override !== '') {
    // A .node file, or a package-like directory searched by node-gyp-build.
    try {
      if (override.endsWith('.node')) return require(override) as NativeBinding;
      const gypBuild = require('node-gyp-build') as (dir: string) => unknown;
      return gypBuild(override) as NativeBinding;
    } catch (e) {
      const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new Error(`cannot load SECCOMP_EXEC_NATIVE_PATH=${override}: ${reason}`);
    }
  }
  const gypBuild = require('node-gyp-build') as (dir: string) => unknown;
  return gypBuild(packageRoot()) as NativeBinding;
}

function hasErrnoFields(e: unknown): e is Error & { code: string; errno: number; syscall: NativeSyscall; path?: string; threadId?: number } {
  if (!(e instanceof Error)) return false;
  const r = e as unknown as Record<string, unknown>;
  return typeof r.code === 'string' && typeof r.errno === 'number' &&
    (r.syscall === 'prctl' || r.syscall === 'seccomp' || r.syscall === 'execve');
}

/** Runs `fn`, turning the add-on's errno-carrying errors into {@link SyscallError}s. */
function translate<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (hasErrnoFields(e) && !(e instanceof SyscallError)) {
      const fields: { code: string; errno: number; syscall: NativeSyscall; path?: string; threadId?: number } = {
        code: e.code, errno: e.errno, syscall: e.syscall,
      };
      if (typeof e.path === 'string') fields.path = e.path;
      if (typeof e.threadId === 'number') fields.threadId = e.threadId;
      throw new SyscallError(e.message, fields);
    }
    throw e;
  }
}

function wrap(raw: NativeBinding): NativeBinding {
  for (const name of ['setNoNewPrivs', 'getNoNewPrivs', 'seccompSetModeFilter', 'getActionAvail', 'getSeccompMode', 'execWithFilter'] as const) {
    if (typeof raw[name] !== 'function') {
      throw new Error(`the loaded add-on has no function ${name}() (stale build?)`);
    }
  }
  return {
    setNoNewPrivs: () => translate(() => raw.setNoNewPrivs()),
    getNoNewPrivs: () => translate(() => raw.getNoNewPrivs()),
    seccompSetModeFilter: (program, flags) => translate(() => raw.seccompSetModeFilter(program, flags)),
    getActionAvail: (action) => translate(() => raw.getActionAvail(action)),
    getSeccompMode: () => translate(() => raw.getSeccompMode()),
    execWithFilter: (program, flags, nnp, file, argv, envp) =>
      translate(() => raw.execWithFilter(program, flags, nnp, file, argv, envp)),
  };
}

/**
 * The add-on, loaded on first use and cached. Throws {@link NativeUnavailableError} when the
 * platform is not Linux or the add-on cannot be loaded (`SECCOMP_EXEC_NATIVE_PATH` points the
 * loader at another `.node` file or package directory).
 */
export function loadNative(): NativeBinding {
  if (cached) return cached;
  if (cachedFailure) throw cachedFailure;
  const loader = testLoader ?? defaultLoader;
  if (testLoader === undefined && process.platform !== 'linux') {
    cachedFailure = new NativeUnavailableError(unavailableMessage(process.platform));
    throw cachedFailure;
  }
  try {
    cached = wrap(loader());
    return cached;
  } catch (e) {
    cachedFailure = new NativeUnavailableError(unavailableMessage('linux', e));
    throw cachedFailure;
  }
}

/**
 * Replace the loader (tests only): `undefined` restores the real one. Clears the cache either
 * way, so the next {@link loadNative} call uses the new loader.
 */
export function setNativeLoaderForTesting(loader: (() => NativeBinding) | undefined): void {
  testLoader = loader;
  cached = undefined;
  cachedFailure = undefined;
}
