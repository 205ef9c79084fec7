/**
 * Confine the CURRENT process (all threads by default) with a seccomp filter: a compiled filter,
 * a raw BPF program, a loaded profile or a profile reference.
 *
 * Everything that can be checked is checked before the filter is installed (machine, kernel
 * support of every action the program returns, no_new_privs rules); any failure throws and
 * installs nothing. Once installed, a filter cannot be removed: the process stays confined.
 */
import type { BpfProgram } from './bpf/types.js';
import { programReturns } from './bpf/check.js';
import {
  SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
  SECCOMP_RET_USER_NOTIF,
  SECCOMP_RET_NAMES,
  filterFlagNames,
} from './bpf/seccomp.js';
import type { CompileOptions, CompiledFilter } from './compiler/types.js';
import { hostMachine } from './arch/index.js';
import { SeccompError } from './errors.js';
import { compile } from './compiler/index.js';
import { encodeProgram, loadNative, type NativeBinding } from './native/index.js';
import { loadProfile } from './profile/index.js';
import type { Profile } from './profile/types.js';
import { status } from './status.js';

/** Bit of CAP_SYS_ADMIN in the capability sets. */
const CAP_SYS_ADMIN = 21n;

/** Options of {@link apply}. */
export interface ApplyOptions {
  /**
   * `all` (default): every thread of the process, atomically (SECCOMP_FILTER_FLAG_TSYNC; a thread
   * that cannot be synchronised makes the call fail with nothing installed). `current`: only the
   * calling thread (e.g. one worker thread) and threads it creates later.
   */
  readonly threads?: 'all' | 'current';
  /**
   * Set no_new_privs first (default true). `false` is only accepted when the calling thread holds
   * CAP_SYS_ADMIN in its effective set (the kernel refuses a filter otherwise); setuid programs
   * then keep their privileges on exec.
   */
  readonly noNewPrivs?: boolean;
  /** Add SECCOMP_FILTER_FLAG_LOG: log every action except ALLOW. */
  readonly log?: boolean;
  /** Add SECCOMP_FILTER_FLAG_SPEC_ALLOW: keep speculative-store-bypass mitigation off. */
  readonly specAllow?: boolean;
  /** Add SECCOMP_FILTER_FLAG_NEW_LISTENER: return a user-notification listener fd. */
  readonly listener?: boolean;
  /** Compiler options used when a profile (or profile reference) is given. */
  readonly compile?: CompileOptions;
}

/** What {@link apply} did. */
export interface ApplyResult {
  /** False when the profile was `unconfined` (nothing installed). */
  readonly installed: boolean;
  /** Profile source, `unconfined`, `compiled filter` or `BPF program`. */
  readonly source: string;
  /** SECCOMP_FILTER_FLAG_* bits passed to seccomp(2). */
  readonly flags: number;
  /** Names of those bits, e.g. `['TSYNC', 'LOG']`. */
  readonly flagNames: readonly string[];
  /** The threads the filter applies to. */
  readonly threads: 'all' | 'current';
  /** Whether no_new_privs is set on the calling thread afterwards. */
  readonly noNewPrivs: boolean;
  /** Number of BPF instructions installed. */
  readonly instructions: number;
  /** Distinct SECCOMP_RET_* actions the program can return (action part only), ascending. */
  readonly actions: readonly number[];
  /** Listener fd, with `listener: true`. */
  readonly listenerFd?: number;
  /** Non-fatal findings (compiler warnings, a NOTIFY action without listener …). */
  readonly warnings: readonly string[];
}

/** Anything {@link apply} can install. A string is a profile reference (`runtime/default`, `unconfined`, `localhost/<path>`, a path). */
export type ApplyTarget = CompiledFilter | BpfProgram | Profile | string;

/** Names of SECCOMP_FILTER_FLAG_* bits (unknown bits as hex). */
export { filterFlagNames };

