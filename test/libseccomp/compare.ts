/**
 * The comparison behind test/libseccomp.test.ts: what runc would load (runc's ENOSYS stub in
 * front of libseccomp's program) against our program, input by input, with every difference
 * sorted into a documented category or reported as unexpected.
 */
import type { BpfProgram, SeccompData } from '../../src/bpf/types.js';
import { accumulatorHazards, runBpf } from './bpf.js';
import type { LibseccompResult, LsArch, PlainProfile } from './harness.js';
import { AUDIT, LIBSECCOMP_QUIRKS, Model, PLAIN, X32_BIT, X86_IPC_NR, X86_SOCKETCALL_NR, filterArches, inputs, type Quirks, type Tables } from './model.js';

export const ENOSYS_RET = (0x50000 | 38) >>> 0;
const KILLS = new Set([0, 0x80000000]);

/**
 * runc's patchbpf ENOSYS stub, which runs before libseccomp's program: per arch in the filter,
 * numbers above the largest number the profile names return ERRNO(ENOSYS). Not added when the
 * default action is ALLOW/LOG/TRACE or defaultErrnoRet is ENOSYS; arches whose profile names
 * none of their syscalls get no check. On x86_64 with x32 the x32 bit picks the bound; without
 * x32 (or with no x32 names) the x86_64 bound applies to every number, x32 ones included.
 */
export function runcStub(p: PlainProfile, max: ReadonlyMap<LsArch, number>, d: SeccompData): number | undefined {
  const act = (p.defaultAction & 0xffff0000) >>> 0;
  if (p.defaultErrnoRet === 38) return undefined;
  if (act === 0x7fff0000 || act === 0x7ffc0000 || act === 0x7ff00000) return undefined;
  const arches = filterArches(p);
  const arch = d.arch >>> 0;
  const nr = d.nr >>> 0;
  const bound = (a: LsArch): number | undefined => (arches.includes(a) && (max.get(a) ?? 0) > 0 ? max.get(a) : undefined);
  if (arch === AUDIT.x86_64) {
    const m64 = bound('x86_64');
    const m32 = bound('x32');
    if (m64 !== undefined && m32 !== undefined) return nr > ((nr & X32_BIT) !== 0 ? m32 : m64) ? ENOSYS_RET : undefined;
    const m = m64 ?? m32;
    return m !== undefined && nr > m ? ENOSYS_RET : undefined;
  }
  for (const a of arches) {
    if (a === 'x86_64' || a === 'x32' || AUDIT[a] !== arch) continue;
    const m = bound(a);
    return m !== undefined && nr > m ? ENOSYS_RET : undefined;
  }
  return undefined;
}

/** Categories of differences that are understood and documented in the test file. */
export type Category =
  | 'bad-arch kill flavour'
  | 'libseccomp codegen bug'
  | 'x32 compared on low halves (libseccomp)'
  | '32-bit ABI value truncated (libseccomp)'
  | 'MASKED_EQ datum masked (libseccomp)'
  | 'x86 socketcall/ipc multiplexer'
  | 'unverifiable (conflict in a profile libseccomp miscompiles)'
  | 'argWidth 32 (high halves)'
  | 'syscall unknown to libseccomp 2.6.0'
  | 'runc stub: ENOSYS for x32-range numbers / nr -1 when x32 is not in the filter';

export interface Difference {
  readonly category: Category | 'UNEXPECTED';
  readonly detail: string;
}

export interface CompareResult {
  readonly inputs: number;
  readonly equal: number;
  readonly counts: Map<string, number>;
  readonly unexpected: string[];
  readonly examples: Map<string, string>;
}

const hex = (n: number | undefined): string => (n === undefined ? 'undecided' : '0x' + (n >>> 0).toString(16));

function describeInput(d: SeccompData): string {
  const args = (d.args ?? []).map((a) => '0x' + a.toString(16)).join(',');
  return `arch=0x${(d.arch >>> 0).toString(16)} nr=0x${(d.nr >>> 0).toString(16)} args=[${args}]`;
}

function quirkName(m: Model, d: SeccompData, stub: number | undefined, plain: number | undefined): Category | undefined {
  const only = (q: Quirks): number | undefined => stub ?? m.evaluate(d, q);
  const abi = m.abiOf(d);
  const trunc: Category = abi === 'x32' ? 'x32 compared on low halves (libseccomp)' : '32-bit ABI value truncated (libseccomp)';
  if (only({ trunc32: true }) !== plain) return trunc;
  if (only({ maskDatum: true }) !== plain) return 'MASKED_EQ datum masked (libseccomp)';
  // Only both together differ (e.g. a MASKED_EQ whose truncated datum leaves the truncated mask).
  if (only(LIBSECCOMP_QUIRKS) !== plain) return abi === 'x32' || abi === 'x86' || abi === 'arm' ? trunc : 'MASKED_EQ datum masked (libseccomp)';
  return undefined;
}

/**
 * Compare runc's filter (stub + libseccomp program) with ours on every input of the profile.
 * `restrict` limits the inputs that must agree (others that differ are counted under
 * `otherwise`).
 */
