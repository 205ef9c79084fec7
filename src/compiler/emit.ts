/**
 * Emit: resolved decisions → classic BPF.
 *
 * Layout: load arch, dispatch to one subtree per ABI (a foreign arch gets the bad-arch action);
 * each subtree loads nr and runs a weight-balanced binary search over ranges of numbers that
 * share a decision, using only JGE/JEQ K on nr so the kernel's allow-cache can prove constant
 * ALLOW; argument checks sit only at the leaves that need them. Programs are built as a DAG
 * of shared nodes and laid out back to front, with JA trampolines for targets beyond 255.
 */
import {
  BPF_ABS, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_MAXINSNS, BPF_RET, BPF_W,
  SECCOMP_DATA_ARCH, SECCOMP_DATA_ARGS, SECCOMP_DATA_NR,
  type Instruction,
} from '../bpf/types.js';
import { AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW, X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import { SeccompError } from '../errors.js';
import { ARCHES } from '../arch/index.js';
import type { ResolvedArch, ResolvedCondition, ResolvedFilter, SyscallDecision } from './resolve.js';
import { ENOSYS_RET } from './resolve.js';

// ---------------------------------------------------------------------------------------------
// Node DAG with hash-consing

type Node =
  | { readonly id: number; readonly kind: 'ret'; readonly k: number }
  | { readonly id: number; readonly kind: 'ld'; readonly k: number; readonly next: Node }
  | { readonly id: number; readonly kind: 'and'; readonly k: number; readonly next: Node }
  | { readonly id: number; readonly kind: 'jmp'; readonly op: number; readonly k: number; readonly t: Node; readonly f: Node };

class Builder {
  private readonly table = new Map<string, Node>();
  private nextId = 0;

  private intern<T extends Node>(key: string, make: (id: number) => T): Node {
    const hit = this.table.get(key);
    if (hit) return hit;
    const n = make(this.nextId++);
    this.table.set(key, n);
    return n;
  }
  ret(k: number): Node {
    k >>>= 0;
    return this.intern(`r${k}`, (id) => ({ id, kind: 'ret', k }));
  }
  ld(k: number, next: Node): Node {
    return this.intern(`l${k},${next.id}`, (id) => ({ id, kind: 'ld', k, next }));
  }
  and(k: number, next: Node): Node {
    k >>>= 0;
    if (k === 0xffffffff) return next;
    return this.intern(`a${k},${next.id}`, (id) => ({ id, kind: 'and', k, next }));
  }
  jmp(op: number, k: number, t: Node, f: Node): Node {
    k >>>= 0;
    if (t === f) return t;
    return this.intern(`j${op},${k},${t.id},${f.id}`, (id) => ({ id, kind: 'jmp', op, k, t, f }));
  }
}

// ---------------------------------------------------------------------------------------------
// Argument conditions

const U32 = 0xffffffffn;

function argLo(i: number): number {
  return SECCOMP_DATA_ARGS + 8 * i; // little-endian: low half first
}
function argHi(i: number): number {
  return SECCOMP_DATA_ARGS + 8 * i + 4;
}

/** A node testing one condition: `s` when it holds, `f` otherwise. */
function condNode(b: Builder, c: ResolvedCondition, s: Node, f: Node): Node {
  const vhi = Number((c.value >> 32n) & U32);
  const vlo = Number(c.value & U32);
  const lo = argLo(c.index);
  const hi = argHi(c.index);
  const J = (op: number) => BPF_JMP | op | BPF_K;
  // Comparisons of the low half (with `t` when the relation holds, `e` otherwise).
  const loCmp = (op: number, k: number, t: Node, e: Node) => b.ld(lo, b.jmp(J(op), k, t, e));
  switch (c.op) {
    case 'SCMP_CMP_EQ':
    case 'SCMP_CMP_NE': {
      const [t, e] = c.op === 'SCMP_CMP_EQ' ? [s, f] : [f, s];
      if (c.low32) return vhi !== 0 ? e : loCmp(BPF_JEQ, vlo, t, e);
      return b.ld(hi, b.jmp(J(BPF_JEQ), vhi, loCmp(BPF_JEQ, vlo, t, e), e));
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_LE':
    case 'SCMP_CMP_GE':
    case 'SCMP_CMP_LT': {
      // GT and GE are emitted; LE = not GT, LT = not GE.
      const strict = c.op === 'SCMP_CMP_GT' || c.op === 'SCMP_CMP_LE';
      const [t, e] = c.op === 'SCMP_CMP_GT' || c.op === 'SCMP_CMP_GE' ? [s, f] : [f, s];
      const loOp = strict ? BPF_JGT : BPF_JGE;
      if (c.low32) return vhi !== 0 ? e : loCmp(loOp, vlo, t, e);
      // hi > vhi → holds; hi == vhi → decide on lo; hi < vhi → fails.
      const onEqual = loCmp(loOp, vlo, t, e);
      return b.ld(hi, b.jmp(J(BPF_JGT), vhi, t, b.jmp(J(BPF_JEQ), vhi, onEqual, e)));
    }
    case 'SCMP_CMP_MASKED_EQ': {
      const mhi = Number((c.value >> 32n) & U32);
      const mlo = Number(c.value & U32);
      const dhi = Number((c.valueTwo >> 32n) & U32);
      const dlo = Number(c.valueTwo & U32);
      // Low half: (lo & mlo) == dlo.
      const loTest = (dlo & ~mlo) !== 0 ? f : mlo === 0 ? (dlo === 0 ? s : f) : b.ld(lo, b.and(mlo, b.jmp(J(BPF_JEQ), dlo, s, f)));
      if (c.low32 || mhi === 0) return dhi !== 0 ? f : loTest;
      if ((dhi & ~mhi) !== 0) return f;
      return b.ld(hi, b.and(mhi, b.jmp(J(BPF_JEQ), dhi, loTest, f)));
    }
  }
}

function decisionNode(b: Builder, d: SyscallDecision): Node {
  if (d.kind === 'action') return b.ret(d.ret);
  let node = b.ret(d.fallback);
  for (let i = d.rules.length - 1; i >= 0; i--) {
    const r = d.rules[i]!;
    let s = b.ret(r.ret);
    for (let j = r.conditions.length - 1; j >= 0; j--) s = condNode(b, r.conditions[j]!, s, node);
    node = s;
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Ranges of syscall numbers and the search tree

interface Leaf {
  readonly key: string;
  readonly node: () => Node;
  readonly allowed: boolean; // unconditional ALLOW
  readonly conditional: boolean;
}

interface Range {
  lo: number;
  hi: number;
  leaf: Leaf;
  weight: number;
}

function leafKey(d: SyscallDecision): string {
  if (d.kind === 'action') return `r${d.ret >>> 0}`;
  return `a${JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
}

function makeLeafFactory(b: Builder) {
  const cache = new Map<string, Leaf>();
  const retLeaf = (ret: number): Leaf => {
    const key = `r${ret >>> 0}`;
    let l = cache.get(key);
    if (!l) {
      l = { key, node: () => b.ret(ret), allowed: ret >>> 0 === SECCOMP_RET_ALLOW, conditional: false };
      cache.set(key, l);
    }
    return l;
  };
  const decisionLeaf = (d: SyscallDecision): Leaf => {
    if (d.kind === 'action') return retLeaf(d.ret);
    const key = leafKey(d);
    let l = cache.get(key);
    if (!l) {
      l = { key, node: () => decisionNode(b, d), allowed: false, conditional: true };
      cache.set(key, l);
    }
    return l;
  };
  return { retLeaf, decisionLeaf };
}

/** Append the ranges of [lo, hi] as judged by one ABI (or the bad-arch action). */
function abiRanges(
  out: Range[],
  lo: number,
  hi: number,
  abi: ResolvedArch | undefined,
  f: ResolvedFilter,
  leaves: ReturnType<typeof makeLeafFactory>,
): void {
  const push = (a: number, z: number, leaf: Leaf) => {
    if (a > z) return;
    const last = out[out.length - 1];
    if (last && last.leaf.key === leaf.key && last.hi + 1 === a) last.hi = z;
    else out.push({ lo: a, hi: z, leaf, weight: 0 });
  };
  if (!abi) {
    const minusOne = lo === X32_SYSCALL_BIT && f.machine === 'x86_64';
    push(lo, minusOne ? hi - 1 : hi, leaves.retLeaf(f.badArchRet));
    if (minusOne) push(hi, hi, leaves.retLeaf(f.defaultRet)); // nr -1: see evaluate.abiFor
    return;
  }
  const cutoff = Math.min(abi.cutoff ?? hi, hi);
  let cur = lo;
  const defLeaf = leaves.retLeaf(f.defaultRet);
  for (const [nr, d] of [...abi.decisions.entries()].sort((x, y) => x[0] - y[0])) {
    if (nr < lo || nr > cutoff) continue;
    push(cur, nr - 1, defLeaf);
    push(nr, nr, leaves.decisionLeaf(d));
    cur = nr + 1;
  }
  push(cur, cutoff, defLeaf);
  if (abi.cutoff !== undefined) push(Math.max(lo, abi.cutoff + 1), hi, leaves.retLeaf(ENOSYS_RET));
}

/** Weight each range by how often its numbers are expected: named, allowed syscalls count most. */
function weigh(ranges: Range[], abis: readonly ResolvedArch[]): void {
  for (const abi of abis) {
    for (const nr of ARCHES[abi.arch].syscalls.values()) {
      let lo = 0;
      let hi = ranges.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (ranges[mid]!.lo <= nr) lo = mid;
        else hi = mid - 1;
      }
      const r = ranges[lo]!;
      if (nr < r.lo || nr > r.hi) continue;
      r.weight += r.leaf.allowed || r.leaf.conditional ? (abi.arch === 'x86_64' || abi.arch === 'aarch64' ? 1 : 0.25) : 0.02;
    }
  }
  for (const r of ranges) r.weight += 0.001;
}

/** Build the search over `ranges[i..j]` (A holds nr) with at most `budget` comparisons on any path. */
function searchTree(b: Builder, ranges: readonly Range[], prefix: readonly number[], i: number, j: number, budget: number): Node {
  if (i === j) return ranges[i]!.leaf.node();
  const n = j - i + 1;
  if (budget <= 0 || n > 2 ** budget) throw new SeccompError('internal error: search tree budget exceeded');
  const cap = 2 ** (budget - 1);
  // Split before index k (left i..k-1, right k..j); both sides must fit in the remaining budget.
  const kMin = Math.max(i + 1, j + 1 - cap);
  const kMax = Math.min(j, i + cap);
  const total = prefix[j + 1]! - prefix[i]!;
  let best = kMin;
  let bestScore = Infinity;
  for (let k = kMin; k <= kMax; k++) {
    const left = prefix[k]! - prefix[i]!;
    const score = Math.abs(total / 2 - left);
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  const left = searchTree(b, ranges, prefix, i, best - 1, budget - 1);
  const right = searchTree(b, ranges, prefix, best, j, budget - 1);
  return b.jmp(BPF_JMP | BPF_JGE | BPF_K, ranges[best]!.lo, right, left);
}

/** Tree over all of [0, 2^32) for one audit arch. */
function archTree(b: Builder, f: ResolvedFilter, audit: number, leaves: ReturnType<typeof makeLeafFactory>): Node {
  const ranges: Range[] = [];
  const abis: ResolvedArch[] = [];
  if (audit === AUDIT_ARCH_X86_64 && f.machine === 'x86_64') {
    const native = f.arches.find((a) => a.arch === 'x86_64');
    const x32 = f.arches.find((a) => a.arch === 'x32');
    abiRanges(ranges, 0, X32_SYSCALL_BIT - 1, native, f, leaves);
    abiRanges(ranges, X32_SYSCALL_BIT, 0xffffffff, x32, f, leaves);
    if (native) abis.push(native);
    if (x32) abis.push(x32);
  } else {
    const abi = f.arches.find((a) => a.auditArch === audit && a.arch !== 'x32');
    abiRanges(ranges, 0, 0xffffffff, abi, f, leaves);
    if (abi) abis.push(abi);
  }
  weigh(ranges, abis);
  const prefix = [0];
  for (const r of ranges) prefix.push(prefix[prefix.length - 1]! + r.weight);
  const minDepth = Math.ceil(Math.log2(ranges.length));
  const budget = Math.max(minDepth, 9);
  return b.ld(SECCOMP_DATA_NR, searchTree(b, ranges, prefix, 0, ranges.length - 1, budget));
}

// ---------------------------------------------------------------------------------------------
// Layout

function layout(root: Node): Instruction[] {
  const rev: Instruction[] = []; // built back to front
  const pos = new Map<number, number>(); // node id → index in rev
  const here = () => rev.length; // index the next pushed instruction will get
  const ja = (target: number) => {
    const off = here() - target - 1;
    rev.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: off >>> 0 });
  };
  // Make sure `target` is the instruction right after the one about to be pushed.
  const fallTo = (target: number) => {
    if (here() - 1 !== target) ja(target);
  };
  const emit = (n: Node): number => {
    const seen = pos.get(n.id);
    if (seen !== undefined) return seen;
    switch (n.kind) {
      case 'ret':
        rev.push({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: n.k });
        break;
      case 'ld':
      case 'and': {
        const next = emit(n.next);
        fallTo(next);
        rev.push(
          n.kind === 'ld'
            ? { code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: n.k }
            : { code: BPF_ALU | BPF_AND | BPF_K, jt: 0, jf: 0, k: n.k },
        );
        break;
      }
      case 'jmp': {
        let f = emit(n.f);
        let t = emit(n.t);
        // Targets beyond 8-bit reach go through JA trampolines placed just after this jump;
        // adding one can push the other target out of reach, so repeat until both fit.
        for (;;) {
          if (here() - f - 1 > 255) {
            ja(f);
            f = here() - 1;
            continue;
          }
          if (here() - t - 1 > 255) {
            ja(t);
            t = here() - 1;
            continue;
          }
          break;
        }
        rev.push({ code: n.op, jt: here() - t - 1, jf: here() - f - 1, k: n.k });
        break;
      }
    }
    const p = rev.length - 1;
    pos.set(n.id, p);
    return p;
  };
  emit(root);
  return rev.reverse();
}

/** Emit the BPF program for a resolved filter. */
export function emitProgram(f: ResolvedFilter): Instruction[] {
  const b = new Builder();
  const leaves = makeLeafFactory(b);
  const audits: number[] = [];
  for (const a of f.arches) if (!audits.includes(a.auditArch)) audits.push(a.auditArch);
  // Native arch first: it is checked with the first comparison.
  let dispatch = b.ret(f.badArchRet);
  for (let i = audits.length - 1; i >= 0; i--) {
    dispatch = b.jmp(BPF_JMP | BPF_JEQ | BPF_K, audits[i]!, archTree(b, f, audits[i]!, leaves), dispatch);
  }
  const root = b.ld(SECCOMP_DATA_ARCH, dispatch);
  const prog = layout(root);
  if (prog.length > BPF_MAXINSNS) {
    throw new SeccompError(`compiled program has ${prog.length} instructions, more than the kernel's limit of ${BPF_MAXINSNS}`);
  }
  return prog;
}