function actionLabel(action: number): string {
  const hex = `0x${action.toString(16).padStart(8, '0')}`;
  const name = SECCOMP_RET_NAMES.get(action);
  return name ? `${name} (${hex})` : `unknown action ${hex}`;
}

/**
 * Distinct actions (upper 16 bits of `RET K`) `program` can return, ascending.
 * @throws SeccompError when a `RET A` makes the returned value impossible to know statically.
 */
export function returnedActions(program: BpfProgram): number[] {
  const { actions, computed } = programReturns(program);
  if (computed.length > 0) {
    throw new SeccompError(
      `apply: instruction ${computed[0]} returns a computed value (RET A), so the actions the kernel must support cannot be checked; nothing installed`,
    );
  }
  return [...actions];
}

function isCompiledFilter(t: unknown): t is CompiledFilter {
  return typeof t === 'object' && t !== null && !Array.isArray(t) && Array.isArray((t as { program?: unknown }).program);
}

function isProfile(t: unknown): t is Profile {
  return typeof t === 'object' && t !== null && !Array.isArray(t) &&
    typeof (t as { defaultAction?: unknown }).defaultAction === 'string' &&
    Array.isArray((t as { syscalls?: unknown }).syscalls);
}

/** Resolves a target to a compiled filter or program (and a source label), loading and compiling profiles. */
function resolveTarget(
  target: ApplyTarget,
  options: ApplyOptions,
): { filter: CompiledFilter | BpfProgram; source?: string } | 'unconfined' {
  let profile: Profile;
  if (typeof target === 'string') {
    const loaded = loadProfile(target);
    if (loaded === 'unconfined') return 'unconfined';
    profile = loaded;
  } else if (isProfile(target)) {
    profile = target;
  } else {
    return { filter: target };
  }
  return { filter: compile(profile, options.compile ?? {}), source: profile.source };
}

// --- the installer ---------------------------------------------------------------------------

function validateOptions(options: ApplyOptions): void {
  const threads = options.threads ?? 'all';
  if (threads !== 'all' && threads !== 'current') {
    throw new SeccompError(`apply: threads must be 'all' or 'current', got ${JSON.stringify(threads)}`);
  }
  for (const key of ['noNewPrivs', 'log', 'specAllow', 'listener'] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== 'boolean') {
      throw new SeccompError(`apply: option ${key} must be a boolean, got ${JSON.stringify(v)}`);
    }
  }
}

/**
 * Install a compiled filter or a raw BPF program on the current process.
 * @throws SeccompError (wrong machine, an action the kernel lacks, noNewPrivs: false without
 *   CAP_SYS_ADMIN, bad options), NativeUnavailableError (not Linux / no add-on), SyscallError
 *   (the kernel refused: code, errno and syscall set; TSYNC failure names the thread). Nothing is
 *   installed when it throws.
 */
