/**
 * What the kernel says about a process's confinement: seccomp mode, number of filters and
 * no_new_privs from `/proc/<pid>/status`, and which return actions the kernel supports.
 */
import { readFileSync } from 'node:fs';
import {
  SECCOMP_RET_ACTION_FULL,
} from './bpf/seccomp.js';
import { SeccompError } from './errors.js';
import { loadNative } from './native/index.js';
import { ACTIONS, type ActionName } from './profile/types.js';
import { actionBase } from './compiler/actions.js';

/** Seccomp mode as the kernel reports it: 0 disabled, 1 strict, 2 filter. */
export type SeccompMode = 0 | 1 | 2;

/** Confinement of one process or thread, from its `/proc/…/status`. */
export interface SeccompStatus {
  /** The file read, e.g. `/proc/self/status`. */
  readonly source: string;
  /** False when the kernel was built without seccomp (no `Seccomp:` line); mode is then 0. */
  readonly supported: boolean;
  /** `Seccomp:`: 0 disabled, 1 strict, 2 filter. */
  readonly mode: SeccompMode;
  /** `disabled`, `strict` or `filter`. */
  readonly modeName: 'disabled' | 'strict' | 'filter';
  /** `Seccomp_filters:`, the number of stacked filters (undefined before Linux 5.9). */
  readonly filters: number | undefined;
  /** `NoNewPrivs:`. */
  readonly noNewPrivs: boolean;
  /** `CapEff:`, the effective capability set as a bit mask (undefined if absent). */
  readonly effectiveCapabilities: bigint | undefined;
}

/**
 * Whose status to read: `self` (the process; the kernel shows the main thread's values),
 * `thread-self` (the calling thread, e.g. inside a worker), or a pid.
 */
export type StatusTarget = 'self' | 'thread-self' | number;

const MODE_NAMES = ['disabled', 'strict', 'filter'] as const;

function field(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(\\S+)[ \\t]*$`, 'm').exec(text);
  return m?.[1];
}

function intField(text: string, name: string, source: string): number | undefined {
  const raw = field(text, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new SeccompError(`${source}: ${name}: unexpected value ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Parse the text of a `/proc/…/status` file (`source` names it in errors). */
export function parseProcStatus(text: string, source: string): SeccompStatus {
  const mode = intField(text, 'Seccomp', source);
  if (mode !== undefined && mode !== 0 && mode !== 1 && mode !== 2) {
    throw new SeccompError(`${source}: Seccomp: unexpected mode ${mode}`);
  }
  const nnp = intField(text, 'NoNewPrivs', source);
  const capEff = field(text, 'CapEff');
  if (capEff !== undefined && !/^[0-9a-fA-F]+$/.test(capEff)) {
    throw new SeccompError(`${source}: CapEff: unexpected value ${JSON.stringify(capEff)}`);
  }
  const m: SeccompMode = mode ?? 0;
  return {
    source,
    supported: mode !== undefined,
    mode: m,
    modeName: MODE_NAMES[m],
    filters: intField(text, 'Seccomp_filters', source),
    noNewPrivs: nnp === 1,
    effectiveCapabilities: capEff === undefined ? undefined : BigInt(`0x${capEff}`),
  };
}

/** Path of the status file for `target`. */
export function statusPath(target: StatusTarget = 'self'): string {
  if (target === 'self' || target === 'thread-self') return `/proc/${target}/status`;
  if (!Number.isInteger(target) || target <= 0) {
    throw new SeccompError(`status: pid must be a positive integer, got ${String(target)}`);
  }
  return `/proc/${target}/status`;
}

/**
 * Seccomp mode, filter count, no_new_privs and effective capabilities of this process (default),
 * the calling thread (`thread-self`) or another process (a pid), from `/proc/…/status`.
 * @throws SeccompError when the file cannot be read (not Linux, no such process).
 */
export function status(target: StatusTarget = 'self'): SeccompStatus {
  const path = statusPath(target);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const hint = process.platform === 'linux' ? '' : ` (seccomp status needs Linux, this is ${process.platform})`;
    throw new SeccompError(`cannot read ${path}: ${code}${hint}`);
  }
  return parseProcStatus(text, path);
}

/** The action part of `action`: a profile action name or a SECCOMP_RET_* value (data bits dropped). */
export function actionPart(action: ActionName | number): number {
  if (typeof action === 'string') {
    if (!(ACTIONS as readonly string[]).includes(action)) {
      throw new SeccompError(`actionAvailable: unknown action ${JSON.stringify(action)}`);
    }
    return actionBase(action);
  }
  if (!Number.isInteger(action) || action < -0x80000000 || action > 0xffffffff) {
    throw new SeccompError(`actionAvailable: action ${String(action)} is not a 32-bit SECCOMP_RET_* value`);
  }
  return (action & SECCOMP_RET_ACTION_FULL) >>> 0;
}

/**
 * Whether the running kernel supports a filter return action (SECCOMP_GET_ACTION_AVAIL), given as
 * a profile action name (`SCMP_ACT_LOG`) or a SECCOMP_RET_* value (data bits are ignored).
 * @throws NativeUnavailableError off Linux or without the add-on; SyscallError if the kernel
 *   cannot answer (e.g. ENOSYS before Linux 4.14).
 */
export function actionAvailable(action: ActionName | number): boolean {
  const value = actionPart(action);
  return loadNative().getActionAvail(value);
}
