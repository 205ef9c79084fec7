/**
 * Resolve: turn a profile (conditions already applied) into per-arch syscall decisions,
 * following runc's rule semantics with libseccomp (see docs in each function).
 */
import type { ArchName, MachineName } from '../arch/types.js';
import { ARCHES, MACHINES, archFromProfileName, argWidths, syscallNumber, knownOnAnyArch } from '../arch/index.js';
import type { ArgCondition, OperatorName, Profile, SyscallRule } from '../profile/types.js';
import { selectArchitectures } from '../profile/conditions.js';
import { SeccompError } from '../errors.js';
import { actionValue, ENOSYS, EPERM, MAX_ERRNO, parseActionSpec } from './actions.js';
import { SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_LOG, SECCOMP_RET_TRACE, actionRank } from '../bpf/seccomp.js';

const U32 = 0xffffffffn;

/** One argument comparison with its effective width. */
export interface ResolvedCondition {
  readonly index: number;
  readonly op: OperatorName;
  /** Value (the mask for MASKED_EQ), already truncated when the comparison is 32-bit. */
  readonly value: bigint;
  /** Second value (the datum for MASKED_EQ). */
  readonly valueTwo: bigint;
  /** True when only the low 32 bits of the register are compared (its high half counts as 0). */
  readonly low32: boolean;
}

/** A conditional rule: all conditions hold → `ret`. */
export interface ResolvedArgRule {
  readonly ret: number;
  /** Sorted by argument index. */
  readonly conditions: readonly ResolvedCondition[];
  readonly origin: string;
}

/** What one syscall number decides. */
export type SyscallDecision =
  | { readonly kind: 'action'; readonly ret: number; readonly origin: string }
  | {
      readonly kind: 'args';
      /** Checked in this order; the first whose conditions all hold decides. */
      readonly rules: readonly ResolvedArgRule[];
      /** Result when no rule matches (the default action). */
      readonly fallback: number;
    };

/** The decisions for one ABI. */
export interface ResolvedArch {
  readonly arch: ArchName;
  readonly auditArch: number;
  /** Syscall numbers the profile decides explicitly. Other numbers take the default action. */
  readonly decisions: ReadonlyMap<number, SyscallDecision>;
  /**
   * Highest syscall number the profile names on this arch; numbers above it return ENOSYS
   * (runc's stub). Undefined when there is no stub: the default action allows (ALLOW, LOG, TRACE)
   * or no name of the profile exists on this arch.
   */
  readonly cutoff: number | undefined;
  /** Number → name for this arch's syscalls the profile names. */
  readonly names: ReadonlyMap<number, string>;
}

/** The whole resolved filter for one machine. */
export interface ResolvedFilter {
  readonly machine: MachineName;
  readonly arches: readonly ResolvedArch[];
  readonly defaultRet: number;
  /** Return value for a foreign architecture (or x32 when x32 is not in the profile). */
  readonly badArchRet: number;
  readonly warnings: readonly string[];
}

/** Options of {@link resolveProfile}. */
export interface ResolveOptions {
  readonly machine: MachineName;
  readonly argWidth: 32 | 64;
  readonly allow?: readonly string[];
  readonly deny?: readonly { readonly name: string; readonly errno?: number }[];
  readonly defaultAction?: string;
  readonly badArchRet: number;
}

/** x86 socketcall(2) sub-call numbers (SYS_SOCKET …): libseccomp applies socket rules to the multiplexer too. */
export const SOCKETCALL_SUBCALLS: Readonly<Record<string, number>> = {
  socket: 1, bind: 2, connect: 3, listen: 4, accept: 5, getsockname: 6, getpeername: 7, socketpair: 8,
  send: 9, recv: 10, sendto: 11, recvfrom: 12, shutdown: 13, setsockopt: 14, getsockopt: 15, sendmsg: 16,
  recvmsg: 17, accept4: 18, recvmmsg: 19, sendmmsg: 20,
};
/** x86 ipc(2) call numbers (SEMOP …), likewise. */
export const IPC_SUBCALLS: Readonly<Record<string, number>> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14,
  shmat: 21, shmdt: 22, shmget: 23, shmctl: 24,
};

/** ERRNO(ENOSYS): what runc's stub returns for numbers above the profile's cut-off. */
export const ENOSYS_RET = (SECCOMP_RET_ERRNO | ENOSYS) >>> 0;

/** ABIs the profile selects on this machine (the native one always included, as libseccomp does). */
export function selectArches(profile: Profile, machine: MachineName): ArchName[] {
  const m = MACHINES[machine];
  const wanted = new Set<ArchName>([m.native]);
  for (const name of selectArchitectures(profile, machine)) {
    const a = archFromProfileName(name);
    if (a !== undefined && (a === m.native || m.subArches.includes(a))) wanted.add(a);
  }
  return [m.native, ...m.subArches].filter((a) => wanted.has(a));
}

