/** Profile action names → kernel SECCOMP_RET_* values. */
import {
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
  SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_DATA,
} from '../bpf/seccomp.js';
import { ACTIONS, type ActionName } from '../profile/types.js';
import { SeccompError } from '../errors.js';

/** EPERM, the errno used when a profile gives none (as runc does). */
export const EPERM = 1;
/** The largest errno the kernel passes back (MAX_ERRNO); libseccomp refuses larger ones. */
export const MAX_ERRNO = 4095;
/** ENOSYS, returned for syscall numbers newer than the profile knows. */
export const ENOSYS = 38;

/**
 * The return value of an action. `data` is the errno for ERRNO and the message for TRACE;
 * when absent both default to EPERM, as runc does.
 */
export function actionValue(action: ActionName, data: number | undefined, where: string): number {
  const d = data ?? EPERM;
  if (!Number.isInteger(d) || d < 0 || d > SECCOMP_RET_DATA) {
    throw new SeccompError(`${where}: errnoRet ${String(data)} out of range (0..65535)`);
  }
  const base = actionBase(action);
  if (base === SECCOMP_RET_ERRNO && d > MAX_ERRNO) {
    throw new SeccompError(`${where}: errnoRet ${d} out of range for SCMP_ACT_ERRNO (0..${MAX_ERRNO}, the kernel's MAX_ERRNO)`);
  }
  return base === SECCOMP_RET_ERRNO || base === SECCOMP_RET_TRACE ? (base | d) >>> 0 : base;
}

/** The SECCOMP_RET_* value of an action, without data. */
export function actionBase(action: ActionName): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SECCOMP_RET_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SECCOMP_RET_KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SECCOMP_RET_TRAP;
    case 'SCMP_ACT_ERRNO':
      return SECCOMP_RET_ERRNO;
    case 'SCMP_ACT_TRACE':
      return SECCOMP_RET_TRACE;
    case 'SCMP_ACT_LOG':
      return SECCOMP_RET_LOG;
    case 'SCMP_ACT_ALLOW':
      return SECCOMP_RET_ALLOW;
    case 'SCMP_ACT_NOTIFY':
      return SECCOMP_RET_USER_NOTIF;
  }
}

/** Parse an action given on a command line (`SCMP_ACT_ERRNO`, `errno`, `ERRNO(13)`, `allow`, `kill-process` …). */
export function parseActionSpec(spec: string, where: string): { action: ActionName; data?: number } {
  const m = /^([A-Za-z_-]+)(?:\((\d+)\))?$/.exec(spec.trim());
  if (m) {
    const base = m[1]!.toUpperCase().replace(/-/g, '_');
    const name = (base.startsWith('SCMP_ACT_') ? base : `SCMP_ACT_${base}`) as ActionName;
    if ((ACTIONS as readonly string[]).includes(name)) {
      return m[2] !== undefined ? { action: name, data: Number(m[2]) } : { action: name };
    }
  }
  throw new SeccompError(`${where}: unknown action "${spec}" (expected one of ${ACTIONS.join(', ')})`);
}

/** Human-readable form of a return value: `ALLOW`, `ERRNO(1)`, `KILL_PROCESS`, `TRACE(5)` … */
export function describeRet(ret: number): string {
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = ret & SECCOMP_RET_DATA;
  switch (action) {
    case SECCOMP_RET_KILL_PROCESS: return 'KILL_PROCESS';
    case SECCOMP_RET_KILL_THREAD: return 'KILL_THREAD';
    case SECCOMP_RET_TRAP: return data ? `TRAP(${data})` : 'TRAP';
    case SECCOMP_RET_ERRNO: return `ERRNO(${data})`;
    case SECCOMP_RET_USER_NOTIF: return 'USER_NOTIF';
    case SECCOMP_RET_TRACE: return `TRACE(${data})`;
    case SECCOMP_RET_LOG: return 'LOG';
    case SECCOMP_RET_ALLOW: return 'ALLOW';
    default: return `0x${(ret >>> 0).toString(16)}`;
  }
}
