/**
 * The plain meaning of a resolved profile under runc's rule semantics, written independently of
 * both libseccomp and our compiler, plus the test inputs (syscall numbers × argument boundary
 * values) the differential tests run.
 *
 * Semantics modelled (each checked against libseccomp by test/libseccomp.test.ts):
 * - rules whose action equals the default action are dropped; names libseccomp does not know are
 *   dropped; a rule whose conditions repeat an argument index becomes one rule per condition;
 * - arches: the machine's native ABI plus the listed ones; other AUDIT_ARCH values → KILL_THREAD
 *   (libseccomp's default bad-arch action); on x86_64 without x32, numbers ≥ 0x40000000
 *   → KILL_THREAD except nr == -1 (0xffffffff), which gets the default action;
 * - on x86, a rule for a socket/ipc call also applies to socketcall(102)/ipc(117) with arg 0
 *   replaced by `== call number` (libseccomp's abi_rule_add);
 * - for one syscall: any unconditional rule → the FIRST unconditional rule's action; otherwise the
 *   conditional rules that match (conditions ANDed, unsigned 64-bit comparisons of the
 *   zero-extended argument) → their action when they agree, `undefined` when they disagree
 *   (libseccomp then answers by its tree order; the compiler must reproduce that separately);
 *   none match → default.
 */
import type { SeccompData } from '../../src/bpf/types.js';
import type { LsArch, PlainArg, PlainProfile, PlainRule } from './harness.js';

export const AUDIT: Record<LsArch, number> = {
  x86_64: 0xc000003e,
  x32: 0xc000003e,
  x86: 0x40000003,
  aarch64: 0xc00000b7,
  arm: 0x40000028,
};
export const X32_BIT = 0x40000000;
/** ABIs whose seccomp_data args can carry a non-zero high half (x32 runs on the 64-bit entry). */
export const BITS64: Record<LsArch, boolean> = { x86_64: true, x32: true, aarch64: true, x86: false, arm: false };
/** ABIs libseccomp compares on 64 bits (it builds x32 as a 32-bit ABI: low halves only). */
export const LS_BITS64: Record<LsArch, boolean> = { x86_64: true, x32: false, aarch64: true, x86: false, arm: false };
const NATIVE: Record<PlainProfile['machine'], LsArch> = { x86_64: 'x86_64', aarch64: 'aarch64' };

/** libseccomp's socketcall/ipc call numbers (x86 multiplexers). */
export const SOCKETCALL: Record<string, number> = {
  socket: 1, bind: 2, connect: 3, listen: 4, accept: 5, getsockname: 6, getpeername: 7, socketpair: 8, send: 9,
  recv: 10, sendto: 11, recvfrom: 12, shutdown: 13, setsockopt: 14, getsockopt: 15, sendmsg: 16, recvmsg: 17,
  accept4: 18, recvmmsg: 19, sendmmsg: 20,
};
export const IPC: Record<string, number> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14, shmat: 21,
  shmdt: 22, shmget: 23, shmctl: 24,
};
export const X86_SOCKETCALL_NR = 102;
export const X86_IPC_NR = 117;

export type Tables = ReadonlyMap<LsArch, ReadonlyMap<string, number>>;

/** One rule as it applies to a syscall number of one ABI. */
export interface EffectiveRule {
  readonly action: number;
  readonly args: readonly PlainArg[];
  /** Index of the profile rule it came from. */
  readonly source: number;
}

/** The arches a profile's filter judges (native first). */
export function filterArches(p: PlainProfile): LsArch[] {
  const out: LsArch[] = [NATIVE[p.machine]];
  for (const a of p.arches) if (!out.includes(a)) out.push(a);
  return out;
}

function knownName(tables: Tables, name: string): boolean {
  for (const t of tables.values()) if (t.has(name)) return true;
  return name in SOCKETCALL || name in IPC;
}

/** runc's split: one rule per condition when an index repeats, else one ANDed rule. */
function splitRule(r: PlainRule): (readonly PlainArg[])[] {
  const seen = new Set<number>();
  let repeat = false;
  for (const a of r.args) {
    if (seen.has(a.index)) repeat = true;
    seen.add(a.index);
  }
  return repeat ? r.args.map((a) => [a]) : [r.args];
}

/** Effective rules per syscall number of one ABI, in profile order. */
export function effectiveRules(p: PlainProfile, tables: Tables, abi: LsArch): Map<number, EffectiveRule[]> {
  const table = tables.get(abi)!;
  const out = new Map<number, EffectiveRule[]>();
  const add = (nr: number, e: EffectiveRule): void => {
    let l = out.get(nr);
    if (!l) out.set(nr, (l = []));
    l.push(e);
  };
  p.rules.forEach((r, source) => {
    if (r.action === p.defaultAction || !knownName(tables, r.name)) return;
    for (const args of splitRule(r)) {
      const nr = table.get(r.name);
      if (nr !== undefined) add(nr, { action: r.action, args, source });
      if (abi === 'x86') {
        const mux = SOCKETCALL[r.name] !== undefined ? [X86_SOCKETCALL_NR, SOCKETCALL[r.name]!] : IPC[r.name] !== undefined ? [X86_IPC_NR, IPC[r.name]!] : undefined;
        if (mux) {
          const rest = args.filter((a) => a.index !== 0);
          add(mux[0]!, { action: r.action, args: [{ index: 0, op: 'SCMP_CMP_EQ', value: BigInt(mux[1]!), valueTwo: 0n }, ...rest], source });
        }
      }
    }
  });
  return out;
}