export function compareWithRunc(
  label: string,
  p: PlainProfile,
  lib: LibseccompResult,
  ours: BpfProgram,
  tables: Tables,
  restrict?: { readonly test: (d: SeccompData, m: Model) => boolean; readonly otherwise: Category },
): CompareResult {
  if (!lib.program) throw new Error(`${label}: libseccomp rejected the profile`);
  const m = new Model(p, tables);
  const knownNumbers = new Map([...tables].map(([a, t]) => [a, new Set(t.values())]));
  const counts = new Map<string, number>();
  const examples = new Map<string, string>();
  const unexpected: string[] = [];
  let n = 0;
  let equal = 0;
  const rows: { d: SeccompData; runc: number; our: number; stub: number | undefined; hazard: boolean }[] = [];
  const hazards = accumulatorHazards(lib.program, Object.values(AUDIT));
  let libBuggy = hazards.size > 0;
  for (const d of inputs(m, tables)) {
    n++;
    const stub = runcStub(p, lib.max, d);
    const run = stub === undefined ? runBpf(lib.program, d, hazards) : undefined;
    const runc = stub ?? run!.ret;
    const hazard = run?.hazard === true;
    const our = runBpf(ours, d).ret;
    const quirk = stub ?? m.evaluate(d, LIBSECCOMP_QUIRKS);
    if (quirk !== undefined && quirk !== runc) libBuggy = true;
    if (runc === our) {
      equal++;
      const plain = stub ?? m.evaluate(d, PLAIN);
      if (plain !== undefined && plain !== our) {
        const c = 'ours follows libseccomp where the profile says otherwise';
        counts.set(c, (counts.get(c) ?? 0) + 1);
        if (!examples.has(c)) examples.set(c, `${label}: ${describeInput(d)} runc=ours=${hex(our)} plain=${hex(plain)}`);
      }
      continue;
    }
    rows.push({ d, runc, our, stub, hazard });
  }
  const count = (c: string, detail: string): void => {
    counts.set(c, (counts.get(c) ?? 0) + 1);
    if (!examples.has(c)) examples.set(c, detail);
  };
  for (const { d, runc, our, stub, hazard } of rows) {
    const abi = m.abiOf(d);
    const plain = stub ?? m.evaluate(d, PLAIN);
    const quirk = stub ?? m.evaluate(d, LIBSECCOMP_QUIRKS);
    const rules = abi === 'badarch' || abi === 'nr-1' ? undefined : m.rules.get(abi as LsArch)?.get(d.nr >>> 0);
    const detail = `${label}: ${describeInput(d)} runc=${hex(runc)} ours=${hex(our)} plain=${hex(plain)} libseccomp-model=${hex(quirk)} rules=${JSON.stringify(rules ?? [], (_k, v: unknown) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v))}`;
    if (restrict && !restrict.test(d, m)) { count(restrict.otherwise, detail); continue; }
    if (abi === 'badarch' && KILLS.has(runc) && KILLS.has(our)) { count('bad-arch kill flavour', detail); continue; }
    if ((abi === 'badarch' || abi === 'nr-1') && stub === ENOSYS_RET && (d.arch >>> 0) === AUDIT.x86_64) {
      count('runc stub: ENOSYS for x32-range numbers / nr -1 when x32 is not in the filter', detail);
      continue;
    }
    if (abi === 'x86' && (d.nr === X86_SOCKETCALL_NR || d.nr === X86_IPC_NR)) { count('x86 socketcall/ipc multiplexer', detail); continue; }
    if (abi !== 'badarch' && abi !== 'nr-1' && !knownNumbers.get(abi)!.has(d.nr >>> 0)) { count('syscall unknown to libseccomp 2.6.0', detail); continue; }
    if (hazard || (quirk !== undefined && quirk !== runc)) {
      // libseccomp's program contradicts its own rule semantics: the profile's meaning wins.
      if (plain === undefined || plain === our) count('libseccomp codegen bug', detail);
      else { count('UNEXPECTED', detail); unexpected.push(detail); }
      continue;
    }
    if (plain !== undefined && plain !== quirk && plain === our) {
      const q = quirkName(m, d, stub, plain);
      if (q) { count(q, detail); continue; }
    }
    if (plain === undefined && quirk !== undefined) {
      // libseccomp's reading (truncation / masked datum) removes a conflict the profile has:
      // the difference comes from that reading; which rule wins in the profile's terms is ours to say.
      const q = quirkName(m, d, stub, plain);
      if (q) { count(q, detail); continue; }
    }
    if (plain === undefined && (abi === 'x32' || abi === 'x86' || abi === 'arm') &&
      ((d.args ?? []).some((a) => a >> 32n !== 0n) || (rules ?? []).some((r) => r.args.some((c) => c.value >> 32n !== 0n || c.valueTwo >> 32n !== 0n)))) {
      // A conflict judged by libseccomp on truncated values and by us on 64-bit ones.
      count(abi === 'x32' ? 'x32 compared on low halves (libseccomp)' : '32-bit ABI value truncated (libseccomp)', detail);
      continue;
    }
    if (plain === undefined && (rules ?? []).some((r) => r.args.some((c) => c.op === 'SCMP_CMP_MASKED_EQ' && (c.valueTwo & ~c.value & ((1n << 64n) - 1n)) !== 0n))) {
      // A conflict among rules one of which libseccomp reads with a masked datum.
      count('MASKED_EQ datum masked (libseccomp)', detail);
      continue;
    }
    if (plain === undefined && libBuggy) { count('unverifiable (conflict in a profile libseccomp miscompiles)', detail); continue; }
    count('UNEXPECTED', detail);
    unexpected.push(detail);
  }
  return { inputs: n, equal, counts, unexpected, examples };
}