function installFilter(target: CompiledFilter | BpfProgram, options: ApplyOptions): ApplyResult {
  const compiled = isCompiledFilter(target) ? target : undefined;
  const program: BpfProgram = compiled ? compiled.program : (target as BpfProgram);
  if (!Array.isArray(program)) {
    throw new SeccompError('apply: expected a compiled filter, a BPF program (array of instructions), a profile or a profile reference');
  }
  if (program.length === 0) throw new SeccompError('apply: the BPF program is empty; nothing installed');
  const warnings: string[] = compiled ? [...compiled.warnings] : [];

  if (compiled && compiled.machine !== hostMachine()) {
    throw new SeccompError(`apply: the filter was compiled for ${compiled.machine}, this machine is ${hostMachine() ?? process.arch}; nothing installed`);
  }

  const threads = options.threads ?? 'all';
  let flags = compiled ? compiled.flags >>> 0 : 0;
  if (threads === 'all') flags |= SECCOMP_FILTER_FLAG_TSYNC;
  else flags &= ~(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
  if (options.log) flags |= SECCOMP_FILTER_FLAG_LOG;
  if (options.specAllow) flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (options.listener) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // The kernel accepts TSYNC with NEW_LISTENER only with TSYNC_ESRCH (the return value is the fd).
    if (threads === 'all') flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  }
  flags >>>= 0;

  const encoded = encodeProgram(program);
  const actions = returnedActions(program);
  if (actions.includes(SECCOMP_RET_USER_NOTIF) && !options.listener) {
    warnings.push('the program returns SECCOMP_RET_USER_NOTIF but no listener was requested: those calls fail with ENOSYS');
  }
  if (compiled?.listenerPath !== undefined) {
    warnings.push(`the profile's listenerPath ${compiled.listenerPath} is not used by apply(); pass listener: true and hand the fd over yourself`);
  }

  const native: NativeBinding = loadNative();
  for (const action of actions) {
    if (!native.getActionAvail(action)) {
      throw new SeccompError(`apply: the running kernel does not support ${actionLabel(action)}, which the program returns; nothing installed`);
    }
  }

  const wantNnp = options.noNewPrivs ?? true;
  const nnpAlready = native.getNoNewPrivs();
  if (!wantNnp && !nnpAlready) {
    const caps = status('thread-self').effectiveCapabilities ?? 0n;
    if (((caps >> CAP_SYS_ADMIN) & 1n) !== 1n) {
      throw new SeccompError(
        'apply: noNewPrivs: false needs CAP_SYS_ADMIN in the effective capability set (the kernel refuses a filter without no_new_privs otherwise); nothing installed',
      );
    }
  }
  if (wantNnp && !nnpAlready) native.setNoNewPrivs();

  const ret = native.seccompSetModeFilter(encoded, flags);
  const result: ApplyResult = {
    installed: true,
    source: compiled ? 'compiled filter' : 'BPF program',
    flags,
    flagNames: filterFlagNames(flags),
    threads,
    noNewPrivs: wantNnp || nnpAlready,
    instructions: program.length,
    actions,
    warnings,
    ...(options.listener ? { listenerFd: ret } : {}),
  };
  return result;
}

/**
 * Confine the current process with `target`: a compiled filter, a raw BPF program, a loaded
 * profile (compiled with `options.compile`) or a profile reference (`runtime/default`,
 * `unconfined`, `localhost/<path>`, a path). `unconfined` installs nothing.
 * Defaults: every thread (TSYNC), no_new_privs set.
 *
 * Before installing it checks the machine a compiled filter is for, that the kernel supports
 * every action the program returns (an unknown action would act as KILL_PROCESS), and that
 * `noNewPrivs: false` comes with CAP_SYS_ADMIN.
 * @throws SeccompError (bad profile or options, wrong machine, missing action, no
 *   CAP_SYS_ADMIN), NativeUnavailableError (not Linux / no add-on), SyscallError (the kernel
 *   refused: `code`, `errno`, `syscall`; a TSYNC failure names the thread in `threadId`).
 *   Nothing is installed when it throws.
 */
export function applySync(target: ApplyTarget, options: ApplyOptions = {}): ApplyResult {
  validateOptions(options);
  const resolved = resolveTarget(target, options);
  if (resolved === 'unconfined') {
    let nnp = false;
    try {
      nnp = status('thread-self').noNewPrivs;
    } catch {
      // not Linux: nothing is set
    }
    return {
      installed: false,
      source: 'unconfined',
      flags: 0,
      flagNames: [],
      threads: options.threads ?? 'all',
      noNewPrivs: nnp,
      instructions: 0,
      actions: [],
      warnings: [],
    };
  }
  const result = installFilter(resolved.filter, options);
  return resolved.source === undefined ? result : { ...result, source: resolved.source };
}

/** {@link applySync} returning a promise (the same checks; rejects instead of throwing). */
export async function apply(target: ApplyTarget, options: ApplyOptions = {}): Promise<ApplyResult> {
  return applySync(target, options);
}
