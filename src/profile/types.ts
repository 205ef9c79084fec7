/**
 * The OCI runtime-spec / Docker seccomp profile, as loaded and validated from JSON.
 * No kernel knowledge lives here: names are strings, arches are profile spellings.
 */

/** Profile action names (OCI `LinuxSeccompAction`). */
export const ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_LOG',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_NOTIFY',
] as const;
export type ActionName = (typeof ACTIONS)[number];

/** Argument comparison operators (OCI `LinuxSeccompOperator`). */
export const OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
export type OperatorName = (typeof OPERATORS)[number];

/** Architecture spellings accepted in `architectures` / `archMap` (libseccomp's names). */
export const PROFILE_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
] as const;
export type ProfileArch = (typeof PROFILE_ARCHES)[number];

/** Filter flags (OCI `LinuxSeccompFlag`). */
export const FILTER_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;
export type FilterFlag = (typeof FILTER_FLAGS)[number];

/** One argument condition: `args[index] op value` (`valueTwo` is the mask's partner for MASKED_EQ). */
export interface ArgCondition {
  readonly index: number;
  /** Unsigned 64-bit value. */
  readonly value: bigint;
  /** Unsigned 64-bit value; for MASKED_EQ `(arg & value) == valueTwo`. */
  readonly valueTwo: bigint;
  readonly op: OperatorName;
}

/** Docker's conditional include/exclude block. */
export interface RuleFilter {
  /** Capability names, canonical `CAP_*` spelling. */
  readonly caps: readonly string[];
  /** Arch spellings as the profile wrote them (Docker uses GOARCH names such as `amd64`, `arm64`). */
  readonly arches: readonly string[];
  /** Minimum kernel version, `X.Y` or `X.Y.Z`. */
  readonly minKernel?: string;
}

/** One entry of `syscalls`. */
export interface SyscallRule {
  readonly names: readonly string[];
  readonly action: ActionName;
  /** errno for SCMP_ACT_ERRNO, or the trace message data for SCMP_ACT_TRACE. */
  readonly errnoRet?: number;
  readonly args: readonly ArgCondition[];
  readonly comment?: string;
  readonly includes: RuleFilter;
  readonly excludes: RuleFilter;
  /** Where the rule came from, e.g. `profile.json:syscalls[12]`, for messages. */
  readonly origin: string;
}

/** An `archMap` entry. */
export interface ArchMapEntry {
  readonly architecture: ProfileArch;
  readonly subArchitectures: readonly ProfileArch[];
}

/** A loaded, validated seccomp profile. */
export interface Profile {
  readonly defaultAction: ActionName;
  readonly defaultErrnoRet?: number;
  readonly architectures: readonly ProfileArch[];
  readonly archMap: readonly ArchMapEntry[];
  readonly flags: readonly FilterFlag[];
  readonly listenerPath?: string;
  readonly listenerMetadata?: string;
  readonly syscalls: readonly SyscallRule[];
  /** Human-readable source, e.g. a file path or `runtime/default`. */
  readonly source: string;
}

/** A parsed profile reference as Kubernetes spells it. */
export type ProfileReference =
  | { readonly kind: 'runtime-default' }
  | { readonly kind: 'unconfined' }
  | { readonly kind: 'file'; readonly path: string };
