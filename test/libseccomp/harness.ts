/**
 * Drives test/libseccomp/build_filter.c: fetches libseccomp 2.6.0 (scripts/get-libseccomp.mjs),
 * compiles the harness against its static library, and turns resolved plain profiles into the
 * BPF runc would load (minus runc's ENOSYS stub, see the test file).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Instruction } from '../../src/bpf/types.js';
import { decodeBpfHex } from './bpf.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(ROOT, '.cache', 'libseccomp');
const SOURCE = join(ROOT, 'test', 'libseccomp', 'build_filter.c');

/** libseccomp's arch names for the ABIs we compile for. */
export type LsArch = 'x86_64' | 'x86' | 'x32' | 'aarch64' | 'arm';
export type Machine = 'x86_64' | 'aarch64';

/** SCMP_CMP_* numbering of libseccomp. */
export const OP_NUMBERS = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
} as const;
export type OpName = keyof typeof OP_NUMBERS;

/** One argument condition of a resolved rule. */
export interface PlainArg {
  readonly index: number;
  readonly op: OpName;
  readonly value: bigint;
  readonly valueTwo: bigint;
}

/** One resolved rule for one name (runc's configs.Syscall). */
export interface PlainRule {
  readonly name: string;
  /** Full SECCOMP_RET_* value including errno/trace data. */
  readonly action: number;
  readonly args: readonly PlainArg[];
}

/** A profile after includes/excludes, arch selection and action mapping: what runc receives. */
export interface PlainProfile {
  readonly machine: Machine;
  readonly defaultAction: number;
  /** The profile's `defaultErrnoRet` as given (runc adds no ENOSYS stub when it is ENOSYS). */
  readonly defaultErrnoRet?: number;
  /** config.Architectures as libseccomp names (the native one may be absent: runc adds it). */
  readonly arches: readonly LsArch[];
  readonly rules: readonly PlainRule[];
  /**
   * Force libseccomp's optimisation level (1: priority-ordered list, 2: binary tree). Absent:
   * runc's choice, 2 when there are more than 32 rules, else libseccomp's default (1).
   */
  readonly optimize?: 1 | 2;
}

/** What libseccomp (as runc drives it) made of a profile. */
export interface LibseccompResult {
  /** Rules not added: `name default|unknown`. */
  readonly skipped: readonly string[];
  /** Set when libseccomp refused a rule: runc fails to start the container. */
  readonly rejected?: { readonly name: string; readonly errno: number };
  /** runc's ENOSYS-stub bound per arch (largest number named by the profile). */
  readonly max: ReadonlyMap<LsArch, number>;
  /** The exported program (absent when rejected). */
  readonly program?: Instruction[];
}

let binPath: string | undefined;

/**
 * Make sure libseccomp is downloaded and the harness is built; returns the harness path.
 * Throws when the environment cannot provide it (no apt-get/dpkg/gcc).
 */
export function ensureHarness(): string {
  if (binPath) return binPath;
  const info = JSON.parse(
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'get-libseccomp.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  ) as { lib: string; include: string; version: string };
  const archive = join(dirname(info.lib), 'libseccomp.a');
  const hash = createHash('sha256').update(readFileSync(SOURCE)).update(info.version).digest('hex').slice(0, 12);
  const bin = join(CACHE, 'bin', `build_filter-${hash}`);
  if (!existsSync(bin)) {
    mkdirSync(dirname(bin), { recursive: true });
    execFileSync('gcc', ['-O1', '-Wall', '-Wextra', '-Werror', `-I${info.include}`, '-o', bin, SOURCE, archive], { stdio: 'inherit' });
  }
  binPath = bin;
  return bin;
}

const u64 = (v: bigint): string => BigInt.asUintN(64, v).toString();

function serialise(p: PlainProfile, id: number): string {
  const lines = [`profile ${id} ${p.machine} ${(p.defaultAction >>> 0).toString(16)}`];
  for (const a of p.arches) lines.push(`arch ${a}`);
  if (p.optimize !== undefined) lines.push(`optimize ${p.optimize}`);
  for (const r of p.rules) {
    if (!/^[A-Za-z0-9_]{1,63}$/.test(r.name)) throw new Error(`syscall name "${r.name}" cannot be passed to the harness`);
    const conds = r.args.map((c) => `${c.index} ${OP_NUMBERS[c.op]} ${u64(c.value)} ${u64(c.valueTwo)}`);
    lines.push(`rule ${r.name} ${(r.action >>> 0).toString(16)} ${r.args.length} ${conds.join(' ')}`.trimEnd());
  }
  lines.push('end');
  return lines.join('\n') + '\n';
}

/** Build every profile with libseccomp in one harness run. */
export function buildWithLibseccomp(profiles: readonly PlainProfile[]): LibseccompResult[] {
  const bin = ensureHarness();
  const input = profiles.map(serialise).join('');
  const r = spawnSync(bin, [], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`build_filter failed (${r.status}): ${r.stderr}`);
  const out: LibseccompResult[] = [];
  let cur: { skipped: string[]; rejected?: { name: string; errno: number }; max: Map<LsArch, number>; program?: Instruction[] } | undefined;
  for (const line of r.stdout.split('\n')) {
    const [kw, a, b] = line.split(' ');
    if (kw === 'profile') cur = { skipped: [], max: new Map() };
    else if (!cur) continue;
    else if (kw === 'skip') cur.skipped.push(`${a} ${b}`);
    else if (kw === 'rejected') cur.rejected = { name: a!, errno: Number(b) };
    else if (kw === 'max') cur.max.set(a as LsArch, Number(b));
    else if (kw === 'bpf') cur.program = decodeBpfHex(a ?? '');
    else if (kw === 'end') { out.push(cur); cur = undefined; }
  }
  if (out.length !== profiles.length) throw new Error(`build_filter answered ${out.length} of ${profiles.length} profiles`);
  return out;
}

/** libseccomp 2.6.0's syscall tables: arch → name → number as seen in seccomp_data.nr. */
export function libseccompTables(): Map<LsArch, Map<string, number>> {
  const out = execFileSync(ensureHarness(), ['tables'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const tables = new Map<LsArch, Map<string, number>>();
  for (const line of out.split('\n')) {
    const [arch, nr, name] = line.split(' ');
    if (!arch || !nr || !name) continue;
    let t = tables.get(arch as LsArch);
    if (!t) tables.set(arch as LsArch, (t = new Map()));
    t.set(name, Number(nr));
  }
  return tables;
}