function is32BitAbi(arch: ArchName): boolean {
  return arch === 'x86' || arch === 'arm';
}

/**
 * Effective comparison: with argWidth 32 an argument the kernel declares 32-bit is compared on
 * its low half, value truncated like the kernel truncates the register. On 32-bit ABIs the
 * register has no high half (it counts as 0) but the rule's value keeps its meaning: a value
 * of 2^32 or more can never be equal (libseccomp truncates it instead; the profile wins).
 */
function resolveCondition(c: ArgCondition, name: string, arch: ArchName, argWidth: 32 | 64): ResolvedCondition {
  const declared = argWidths(name)?.[c.index];
  const narrow = argWidth === 32 && declared === 32;
  const value = narrow ? c.value & U32 : c.value;
  // MASKED_EQ means (arg & mask) == datum. (libseccomp masks the datum as well; where the datum
  // has bits outside the mask that contradicts the profile, and the profile wins.)
  const valueTwo = narrow ? c.valueTwo & U32 : c.valueTwo;
  return { index: c.index, op: c.op, value, valueTwo, low32: narrow || is32BitAbi(arch) };
}

/**
 * A condition that always holds: MASKED_EQ with mask 0 and datum 0. libseccomp drops it from the
 * rule (which may leave the rule unconditional, and so first-unconditional-wins applies to it).
 */
function isTautology(c: ResolvedCondition): boolean {
  return c.op === 'SCMP_CMP_MASKED_EQ' && c.value === 0n && c.valueTwo === 0n;
}

/** Per-number rule database with libseccomp's merge semantics. */
interface Entry {
  uncond?: { ret: number; origin: string };
  chains: ResolvedArgRule[];
}

const OP_CLASS: Readonly<Record<string, number>> = {
  SCMP_CMP_EQ: 0, SCMP_CMP_NE: 0, SCMP_CMP_MASKED_EQ: 0, SCMP_CMP_LT: 1, SCMP_CMP_LE: 1, SCMP_CMP_GT: 2, SCMP_CMP_GE: 2,
};

function sameCondition(a: ResolvedCondition, b: ResolvedCondition): boolean {
  return a.index === b.index && a.op === b.op && a.value === b.value && a.low32 === b.low32 &&
    (a.op !== 'SCMP_CMP_MASKED_EQ' || a.valueTwo === b.valueTwo);
}

/** Is chain `a` (conditions sorted by argument index) a prefix of chain `b`? */
function isPrefix(a: readonly ResolvedCondition[], b: readonly ResolvedCondition[]): boolean {
  return a.length <= b.length && a.every((c, i) => sameCondition(c, b[i]!));
}

/**
 * libseccomp's order of alternatives at one level of a syscall's decision tree: higher argument
 * index first; EQ/NE/MASKED_EQ before LT/LE before GT/GE; then by value (descending, ascending
 * for LT/LE). The first chain that matches completely decides.
 */
function compareCondition(a: ResolvedCondition, b: ResolvedCondition): number {
  if (a.index !== b.index) return b.index - a.index;
  const ca = OP_CLASS[a.op]!;
  const cb = OP_CLASS[b.op]!;
  if (ca !== cb) return ca - cb;
  if (a.value !== b.value) {
    const asc = ca === 1;
    return (a.value < b.value) === asc ? -1 : 1;
  }
  if (a.op !== b.op) return a.op < b.op ? -1 : 1;
  return a.valueTwo === b.valueTwo ? 0 : a.valueTwo > b.valueTwo ? -1 : 1;
}

function compareChains(a: ResolvedArgRule, b: ResolvedArgRule): number {
  const n = Math.min(a.conditions.length, b.conditions.length);
  for (let i = 0; i < n; i++) {
    const c = compareCondition(a.conditions[i]!, b.conditions[i]!);
    if (c !== 0) return c;
  }
  return a.conditions.length - b.conditions.length;
}

/**
 * Add one rule for one syscall number, as libseccomp's rule database does: the first
 * unconditional rule decides for good (later rules are dropped); an unconditional rule replaces
 * earlier conditional ones; identical conditions with another action are refused (EEXIST), as
 * is a shorter rule with another action after a longer one it is a prefix of; a longer rule
 * after its prefix is dropped.
 */
