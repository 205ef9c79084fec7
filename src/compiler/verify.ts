/**
 * Verify: run the emitted program in our emulator on every syscall number of every ABI (plus
 * range boundaries, foreign arches and argument boundary values) and compare with the
 * reference semantics. Any disagreement is a compiler bug and throws.
 */
import { prepareProgram, type PreparedProgram } from '../bpf/emulator.js';
import { validateProgram } from '../bpf/check.js';
import { constResult, isConstAllow } from '../bpf/cache.js';
import type { BpfProgram } from '../bpf/types.js';
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW, X32_SYSCALL_BIT,
} from '../bpf/seccomp.js';
import { ARCHES } from '../arch/index.js';
import { SeccompError } from '../errors.js';
import { describeRet } from './actions.js';
import { evaluate } from './evaluate.js';
import type { ResolvedCondition, ResolvedFilter, SyscallDecision } from './resolve.js';

const U64 = (1n << 64n) - 1n;
const U32 = 0xffffffffn;

/** Numbers gathered while verifying. */
export interface VerifyStats {
  /** Inputs checked. */
  readonly checked: number;
  /** Unconditionally allowed syscall numbers, over all ABIs. */
  readonly unconditionallyAllowed: number;
  /** Of those, on ABIs the kernel's allow-cache covers (native and compat), how many are cacheable. */
  readonly cacheableAllowed: number;
  /** Allowed numbers on cached ABIs. */
  readonly cacheCandidates: number;
}

/** A verification failure: the program disagrees with the profile. */
export class VerificationError extends SeccompError {
  constructor(message: string) {
    super(`internal compiler error, program rejected: ${message}`);
    this.name = 'VerificationError';
  }
}

