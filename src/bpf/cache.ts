/**
 * The kernel's seccomp action cache (Linux >= 5.11, kernel/seccomp.c).
 *
 * When a filter is attached, for every syscall number of the native (and compat) ABI the
 * kernel walks the program knowing only `nr` and `arch`. The walk understands a handful of
 * instructions: `LD W ABS` of nr or arch, `JA`, `JEQ/JGE/JGT/JSET` against a constant, `AND` with
 * a constant and `RET` of a constant. Anything else on the path (an argument or ip load, a
 * register compare, other ALU, scratch memory, RET A …) makes that number uncacheable; a RET
 * reached with a constant must be exactly SECCOMP_RET_ALLOW (no data bits). Numbers proven
 * constant-ALLOW skip the filter entirely at run time.
 *
 * Not modelled here, because it is a property of the kernel and not of the program: on x86-64
 * the kernel also marks `uretprobe` (and since 6.17 `uprobe`) of the native ABI as always
 * allowed, whatever the filter says.
 */
import { validateProgram } from './check.js';
import {
  BPF_ABS, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K,
  BPF_LD, BPF_RET, BPF_W, SECCOMP_DATA_ARCH, SECCOMP_DATA_NR,
} from './types.js';
import type { BpfProgram } from './types.js';
import { SECCOMP_RET_ALLOW } from './seccomp.js';

const LD_ABS = BPF_LD | BPF_W | BPF_ABS;
const RET_K = BPF_RET | BPF_K;
const JA = BPF_JMP | BPF_JA;
const JEQ_K = BPF_JMP | BPF_JEQ | BPF_K;
const JGE_K = BPF_JMP | BPF_JGE | BPF_K;
const JGT_K = BPF_JMP | BPF_JGT | BPF_K;
const JSET_K = BPF_JMP | BPF_JSET | BPF_K;
const AND_K = BPF_ALU | BPF_AND | BPF_K;

/**
 * Whether the kernel's action cache proves that syscall `nr` on audit arch `arch` is always
 * allowed by `prog` (the `seccomp_is_const_allow` walk). Throws {@link BpfError} for a program
 * the kernel would refuse.
 */
export function isConstAllow(prog: BpfProgram, arch: number, nr: number): boolean {
  validateProgram(prog);
  return walk(prog, arch >>> 0, nr >>> 0);
}

/**
 * The return value of `prog` for syscall `nr` on `arch` when the kernel's cache walk can decide it
 * from `nr` and `arch` alone — i.e. the result is the same for every argument and instruction
 * pointer — else undefined. Unlike the kernel's cache, any constant action counts, not only ALLOW.
 */
export function constResult(prog: BpfProgram, arch: number, nr: number): number | undefined {
  validateProgram(prog);
  return walkResult(prog, arch >>> 0, nr >>> 0);
}

function walk(prog: BpfProgram, arch: number, nr: number): boolean {
  return walkResult(prog, arch, nr) === SECCOMP_RET_ALLOW;
}

function walkResult(prog: BpfProgram, arch: number, nr: number): number | undefined {
  const len = prog.length;
  let reg = 0;
  for (let pc = 0; pc < len; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case LD_ABS:
        if (k === SECCOMP_DATA_NR) reg = nr;
        else if (k === SECCOMP_DATA_ARCH) reg = arch;
        else return undefined; // not a constant (args, ip)
        break;
      case RET_K:
        return k >>> 0;
      case JA:
        pc += k;
        break;
      case JEQ_K:
        pc += reg === k >>> 0 ? jt : jf;
        break;
      case JGE_K:
        pc += reg >= k >>> 0 ? jt : jf;
        break;
      case JGT_K:
        pc += reg > k >>> 0 ? jt : jf;
        break;
      case JSET_K:
        pc += (reg & k) !== 0 ? jt : jf;
        break;
      case AND_K:
        reg = (reg & k) >>> 0;
        break;
      default:
        return undefined; // an instruction the cache analysis does not understand
    }
  }
  return undefined; // unreachable for a validated program (it ends with RET)
}

/**
 * Syscall numbers 0..`count`-1 the cache proves always allowed on `arch`, as a bitmap
 * (`result[nr] === 1`), like the kernel's per-arch bitmap for a single filter.
 */
export function constAllowBitmap(prog: BpfProgram, arch: number, count: number): Uint8Array {
  validateProgram(prog);
  const bitmap = new Uint8Array(count);
  const a = arch >>> 0;
  for (let nr = 0; nr < count; nr++) bitmap[nr] = walk(prog, a, nr) ? 1 : 0;
  return bitmap;
}

/** How many of the given syscall numbers the cache proves always allowed on `arch`. */
export function countConstAllow(prog: BpfProgram, arch: number, nrs: Iterable<number>): number {
  validateProgram(prog);
  const a = arch >>> 0;
  let n = 0;
  for (const nr of nrs) if (walk(prog, a, nr >>> 0)) n++;
  return n;
}