function addRule(
  db: Map<number, Entry>, nr: number, name: string, ret: number, conds: readonly ResolvedCondition[], origin: string,
  /** Resolve conflicts by keeping the more restrictive action instead of refusing (our own derived rules). */
  keepRestrictive = false,
): void {
  let e = db.get(nr);
  if (!e) {
    e = { chains: [] };
    db.set(nr, e);
  }
  if (e.uncond !== undefined) return;
  if (conds.length === 0) {
    e.uncond = { ret, origin };
    e.chains = [];
    return;
  }
  const chain = [...conds].sort((a, b) => a.index - b.index);
  for (const [i, old] of e.chains.entries()) {
    if (keepRestrictive && old.ret !== ret && isPrefix(old.conditions, chain) && isPrefix(chain, old.conditions)) {
      if (actionRank(ret) < actionRank(old.ret)) e.chains[i] = { ret, conditions: chain, origin };
      return;
    }
    if (isPrefix(old.conditions, chain)) {
      if (old.conditions.length === chain.length && old.ret !== ret) {
        throw new SeccompError(`${origin}: ${name}: same argument conditions as ${old.origin} with a different action (libseccomp refuses this: EEXIST)`);
      }
      return; // covered by the earlier, shorter rule
    }
    if (isPrefix(chain, old.conditions) && old.ret !== ret) {
      throw new SeccompError(`${origin}: ${name}: conditions are a prefix of ${old.origin}, which has a different action (libseccomp refuses this: EEXIST)`);
    }
  }
  e.chains = e.chains.filter((old) => !isPrefix(chain, old.conditions));
  e.chains.push({ ret, conditions: chain, origin });
}

/** True for default actions after which runc adds no ENOSYS stub. */
function allowLike(ret: number): boolean {
  const a = (ret & 0xffff0000) >>> 0;
  return a === SECCOMP_RET_ALLOW || a === SECCOMP_RET_LOG || a === SECCOMP_RET_TRACE;
}

