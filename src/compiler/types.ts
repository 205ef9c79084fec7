/** Public types of the profile compiler. */
import type { BpfProgram } from '../bpf/types.js';
import type { ArchName, MachineName } from '../arch/types.js';

/** Options for {@link compile}. */
export interface CompileOptions {
  /** Machine the program is for: `x86_64` (with x86 and x32) or `aarch64` (with arm). Default: the host's. */
  readonly machine?: MachineName;
  /**
   * Effective capabilities of the confined workload (`CAP_*` or bare names), which decide
   * Docker-style `includes.caps` / `excludes.caps`. Default: the container default set.
   */
  readonly capabilities?: Iterable<string>;
  /** Capabilities added to `capabilities` (or to the default set), Docker's `--cap-add`; `ALL` allowed. */
  readonly capAdd?: Iterable<string>;
  /** Capabilities removed, Docker's `--cap-drop`; `ALL` allowed. */
  readonly capDrop?: Iterable<string>;
  /** Kernel version for `minKernel` conditions, `X.Y[.Z]`. Default: the running kernel's. */
  readonly kernel?: string;
  /**
   * Argument comparison width. 32 (default): arguments the kernel declares 32-bit are compared
   * on their low half only; 64: every argument compared on 64 bits, as runc/libseccomp do.
   */
  readonly argWidth?: 32 | 64;
  /** Syscalls forced to ALLOW on top of the profile (names must be known on some arch). */
  readonly allow?: readonly string[];
  /** Syscalls forced to ERRNO on top of the profile (errno default EPERM). */
  readonly deny?: readonly { readonly name: string; readonly errno?: number }[];
  /** Replace the profile's default action. */
  readonly defaultAction?: string;
  /** Request SECCOMP_FILTER_FLAG_LOG in the returned flags. */
  readonly log?: boolean;
}

/** What a syscall number (and possibly its arguments) resolves to: a kernel return value. */
export interface ActionValue {
  /** Full 32-bit SECCOMP_RET_* value including data (errno). */
  readonly ret: number;
}

/** A compiled, verified filter. */
export interface CompiledFilter {
  readonly machine: MachineName;
  /** ABIs the program judges (others are killed). */
  readonly arches: readonly ArchName[];
  /** The BPF program, verified against the profile by the emulator. */
  readonly program: BpfProgram;
  /** SECCOMP_FILTER_FLAG_* bits to install with (TSYNC is the installer's business, not included). */
  readonly flags: number;
  /** Profile `listenerPath`, when the profile uses SCMP_ACT_NOTIFY. */
  readonly listenerPath?: string;
  /** Non-fatal findings, e.g. `no_such_call: unknown syscall name (…), skipped`. */
  readonly warnings: readonly string[];
  /** Summary numbers. */
  readonly stats: CompileStats;
}

/** Numbers describing a compiled program. */
export interface CompileStats {
  readonly instructions: number;
  /** Unconditionally allowed numbers the kernel's allow-cache can prove always allowed (native and compat ABIs). */
  readonly cacheableAllowed: number;
  /** Unconditionally allowed numbers on ABIs the kernel's allow-cache covers (x32 is not covered). */
  readonly cacheCandidates: number;
  /** Syscalls the profile allows unconditionally (over all arches). */
  readonly unconditionallyAllowed: number;
  /** Inputs (arch, nr, args) the emulator checked against the profile. */
  readonly verifiedInputs: number;
  /** Wall time of compile + verify, milliseconds. */
  readonly compileMs: number;
}