/** Interesting values for one argument index of a conditional decision. */
function boundaryValues(conds: readonly ResolvedCondition[]): bigint[] {
  const out = new Set<bigint>([0n, U64, U32, 1n << 32n]);
  const add = (v: bigint) => out.add(BigInt.asUintN(64, v)); // v modulo 2^64
  for (const c of conds) {
    const vs = c.op === 'SCMP_CMP_MASKED_EQ' ? [c.valueTwo, c.valueTwo | (~c.value & U64), c.value, c.valueTwo ^ (c.value & -c.value)] : [c.value];
    for (const v of vs) {
      const lo = v & U32;
      for (const d of [-1n, 0n, 1n]) {
        add(v + d);
        for (const hi of [0n, 1n, U32, (v >> 32n) + 1n, (v >> 32n) - 1n]) add(((hi & U32) << 32n) | ((lo + d) & U32));
      }
    }
  }
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** No arguments: the input of numbers without a decision (all argument words zero). */

/**
 * Argument vectors covering the boundaries of every condition (capped, deterministic). They
 * depend only on each condition's index, operator and operands, so `memo` (keyed by those)
 * shares them between decisions with the same conditions (the same rule on several ABIs).
 */
function argVectors(d: SyscallDecision & { kind: 'args' }, memo: Map<string, readonly (readonly bigint[])[]>): readonly (readonly bigint[])[] {
  let key = '';
  for (const r of d.rules) {
    for (const c of r.conditions) key += `${c.index} ${c.op} ${c.value} ${c.valueTwo};`;
    key += '|';
  }
  let vectors = memo.get(key);
  if (vectors === undefined) {
    vectors = conditionVectors(d);
    memo.set(key, vectors);
  }
  return vectors;
}

function conditionVectors(d: SyscallDecision & { kind: 'args' }): bigint[][] {
  const byIndex = new Map<number, ResolvedCondition[]>();
  for (const r of d.rules) for (const c of r.conditions) byIndex.set(c.index, [...(byIndex.get(c.index) ?? []), c]);
  const idx = [...byIndex.keys()].sort((a, b) => a - b);
  const values = idx.map((i) => boundaryValues(byIndex.get(i)!));
  const total = values.reduce((n, v) => n * v.length, 1);
  const limit = 20000;
  const out: bigint[][] = [];
  const step = total > limit ? Math.ceil(total / limit) : 1;
  for (let n = 0; n < total; n += step) {
    const args = [0n, 0n, 0n, 0n, 0n, 0n];
    let rest = n;
    idx.forEach((i, p) => {
      const vs = values[p]!;
      args[i] = vs[rest % vs.length]!;
      rest = Math.floor(rest / vs.length);
    });
    out.push(args);
  }
  return out;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/**
 * Check `program` against the resolved filter. Throws {@link VerificationError} on the first
 * disagreement, or if a syscall the profile allows unconditionally is not cacheable.
 */
export function verifyProgram(program: BpfProgram, f: ResolvedFilter): VerifyStats {
  validateProgram(program);
  const p: PreparedProgram = prepareProgram(program);
  let checked = 0;
  // The seccomp_data the emulator reads, as 16 words: nr, arch, instruction pointer (always 0),
  // then each argument as low and high half, as the kernel lays it out (little-endian).
  const words = new Uint32Array(16);
  const check = (arch: number, nr: number, args: readonly bigint[], abiName: string) => {
    const want = evaluate(f, { arch, nr, args });
    words[0] = nr >>> 0;
    words[1] = arch >>> 0;
    for (let i = 0; i < 6; i++) {
      // Argument values are unsigned 64-bit; the common ones (0 and all ones) need no BigInt arithmetic.
      const a = i < args.length ? args[i]! : 0n;
      if (a === 0n) {
        words[4 + 2 * i] = 0;
        words[5 + 2 * i] = 0;
      } else if (a === U64) {
        words[4 + 2 * i] = 0xffffffff;
        words[5 + 2 * i] = 0xffffffff;
      } else {
        words[4 + 2 * i] = Number(a & U32);
        words[5 + 2 * i] = Number((a >> 32n) & U32);
      }
    }
    const got = p.evaluateWords(words);
    checked++;
    if (got >>> 0 !== want.ret >>> 0) {
      throw new VerificationError(
        `${abiName} nr ${nr >>> 0} (${hex(nr)}) args [${args.map((a) => `0x${a.toString(16)}`).join(', ')}]: ` +
          `program returns ${describeRet(got)}, profile says ${describeRet(want.ret)} (${want.origin})`,
      );
    }
  };

  /**
   * Numbers the profile decides without looking at arguments must be decided by the program
   * without loading any: walk the program knowing only nr and arch (the kernel cache's walk, any
   * action). This proves the result for every argument value, not just sampled ones.
   */
  const checkConst = (arch: number, nr: number, abiName: string) => {
    const want = evaluate(f, { arch, nr });
    const got = constResult(program, arch, nr);
    checked++;
    if (got === undefined) {
      throw new VerificationError(`${abiName} nr ${nr >>> 0} (${hex(nr)}): the profile decides it without arguments (${describeRet(want.ret)}, ${want.origin}) but the program's path depends on them`);
    }
    if (got >>> 0 !== want.ret >>> 0) {
      throw new VerificationError(`${abiName} nr ${nr >>> 0} (${hex(nr)}), any arguments: program returns ${describeRet(got)}, profile says ${describeRet(want.ret)} (${want.origin})`);
    }
  };

  // Foreign architectures.
  const audits = new Set(f.arches.map((a) => a.auditArch));
  for (const arch of [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0, 0xffffffff, 0x40000028 ^ 1]) {
    if (!audits.has(arch)) for (const nr of [0, 1, 59, 221, 0xffffffff]) checkConst(arch, nr, 'foreign arch');
  }
  // x32 numbers when x32 is not selected.
  if (f.machine === 'x86_64' && !f.arches.some((a) => a.arch === 'x32')) {
    for (const nr of [X32_SYSCALL_BIT, X32_SYSCALL_BIT + 1, X32_SYSCALL_BIT + 59, 0x7fffffff, 0xffffffff]) checkConst(AUDIT_ARCH_X86_64, nr, 'x32 (not selected)');
  }

  const vectorMemo = new Map<string, readonly (readonly bigint[])[]>();
  let unconditionallyAllowed = 0;
  let cacheableAllowed = 0;
  let cacheCandidates = 0;
  for (const abi of f.arches) {
    const numbers = new Set<number>();
    const base = abi.arch === 'x32' ? X32_SYSCALL_BIT : 0;
    let top = base;
    for (const nr of ARCHES[abi.arch].syscalls.values()) top = Math.max(top, nr);
    top = Math.max(top, abi.cutoff ?? top);
    // Every number of the ABI's range (arm's private numbers live far above the rest: cover their block).
    const limit = Math.min(top, base + 1023);
    for (let nr = base; nr <= limit + 16; nr++) numbers.add(nr);
    for (const nr of ARCHES[abi.arch].syscalls.values()) for (const d of [-1, 0, 1]) numbers.add(nr + d);
    for (const nr of abi.decisions.keys()) for (const d of [-1, 0, 1]) numbers.add(nr + d);
    if (abi.cutoff !== undefined) for (const d of [-1, 0, 1, 2]) numbers.add(abi.cutoff + d);
    for (const nr of [0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xffffffff]) numbers.add(nr);
    for (const nr of numbers) {
      if (nr < 0 || nr > 0xffffffff) continue;
      const d = abi.decisions.get(nr);
      const stubbed = abi.cutoff !== undefined && nr > abi.cutoff;
      if (d === undefined || d.kind === 'action' || stubbed) checkConst(abi.auditArch, nr, abi.arch);
      else for (const args of argVectors(d, vectorMemo)) check(abi.auditArch, nr, args, abi.arch);
    }
    // Allow-cache: every unconditionally allowed number on native/compat ABIs must be cacheable.
    for (const [nr, d] of abi.decisions) {
      if (d.kind !== 'action' || d.ret >>> 0 !== SECCOMP_RET_ALLOW) continue;
      if (abi.cutoff !== undefined && nr > abi.cutoff) continue; // ENOSYS by the stub
      unconditionallyAllowed++;
      if (abi.arch === 'x32') continue; // the kernel's cache does not cover x32 numbers
      cacheCandidates++;
      if (isConstAllow(program, abi.auditArch, nr)) cacheableAllowed++;
      else throw new VerificationError(`${abi.arch} nr ${nr}: allowed unconditionally but not provable by the kernel's allow-cache`);
    }
  }
  return { checked, unconditionallyAllowed, cacheableAllowed, cacheCandidates };
}