/**
 * libseccomp behaviours that differ from a profile's plain meaning. With all of them on, the model
 * predicts libseccomp's program (checked by the tests); with none, it is the plain meaning.
 */
export interface Quirks {
  /** 32-bit ABIs (x86, arm, and x32!) compare low halves only: the argument's and the value's (truncated). */
  readonly trunc32?: boolean;
  /**
   * MASKED_EQ compares `(arg & mask) == (value & mask)`: bits of the value outside the mask are
   * dropped; a MASKED_EQ whose mask is 0 (at the ABI's width) is dropped from its rule, so a rule
   * left without conditions is unconditional (and takes part in "first unconditional wins").
   */
  readonly maskDatum?: boolean;
}
export const LIBSECCOMP_QUIRKS: Quirks = { trunc32: true, maskDatum: true };
export const PLAIN: Quirks = {};

/** One condition on an argument (64-bit; for 32-bit ABIs the kernel zero-extends). */
export function condHolds(c: PlainArg, arg: bigint, q: Quirks = PLAIN, bits64 = true): boolean {
  const w = !bits64 && q.trunc32 ? 32 : 64;
  let v = BigInt.asUintN(w, c.value);
  const a = BigInt.asUintN(w, arg);
  if (c.op === 'SCMP_CMP_MASKED_EQ') {
    const d = BigInt.asUintN(w, c.valueTwo);
    return (a & v) === (q.maskDatum ? d & v : d);
  }
  switch (c.op) {
    case 'SCMP_CMP_NE': return a !== v;
    case 'SCMP_CMP_LT': return a < v;
    case 'SCMP_CMP_LE': return a <= v;
    case 'SCMP_CMP_EQ': return a === v;
    case 'SCMP_CMP_GE': return a >= v;
    case 'SCMP_CMP_GT': return a > v;
  }
}

/** Decide among a syscall's effective rules; `undefined` = matching rules disagree. */
export function decide(rules: readonly EffectiveRule[] | undefined, def: number, args: readonly bigint[], q: Quirks = PLAIN, bits64 = true): number | undefined {
  if (!rules || rules.length === 0) return def;
  const w = !bits64 && q.trunc32 ? 32 : 64;
  const argMask = bits64 ? (1n << 64n) - 1n : 0xffffffffn;
  // A MASKED_EQ that tests no bit the argument can have is no condition at all: with datum 0 it
  // always holds (plain meaning), and libseccomp (maskDatum) drops it whatever the datum.
  const dropped = (c: PlainArg): boolean =>
    c.op === 'SCMP_CMP_MASKED_EQ' &&
    ((q.maskDatum === true && BigInt.asUintN(w, c.value) === 0n) ||
      ((BigInt.asUintN(64, c.value) & argMask) === 0n && BigInt.asUintN(64, c.valueTwo) === 0n));
  const uncond = rules.find((r) => r.args.every(dropped));
  if (uncond) return uncond.action;
  const hits = new Set<number>();
  for (const r of rules) if (r.args.every((c) => condHolds(c, args[c.index] ?? 0n, q, bits64))) hits.add(r.action);
  if (hits.size === 0) return def;
  if (hits.size === 1) return [...hits][0]!;
  return undefined;
}

/** A prepared model of one profile: evaluate any seccomp_data. */
export class Model {
  readonly arches: LsArch[];
  readonly rules: Map<LsArch, Map<number, EffectiveRule[]>>;
  constructor(readonly profile: PlainProfile, tables: Tables) {
    this.arches = filterArches(profile);
    this.rules = new Map(this.arches.map((a) => [a, effectiveRules(profile, tables, a)]));
  }

  /** Which ABI judges this input, or 'badarch'. */
  abiOf(d: SeccompData): LsArch | 'badarch' | 'nr-1' {
    const arch = d.arch >>> 0;
    const nr = d.nr >>> 0;
    if (arch === AUDIT.x86_64 && this.arches.includes('x86_64')) {
      if (this.arches.includes('x32')) return (nr & X32_BIT) === 0 ? 'x86_64' : 'x32';
      if (nr < X32_BIT) return 'x86_64';
      return nr === 0xffffffff ? 'nr-1' : 'badarch';
    }
    for (const a of this.arches) if (a !== 'x86_64' && a !== 'x32' && AUDIT[a] === arch) return a;
    return 'badarch';
  }

  /** The decision for one input under the given quirks; `undefined` when matching rules disagree. */
  evaluate(d: SeccompData, q: Quirks = PLAIN): number | undefined {
    const abi = this.abiOf(d);
    if (abi === 'badarch') return 0;
    if (abi === 'nr-1') return this.profile.defaultAction;
    const args = (d.args ?? []).map((a) => (BITS64[abi] ? a : a & 0xffffffffn));
    return decide(this.rules.get(abi)!.get(d.nr >>> 0), this.profile.defaultAction, args, q, q.trunc32 ? LS_BITS64[abi] : BITS64[abi]);
  }
}

