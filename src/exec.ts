/**
 * Confine-and-exec: the flow behind `seccomp-exec`. Load a profile, compile and verify it,
 * look the command up like `execvp`, then make ONE native call that sets no_new_privs,
 * installs the filter on every thread (TSYNC) and `execve`s the command, so the command keeps
 * this process's PID, stdio, environment, signals and exit status.
 *
 * Everything that can fail is done before the native call; the native call either replaces
 * the process or throws (and the command has not run).
 */
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { BpfProgram } from './bpf/types.js';
import { programReturns } from './bpf/check.js';
import { SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_RET_USER_NOTIF, filterFlagNames } from './bpf/seccomp.js';
import { capabilityNumber } from './capabilities.js';
import { compile } from './compiler/index.js';
import { describeRet } from './compiler/actions.js';
import type { CompileOptions, CompiledFilter } from './compiler/types.js';
import { SeccompError } from './errors.js';
import { parseProcStatus } from './status.js';
import { encodeProgram, loadNative, type NativeBinding } from './native/index.js';
import { loadProfile } from './profile/reference.js';
import type { Profile } from './profile/types.js';

/** glibc's default search path when PATH is unset (`confstr(_CS_PATH)`). */
const DEFAULT_PATH = '/bin:/usr/bin';

/** A command that cannot be run: `exitCode` is 127 (not found) or 126 (not executable). */
export class CommandError extends SeccompError {
  /** 127 when the command was not found, 126 when it exists but cannot be executed. */
  readonly exitCode: 126 | 127;
  constructor(message: string, exitCode: 126 | 127) {
    super(message);
    this.name = 'CommandError';
    this.exitCode = exitCode;
  }
}

type Probe = 'ok' | 'missing' | 'denied' | 'directory';

function probeFile(path: string): Probe {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' ? 'denied' : 'missing';
  }
  if (isDir) return 'directory';
  try {
    accessSync(path, fsConstants.X_OK);
    return 'ok';
  } catch {
    return 'denied';
  }
}

/**
 * Find the file `execvp(command)` would run. A command containing `/` is used as given;
 * otherwise each PATH entry is tried in order (an empty entry is the current directory) and
 * the first executable regular file wins, as glibc does.
 * @throws CommandError `CMD: command not found` (127), or `CMD: Permission denied` /
 *   `CMD: Is a directory` (126) when only non-executable candidates exist.
 */
export function findCommand(command: string, pathEnv: string | undefined = process.env.PATH): string {
  if (command === '') throw new CommandError("'': command not found", 127);
  if (command.includes('/')) {
    switch (probeFile(command)) {
      case 'ok':
        return command;
      case 'missing':
        throw new CommandError(`${command}: No such file or directory`, 127);
      case 'directory':
        throw new CommandError(`${command}: Is a directory`, 126);
      case 'denied':
        throw new CommandError(`${command}: Permission denied`, 126);
    }
  }
  let denied: Probe | undefined;
  for (const dir of (pathEnv ?? DEFAULT_PATH).split(delimiter)) {
    const candidate = dir === '' ? command : join(dir, command);
    const result = probeFile(candidate);
    if (result === 'ok') return dir === '' ? `./${command}` : candidate;
    if (result !== 'missing') denied ??= result;
  }
  if (denied === 'directory') throw new CommandError(`${command}: Is a directory`, 126);
  if (denied === 'denied') throw new CommandError(`${command}: Permission denied`, 126);
  throw new CommandError(`${command}: command not found`, 127);
}

/** Options of {@link prepareConfinement}. */
export interface ConfineOptions {
  /**
   * Profile reference: `runtime/default` (default), `unconfined`, `localhost/<path>` or a path;
   * or an already loaded profile.
   */
  readonly profile?: string | Profile;
  /** Compiler options (capabilities, kernel, argWidth, allow, deny, defaultAction, log). */
  readonly compile?: CompileOptions;
  /**
   * Skip no_new_privs. Only allowed when the caller holds CAP_SYS_ADMIN (the kernel refuses a
   * filter otherwise). Default false: no_new_privs is set whenever a filter is installed.
   */
  readonly allowNewPrivs?: boolean;
  /** Called with the duration of each phase (ms), e.g. for `SECCOMP_EXEC_TIMING`. */
  readonly onPhase?: (phase: string, ms: number) => void;
}

/** What will be installed: the output of {@link prepareConfinement}. */
export interface Confinement {
  /** The profile's source (`runtime/default`, a file path) or `unconfined`. */
  readonly source: string;
  /** The compiled, verified filter; null for `unconfined`. */
  readonly filter: CompiledFilter | null;
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2), TSYNC included (0 when unconfined). */
  readonly flags: number;
  /** Whether no_new_privs is set before installing. */
  readonly noNewPrivs: boolean;
}

/**
 * Whether the calling process holds capability `name` (any spelling known to
 * `capabilityNumber`, canonical `CAP_*`) in its effective set, read from the `CapEff` line of
 * /proc/self/status (or of `statusText`). False when the file cannot be read (not Linux).
 */
export function holdsCapability(name: string, statusText?: string): boolean {
  const bit = capabilityNumber(name);
  if (bit === undefined) throw new SeccompError(`unknown capability ${JSON.stringify(name)}`);
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return false;
    }
  }
  const caps = parseProcStatus(text, '/proc/self/status').effectiveCapabilities;
  if (caps === undefined) return false;
  return ((caps >> BigInt(bit)) & 1n) === 1n;
}

function timed<T>(phase: string, onPhase: ConfineOptions['onPhase'], fn: () => T): T {
  if (!onPhase) return fn();
  const t0 = performance.now();
  const value = fn();
  onPhase(phase, performance.now() - t0);
  return value;
}

