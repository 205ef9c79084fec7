/**
 * Turning profiles into what runc receives, for the libseccomp differential tests:
 * - `resolveDockerProfile`: an independent transcription of moby's setupSeccomp filtering
 *   (archMap, includes/excludes by arch, capabilities, minKernel) followed by runc's action
 *   mapping (KILL → KILL_THREAD, ERRNO/TRACE default data EPERM);
 * - `randomProfiles`: seeded random profiles in the same JSON shape.
 */
import type { LsArch, Machine, OpName, PlainArg, PlainProfile, PlainRule } from './harness.js';

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DOCKER_DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
  'CAP_AUDIT_WRITE',
] as const;

/** JSON shape of a Docker/OCI seccomp profile (only the fields used here). */
export interface ProfileJson {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: {
    name?: string;
    names?: string[];
    action: string;
    errnoRet?: number;
    args?: { index: number; value: number | string; valueTwo?: number | string; op: string }[] | null;
    includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
    excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  }[];
}

const EPERM = 1;

/** runc's getAction: profile action → SECCOMP_RET_* value. */
export function runcAction(action: string, errnoRet: number | undefined): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return 0;
    case 'SCMP_ACT_KILL_PROCESS': return 0x80000000;
    case 'SCMP_ACT_TRAP': return 0x00030000;
    case 'SCMP_ACT_ERRNO': return (0x00050000 | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE': return (0x7ff00000 | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG': return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW': return 0x7fff0000;
    case 'SCMP_ACT_NOTIFY': return 0x7fc00000;
    default: throw new Error(`unknown action ${action}`);
  }
}

const GOARCH: Record<Machine, string> = { x86_64: 'amd64', aarch64: 'arm64' };
const NATIVE_SCMP: Record<Machine, string> = { x86_64: 'SCMP_ARCH_X86_64', aarch64: 'SCMP_ARCH_AARCH64' };
const FAMILY: Record<Machine, readonly LsArch[]> = { x86_64: ['x86_64', 'x86', 'x32'], aarch64: ['aarch64', 'arm'] };
const SCMP_TO_LS: Record<string, LsArch> = {
  SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'x86', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'aarch64', SCMP_ARCH_ARM: 'arm',
};

function kernelAtLeast(kernel: string, min: string): boolean {
  const [ka = 0, kb = 0] = kernel.split('.').map(Number);
  const [ma = 0, mb = 0] = min.split('.').map(Number);
  return ka > ma || (ka === ma && kb >= mb);
}

function normCap(c: string): string {
  const u = c.toUpperCase();
  return u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** Options of a resolution: what runc/moby would see on the host. */
export interface ResolveOptions {
  readonly machine: Machine;
  /** Bounding/effective capabilities, `CAP_*`. */
  readonly capabilities: readonly string[];
  /** Kernel version `X.Y[.Z]` (moby compares X.Y only). */
  readonly kernel: string;
}

/**
 * moby's setupSeccomp + runc's config conversion. Architectures outside the machine's family
 * (e.g. SCMP_ARCH_MIPS in a flat `architectures` list) are dropped: we only compile for the family.
 */
export function resolveDockerProfile(p: ProfileJson, o: ResolveOptions): PlainProfile {
  const caps = new Set(o.capabilities.map(normCap));
  const goarch = GOARCH[o.machine];
  let arches: string[] = [...(p.architectures ?? [])];
  if (p.archMap && p.archMap.length > 0) {
    const entry = p.archMap.find((a) => a.architecture === NATIVE_SCMP[o.machine]);
    arches = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
  }
  const lsArches = arches.map((a) => SCMP_TO_LS[a]).filter((a): a is LsArch => a !== undefined && FAMILY[o.machine].includes(a));
  const rules: PlainRule[] = [];
  for (const call of p.syscalls ?? []) {
    const names = call.name ? [call.name] : call.names ?? [];
    const ex = call.excludes ?? {};
    const inc = call.includes ?? {};
    if (ex.arches?.includes(goarch)) continue;
    if (ex.caps?.some((c) => caps.has(normCap(c)))) continue;
    if (ex.minKernel && kernelAtLeast(o.kernel, ex.minKernel)) continue;
    if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(goarch)) continue;
    if (inc.caps && inc.caps.length > 0 && !inc.caps.every((c) => caps.has(normCap(c)))) continue;
    if (inc.minKernel && !kernelAtLeast(o.kernel, inc.minKernel)) continue;
    const action = runcAction(call.action, call.errnoRet);
    const args: PlainArg[] = (call.args ?? []).map((a) => ({
      index: a.index,
      op: a.op as OpName,
      value: BigInt(a.value),
      valueTwo: BigInt(a.valueTwo ?? 0),
    }));
    for (const name of names) rules.push({ name, action, args });
  }
  return {
    machine: o.machine,
    defaultAction: runcAction(p.defaultAction, p.defaultErrnoRet),
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    arches: lsArches,
    rules,
  };
}

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANDOM_ACTIONS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'] as const;
const RANDOM_OPS: readonly OpName[] = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];