/** Resolve a profile (conditions applied) for one machine. */
export function resolveProfile(profile: Profile, opts: ResolveOptions): ResolvedFilter {
  const warnings: string[] = [];
  let defaultRet = actionValue(profile.defaultAction, profile.defaultErrnoRet, `${profile.source}: defaultAction`);
  if (opts.defaultAction !== undefined) {
    const spec = parseActionSpec(opts.defaultAction, 'default action');
    defaultRet = actionValue(spec.action, spec.data, 'default action');
  }
  const arches = selectArches(profile, opts.machine);
  const unknown = new Map<string, ArchName[]>();

  const dbs = new Map<ArchName, Map<number, Entry>>();
  const cutoffs = new Map<ArchName, number>();
  const names = new Map<ArchName, Map<number, string>>();
  for (const a of arches) {
    dbs.set(a, new Map());
    names.set(a, new Map());
  }
  const raiseCutoff = (arch: ArchName, nr: number) => {
    if (nr > (cutoffs.get(arch) ?? -1)) cutoffs.set(arch, nr);
  };

  const multiplexed = (arch: ArchName, name: string) =>
    arch === 'x86' && (SOCKETCALL_SUBCALLS[name] !== undefined || IPC_SUBCALLS[name] !== undefined);

  const lookup = (arch: ArchName, name: string): number | undefined => {
    const nr = syscallNumber(arch, name);
    if (nr === undefined) {
      // socketcall/ipc sub-calls still reach x86 through the multiplexer
      if (multiplexed(arch, name)) return undefined;
      const list = unknown.get(name) ?? [];
      if (!list.includes(arch)) list.push(arch);
      unknown.set(name, list);
      return undefined;
    }
    names.get(arch)!.set(nr, name);
    // Every name the profile mentions counts for the ENOSYS cut-off, whatever its action;
    // libseccomp resolves x86's socket and ipc calls to pseudo numbers, so they do not count.
    if (!multiplexed(arch, name)) raiseCutoff(arch, nr);
    return nr;
  };

  for (const rule of profile.syscalls as readonly SyscallRule[]) {
    const ret = actionValue(rule.action, rule.errnoRet, rule.origin);
    const nrs = arches.map((a) => rule.names.map((n) => lookup(a, n)));
    if (ret === defaultRet) continue; // runc: a rule whose action is the default adds nothing
    const counts = new Map<number, number>();
    for (const c of rule.args) counts.set(c.index, (counts.get(c.index) ?? 0) + 1);
    const split = [...counts.values()].some((n) => n > 1);
    const groups: ArgCondition[][] = rule.args.length === 0 ? [[]] : split ? rule.args.map((c) => [c]) : [[...rule.args]];
    arches.forEach((arch, ai) => {
      rule.names.forEach((name, ni) => {
        const nr = nrs[ai]![ni];
        for (const g of groups) {
          const conds = g.map((c) => resolveCondition(c, name, arch, opts.argWidth)).filter((c) => !isTautology(c));
          if (nr !== undefined) addRule(dbs.get(arch)!, nr, name, ret, conds, rule.origin);
          if (multiplexed(arch, name)) addMultiplexed(arch, name, ret, conds, rule.origin);
        }
      });
    });
  }

  /**
   * x86: libseccomp also applies a socket/ipc rule to socketcall(2)/ipc(2) with arg0 == the
   * sub-call. Conditions on the other arguments cannot be judged there (they live in memory);
   * libseccomp copies them onto the multiplexer's own arguments, which means nothing. We apply
   * an unconditional rule as libseccomp does; a conditional rule only when its action is more
   * restrictive than the default (fail closed), with no further conditions.
   */
  function addMultiplexed(arch: ArchName, name: string, ret: number, conds: readonly ResolvedCondition[], origin: string): void {
    const mux = SOCKETCALL_SUBCALLS[name] !== undefined ? 'socketcall' : 'ipc';
    const sub = SOCKETCALL_SUBCALLS[name] ?? IPC_SUBCALLS[name]!;
    const nr = syscallNumber(arch, mux);
    if (nr === undefined) return;
    if (conds.length > 0 && actionRank(ret) >= actionRank(defaultRet)) return;
    names.get(arch)!.set(nr, mux);
    const cond: ResolvedCondition = { index: 0, op: 'SCMP_CMP_EQ', value: BigInt(sub), valueTwo: 0n, low32: true };
    // Several rules can map to the same sub-call with different actions: keep the most restrictive.
    addRule(dbs.get(arch)!, nr, `${mux}(${name})`, ret, [cond], `${origin} (via ${mux})`, true);
  }

  // Command-line overrides replace the profile's decision for those syscalls entirely.
  const overrides: { name: string; ret: number; origin: string }[] = [];
  for (const name of opts.allow ?? []) overrides.push({ name, ret: SECCOMP_RET_ALLOW, origin: `--allow ${name}` });
  for (const d of opts.deny ?? []) {
    const errno = d.errno ?? EPERM;
    if (!Number.isInteger(errno) || errno < 0 || errno > MAX_ERRNO) throw new SeccompError(`--deny ${d.name}: errno ${errno} out of range (0..${MAX_ERRNO})`);
    overrides.push({ name: d.name, ret: (SECCOMP_RET_ERRNO | errno) >>> 0, origin: `--deny ${d.name}` });
  }
  for (const o of overrides) {
    if (!knownOnAnyArch(o.name)) throw new SeccompError(`${o.origin}: unknown syscall name "${o.name}"`);
    let found = false;
    for (const arch of arches) {
      const nr = syscallNumber(arch, o.name);
      if (nr === undefined) continue;
      found = true;
      names.get(arch)!.set(nr, o.name);
      raiseCutoff(arch, nr);
      dbs.get(arch)!.set(nr, { uncond: { ret: o.ret, origin: o.origin }, chains: [] });
    }
    if (!found) warnings.push(`${o.origin}: not a syscall on ${arches.join(', ')}, ignored`);
  }

  // Unknown names, as runc skips them: a name no table knows is worth a line of its own (a typo,
  // or a syscall newer than our tables); names of other ABIs are normal in a multi-arch profile
  // and are summarised per ABI.
  const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const perAbi = new Map<ArchName, string[]>();
  for (const [name, list] of [...unknown.entries()].sort((a, b) => byCode(a[0], b[0]))) {
    if (!knownOnAnyArch(name)) {
      warnings.push(`${name}: unknown syscall name (in no table: ${Object.keys(ARCHES).join(', ')}), skipped`);
      continue;
    }
    for (const arch of list) perAbi.set(arch, [...(perAbi.get(arch) ?? []), name]);
  }
  for (const arch of arches) {
    const list = perAbi.get(arch);
    if (list) warnings.push(`${arch}: ${list.length} name${list.length > 1 ? 's' : ''} of the profile not in this ABI's table, skipped: ${list.join(', ')}`);
  }

  const stub = !allowLike(defaultRet);
  const resolved: ResolvedArch[] = arches.map((arch) => {
    const decisions = new Map<number, SyscallDecision>();
    for (const [nr, e] of [...dbs.get(arch)!.entries()].sort((a, b) => a[0] - b[0])) {
      if (e.uncond) {
        decisions.set(nr, { kind: 'action', ret: e.uncond.ret, origin: e.uncond.origin });
      } else if (e.chains.length > 0) {
        decisions.set(nr, { kind: 'args', rules: [...e.chains].sort(compareChains), fallback: defaultRet });
      }
    }
    return {
      arch,
      auditArch: ARCHES[arch].auditArch,
      decisions,
      cutoff: stub ? cutoffs.get(arch) : undefined,
      names: names.get(arch)!,
    };
  });
  return { machine: opts.machine, arches: resolved, defaultRet, badArchRet: opts.badArchRet, warnings };
}
