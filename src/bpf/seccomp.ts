/** Kernel seccomp constants: return actions, filter flags, audit architectures. */

/** SECCOMP_RET_* action values (upper 16 bits of a filter's return value). */
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
/** Mask of the action part (full 32 bits minus data). */
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
/** Mask of the data part. */
export const SECCOMP_RET_DATA = 0x0000ffff;

/** Kernel names of the SECCOMP_RET_* action values. */
export const SECCOMP_RET_NAMES: ReadonlyMap<number, string> = new Map([
  [SECCOMP_RET_KILL_PROCESS, 'SECCOMP_RET_KILL_PROCESS'],
  [SECCOMP_RET_KILL_THREAD, 'SECCOMP_RET_KILL_THREAD'],
  [SECCOMP_RET_TRAP, 'SECCOMP_RET_TRAP'],
  [SECCOMP_RET_ERRNO, 'SECCOMP_RET_ERRNO'],
  [SECCOMP_RET_USER_NOTIF, 'SECCOMP_RET_USER_NOTIF'],
  [SECCOMP_RET_TRACE, 'SECCOMP_RET_TRACE'],
  [SECCOMP_RET_LOG, 'SECCOMP_RET_LOG'],
  [SECCOMP_RET_ALLOW, 'SECCOMP_RET_ALLOW'],
]);

/** SECCOMP_FILTER_FLAG_* values for seccomp(SECCOMP_SET_MODE_FILTER). */
export const SECCOMP_FILTER_FLAG_TSYNC = 1;
export const SECCOMP_FILTER_FLAG_LOG = 2;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 4;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 16;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 32;

/** Kernel names of the SECCOMP_FILTER_FLAG_* bits, without the prefix. */
export const SECCOMP_FILTER_FLAG_NAMES: readonly (readonly [number, string])[] = [
  [SECCOMP_FILTER_FLAG_TSYNC, 'TSYNC'],
  [SECCOMP_FILTER_FLAG_LOG, 'LOG'],
  [SECCOMP_FILTER_FLAG_SPEC_ALLOW, 'SPEC_ALLOW'],
  [SECCOMP_FILTER_FLAG_NEW_LISTENER, 'NEW_LISTENER'],
  [SECCOMP_FILTER_FLAG_TSYNC_ESRCH, 'TSYNC_ESRCH'],
  [SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, 'WAIT_KILLABLE_RECV'],
];

/** Names of the SECCOMP_FILTER_FLAG_* bits in `flags` (unknown bits as hex). */
export function filterFlagNames(flags: number): string[] {
  const out: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of SECCOMP_FILTER_FLAG_NAMES) {
    if (rest & bit) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

/** AUDIT_ARCH_* values. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
export const AUDIT_ARCH_ARM = 0x40000028;

/** Bit set in `nr` by x32 system calls (which report AUDIT_ARCH_X86_64). */
export const X32_SYSCALL_BIT = 0x40000000;

/** Action precedence used by the kernel when several filters are stacked (lower rank wins). */
export function actionRank(ret: number): number {
  const action = (ret >>> 0) & SECCOMP_RET_ACTION_FULL;
  switch (action >>> 0) {
    case SECCOMP_RET_KILL_PROCESS: return 0;
    case SECCOMP_RET_KILL_THREAD: return 1;
    case SECCOMP_RET_TRAP: return 2;
    case SECCOMP_RET_ERRNO: return 3;
    case SECCOMP_RET_USER_NOTIF: return 4;
    case SECCOMP_RET_TRACE: return 5;
    case SECCOMP_RET_LOG: return 6;
    case SECCOMP_RET_ALLOW: return 7;
    default: return 0; // unknown actions behave as KILL_PROCESS
  }
}