/**
 * `count` random Docker-shaped profiles for a machine. Names come from `names` (typically the
 * union of the machine's arch tables, including x86 socket names and a few unknown ones); the
 * same names are reused so that several rules hit one syscall.
 */
export function randomProfiles(seed: number, count: number, machine: Machine, names: readonly string[]): ProfileJson[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number): number => Math.floor(r() * n);
  const small = [0n, 1n, 2n, 3n, 5n, 8n, 0x10n, 0x40n, 0x7fffffffn, 0x80000000n, 0xffffffffn];
  const value = (): bigint => {
    const lo = r() < 0.6 ? pick(small) : BigInt(int(0x100000000));
    const k = r();
    const hi = k < 0.6 ? 0n : k < 0.75 ? 1n : k < 0.9 ? 0xffffffffn : BigInt(int(0x100000000));
    return (hi << 32n) | lo;
  };
  const out: ProfileJson[] = [];
  for (let i = 0; i < count; i++) {
    // A small pool per profile makes overlapping rules for one syscall common.
    const pool = Array.from({ length: 3 + int(12) }, () => pick(names));
    const defaultAction = r() < 0.5 ? 'SCMP_ACT_ERRNO' : pick(RANDOM_ACTIONS);
    const syscalls: NonNullable<ProfileJson['syscalls']> = [];
    const nrules = 1 + int(r() < 0.15 ? 40 : 10);
    for (let j = 0; j < nrules; j++) {
      const action = pick(RANDOM_ACTIONS);
      const ncond = r() < 0.35 ? 0 : 1 + int(3);
      const args: NonNullable<NonNullable<ProfileJson['syscalls']>[number]['args']> = [];
      for (let c = 0; c < ncond; c++) {
        const op = pick(RANDOM_OPS);
        // Reuse an earlier index now and then: runc then splits the rule into one rule per condition.
        const index = c > 0 && r() < 0.3 ? args[int(args.length)]!.index : int(6);
        const v = value();
        const v2 = op === 'SCMP_CMP_MASKED_EQ' ? (r() < 0.5 ? v & value() : value()) : 0n;
        args.push({ index, op, value: v.toString(), valueTwo: v2.toString() });
      }
      const errno = action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE' ? (r() < 0.3 ? undefined : 1 + int(133)) : undefined;
      const n = 1 + int(3);
      syscalls.push({
        names: Array.from({ length: n }, () => pick(pool)),
        action,
        ...(errno !== undefined ? { errnoRet: errno } : {}),
        args,
      });
    }
    const archesX86: string[][] = [['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], ['SCMP_ARCH_X86_64'], ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']];
    const archesArm: string[][] = [['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'], ['SCMP_ARCH_AARCH64']];
    out.push({
      defaultAction,
      ...(defaultAction === 'SCMP_ACT_ERRNO' && r() < 0.5 ? { defaultErrnoRet: 1 + int(133) } : {}),
      architectures: pick(machine === 'x86_64' ? archesX86 : archesArm),
      syscalls,
    });
  }
  return out;
}

/** JSON text of a profile, with 64-bit argument values written as plain JSON numbers. */
export function profileText(p: ProfileJson): string {
  return JSON.stringify(p, null, 1).replace(/"(value|valueTwo)": "(\d+)"/g, '"$1": $2');
}
