/**
 * Reference semantics: what a resolved filter decides for one `seccomp_data`, computed
 * directly from the decisions (no BPF). The emitted program must agree with it everywhere.
 */
import { AUDIT_ARCH_X86_64, X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { SeccompData } from '../bpf/types.js';
import type { ResolvedArch, ResolvedCondition, ResolvedFilter, SyscallDecision } from './resolve.js';
import { ENOSYS_RET } from './resolve.js';

const U32 = 0xffffffffn;

/** Does one condition hold for the argument value `arg` (unsigned 64-bit)? */
export function conditionHolds(c: ResolvedCondition, arg: bigint): boolean {
  const x = c.low32 ? arg & U32 : arg;
  switch (c.op) {
    case 'SCMP_CMP_NE': return x !== c.value;
    case 'SCMP_CMP_LT': return x < c.value;
    case 'SCMP_CMP_LE': return x <= c.value;
    case 'SCMP_CMP_EQ': return x === c.value;
    case 'SCMP_CMP_GE': return x >= c.value;
    case 'SCMP_CMP_GT': return x > c.value;
    case 'SCMP_CMP_MASKED_EQ': return (x & c.value) === c.valueTwo;
  }
}

/** Result of a syscall decision for the given arguments, with the rule that decided. */
export function decide(d: SyscallDecision, args: readonly bigint[]): { ret: number; origin: string } {
  if (d.kind === 'action') return { ret: d.ret, origin: d.origin };
  for (const r of d.rules) {
    if (r.conditions.every((c) => conditionHolds(c, args[c.index] ?? 0n))) return { ret: r.ret, origin: r.origin };
  }
  return { ret: d.fallback, origin: 'defaultAction' };
}

/** Which resolved ABI judges this (arch, nr), or a bad-arch verdict. */
export function abiFor(f: ResolvedFilter, arch: number, nr: number): ResolvedArch | 'bad-arch' | 'default' {
  const u = nr >>> 0;
  if (arch === AUDIT_ARCH_X86_64 && f.machine === 'x86_64' && u >= X32_SYSCALL_BIT) {
    // Without x32, x32 calls are a bad arch, except -1 (tracers' "skip this call"), which
    // libseccomp sends through the rules, where it meets the default action.
    return f.arches.find((a) => a.arch === 'x32') ?? (u === 0xffffffff ? 'default' : 'bad-arch');
  }
  const a = f.arches.find((x) => x.auditArch === arch && x.arch !== 'x32');
  return a ?? 'bad-arch';
}

/** What the filter must return for `data`, and why. */
export function evaluate(f: ResolvedFilter, data: SeccompData): { ret: number; origin: string } {
  const abi = abiFor(f, data.arch >>> 0, data.nr);
  if (abi === 'bad-arch') return { ret: f.badArchRet, origin: 'foreign architecture' };
  if (abi === 'default') return { ret: f.defaultRet, origin: 'defaultAction' };
  const nr = data.nr >>> 0;
  if (abi.cutoff !== undefined && nr > abi.cutoff) return { ret: ENOSYS_RET, origin: `number above the profile's highest on ${abi.arch} (${abi.cutoff})` };
  const d = abi.decisions.get(nr);
  if (!d) return { ret: f.defaultRet, origin: 'defaultAction' };
  return decide(d, data.args ?? []);
}