const M64 = (1n << 64n) - 1n;

function candidates(c: PlainArg, bits64: boolean): bigint[] {
  const out = new Set<bigint>([0n]);
  const v = BigInt.asUintN(64, c.value);
  const highs = bits64 ? [0n, 1n, 0xffffffffn, v >> 32n, ((v >> 32n) + 1n) & 0xffffffffn, ((v >> 32n) - 1n) & 0xffffffffn] : [0n];
  const lows: bigint[] = [];
  if (c.op === 'SCMP_CMP_MASKED_EQ') {
    const d = BigInt.asUintN(64, c.valueTwo);
    const lowest = v & -v;
    for (const x of [d, d | (~v & M64), d ^ lowest, d & v, 0n, M64, (d ^ v) & M64]) lows.push(x & 0xffffffffn);
  } else {
    const lo = v & 0xffffffffn;
    lows.push(lo, (lo - 1n) & 0xffffffffn, (lo + 1n) & 0xffffffffn);
  }
  for (const h of highs) for (const l of lows) out.add((h << 32n) | l);
  if (bits64) {
    out.add(v);
    out.add((v + 1n) & M64);
    out.add((v - 1n) & M64);
  }
  return [...out];
}

/**
 * Argument vectors worth running for a syscall: the cartesian product of boundary values of every
 * argument some rule tests (at most `cap` vectors, sampled deterministically beyond that).
 */
export function argVectors(rules: readonly EffectiveRule[] | undefined, bits64: boolean, cap = 400): bigint[][] {
  const zero = [0n, 0n, 0n, 0n, 0n, 0n];
  if (!rules || rules.every((r) => r.args.length === 0)) return [zero];
  const per: bigint[][] = Array.from({ length: 6 }, () => []);
  for (const r of rules) for (const c of r.args) for (const x of candidates(c, bits64)) if (!per[c.index]!.includes(x)) per[c.index]!.push(x);
  const idx = [0, 1, 2, 3, 4, 5].filter((i) => per[i]!.length > 0);
  const total = idx.reduce((n, i) => n * per[i]!.length, 1);
  const out: bigint[][] = [];
  if (total <= cap) {
    const walk = (k: number, cur: bigint[]): void => {
      if (k === idx.length) { out.push([...cur]); return; }
      for (const x of per[idx[k]!]!) { cur[idx[k]!] = x; walk(k + 1, cur); }
      cur[idx[k]!] = 0n;
    };
    walk(0, [...zero]);
    return out;
  }
  // Deterministic sample: mixed-radix walk with a stride coprime to nothing in particular.
  let state = 0x9e3779b9;
  for (let n = 0; n < cap; n++) {
    const v = [...zero];
    for (const i of idx) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      v[i] = per[i]![state % per[i]!.length]!;
    }
    out.push(v);
  }
  // Each single rule's satisfying corner too.
  for (const r of rules) {
    const v = [...zero];
    for (const c of r.args) v[c.index] = c.op === 'SCMP_CMP_MASKED_EQ' ? BigInt.asUintN(64, c.valueTwo) : BigInt.asUintN(64, c.value);
    out.push(v);
  }
  return out;
}

/** Foreign AUDIT_ARCH values (not judged by any of our filters). */
export const FOREIGN_ARCHES = [0, 0xdeadbeef, 0xc0000015 /* PPC64LE */, 0xc00000f3 /* RISCV64 */, 0x80000016 /* S390X */];

/** Every (arch, nr, args) input for one profile. */
export function* inputs(model: Model, tables: Tables): Generator<SeccompData> {
  const all: LsArch[] = model.profile.machine === 'x86_64' ? ['x86_64', 'x32', 'x86'] : ['aarch64', 'arm'];
  for (const abi of all) {
    const table = tables.get(abi)!;
    const base = abi === 'x32' ? X32_BIT : 0;
    const nrs = new Set<number>();
    for (let n = 0; n <= 600; n++) nrs.add((base + n) >>> 0);
    for (const n of table.values()) nrs.add(n >>> 0);
    for (const n of [0xffffffff, 0x7fffffff, 0x80000000, 0x3fffffff, base + 0xffff, 0x000f0005, X32_BIT - 1]) nrs.add(n >>> 0);
    const rules = model.rules.get(abi);
    for (const nr of nrs) {
      for (const args of argVectors(rules?.get(nr), BITS64[abi])) yield { arch: AUDIT[abi], nr, args };
    }
  }
  for (const arch of [...FOREIGN_ARCHES, ...(model.profile.machine === 'x86_64' ? [AUDIT.aarch64, AUDIT.arm] : [AUDIT.x86_64, AUDIT.x86])]) {
    for (const nr of [0, 1, 59, 221, 0xffffffff]) yield { arch, nr, args: [0n, 0n, 0n, 0n, 0n, 0n] };
  }
}