/**
 * Load and compile the profile (compile verifies the program with the emulator), and decide
 * the seccomp flags and no_new_privs. Touches no process state.
 * @throws SeccompError (bad profile, unknown syscall on the command line, compile failure,
 *   `allowNewPrivs` without CAP_SYS_ADMIN).
 */
export async function prepareConfinement(options: ConfineOptions = {}): Promise<Confinement> {
  const ref = options.profile ?? 'runtime/default';
  const onPhase = options.onPhase;
  let profile: Profile | 'unconfined';
  if (typeof ref === 'string') {
    const t0 = performance.now();
    profile = await loadProfile(ref);
    onPhase?.('profile', performance.now() - t0);
  } else {
    profile = ref;
  }
  if (profile === 'unconfined') {
    return { source: 'unconfined', filter: null, flags: 0, noNewPrivs: false };
  }
  if (options.allowNewPrivs && !holdsCapability('CAP_SYS_ADMIN')) {
    throw new SeccompError(
      '--allow-new-privs needs CAP_SYS_ADMIN in the effective capability set (the kernel refuses a filter without no_new_privs otherwise)',
    );
  }
  const loaded = profile;
  const filter = timed('compile', onPhase, () => compile(loaded, options.compile ?? {}));
  return {
    source: loaded.source,
    filter,
    flags: (filter.flags | SECCOMP_FILTER_FLAG_TSYNC) >>> 0,
    noNewPrivs: !options.allowNewPrivs,
  };
}

/** Names of the SECCOMP_FILTER_FLAG_* bits in `flags`, e.g. `TSYNC|LOG`. */
export function describeFlags(flags: number): string {
  return filterFlagNames(flags).join('|') || 'none';
}

/** Distinct SECCOMP_RET_* actions (upper 16 bits) a program can return. */
export function programActions(program: BpfProgram): number[] {
  return [...programReturns(program).actions];
}

/** The native entry point {@link execConfined} uses (replaceable in tests of the JS flow). */
export type ExecBackend = Pick<NativeBinding, 'getActionAvail' | 'execWithFilter'>;

/** Optional hooks of {@link execConfined}. */
export interface ExecHooks {
  /** Use this instead of the native add-on (tests of the JS flow). */
  readonly backend?: ExecBackend;
  /** Called after every check, immediately before the native call (e.g. to print timings). */
  readonly beforeExec?: () => void;
}

/** Environment as `KEY=VALUE` strings (entries whose value is undefined are left out). */
export function environmentList(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out.push(`${k}=${v}`);
  return out;
}

/**
 * Install `confinement` and exec `file` with `argv` (argv[0] included) and `envp`, in one native
 * call. Before that call, checks that the kernel supports every action the program returns
 * (an unknown action would silently act as KILL_PROCESS). Never returns.
 * A file the kernel refuses with ENOEXEC (a script without `#!`) is then run by `/bin/sh`, as
 * `execvp` does, under the filter already installed.
 * @throws SeccompError when the add-on is missing, an action is unavailable, or the native call
 *   fails (no_new_privs, seccomp(2) or execve; the command has not run). An execve failure is
 *   a {@link CommandError} (126/127).
 */
export function execConfined(
  confinement: Confinement,
  file: string,
  argv: readonly string[],
  envp: readonly string[] = environmentList(),
  hooks: ExecHooks = {},
): never {
  const native: ExecBackend = hooks.backend ?? loadNative();
  let program: Uint8Array | null = null;
  if (confinement.filter) {
    for (const action of programActions(confinement.filter.program)) {
      if (action === SECCOMP_RET_USER_NOTIF) {
        // The listener fd would have to be handed to a supervisor before the exec; without one
        // the kernel answers ENOSYS, which is not what the profile means.
        throw new SeccompError('the profile uses SCMP_ACT_NOTIFY, which needs a seccomp agent; seccomp-exec cannot install it');
      }
      let available: boolean;
      try {
        available = native.getActionAvail(action);
      } catch (err) {
        throw new SeccompError(`cannot check kernel support for ${describeRet(action)}: ${messageOf(err)}`);
      }
      if (!available) {
        throw new SeccompError(`the running kernel does not support the action ${describeRet(action)} used by the filter`);
      }
    }
    program = encodeProgram(confinement.filter.program);
  }
  hooks.beforeExec?.();
  try {
    return native.execWithFilter(program, confinement.flags, confinement.noNewPrivs, file, [...argv], [...envp]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.syscall === 'execve' && e.code === 'ENOEXEC') {
      // As execvp does: a file the kernel cannot execute (no #! line) is run by /bin/sh. The
      // filter and no_new_privs are already in place on every thread, so nothing new is installed.
      try {
        return native.execWithFilter(null, 0, false, '/bin/sh', ['sh', file, ...argv.slice(1)], [...envp]);
      } catch (retryErr) {
        // an execve failure of /bin/sh: report the original ENOEXEC below
        if ((retryErr as NodeJS.ErrnoException).syscall !== 'execve') throw retryErr;
      }
    }
    if (e.syscall === 'execve') {
      const cmd = argv[0] ?? file;
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new CommandError(`${cmd}: No such file or directory`, 127);
      throw new CommandError(`${cmd}: cannot execute: ${describeErrno(e)}`, 126);
    }
    if (e.syscall === 'prctl' || e.syscall === 'seccomp') {
      throw new SeccompError(`cannot install the filter: ${messageOf(err)}`);
    }
    throw err;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeErrno(e: NodeJS.ErrnoException): string {
  const m = /\(([^)]+)\)\s*$/.exec(e.message);
  return m ? `${m[1]!} (${e.code ?? 'error'})` : e.message;
}
