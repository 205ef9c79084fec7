/**
 * Resolving Docker's conditional rules (`includes` / `excludes`) and the architecture list
 * for one machine, capability set and kernel version, with the semantics of moby's
 * `setupSeccomp` (moby/profiles seccomp/seccomp_linux.go):
 *
 *  - `excludes.arches`: skip the rule when the machine's arch name is listed;
 *  - `excludes.caps`: skip the rule when ANY listed capability is held;
 *  - `excludes.minKernel`: skip the rule when the kernel is at least that version;
 *  - `includes.arches`: keep only when the machine's arch name is listed;
 *  - `includes.caps`: keep only when ALL listed capabilities are held;
 *  - `includes.minKernel`: keep only when the kernel is at least that version;
 *  - empty lists impose nothing.
 *
 * Arch names in filters are moby's Go-derived names, and a machine matches exactly one:
 * `x86_64` matches `amd64`, `aarch64` matches `arm64` — what a Docker daemon built for that
 * machine compares with. `x86`, `x32` and `arm` never match (a Docker daemon on x86_64 or
 * arm64 reports `amd64` / `arm64` even though the filter also covers the 32-bit ABIs).
 *
 * Architectures: with `archMap`, the entry whose `architecture` is the machine's native
 * one (`SCMP_ARCH_X86_64` / `SCMP_ARCH_AARCH64`) gives `[architecture, ...subArchitectures]`;
 * no such entry gives `[]` (runtimes then use the native arch only). With `architectures`,
 * the list as written.
 */
import { release } from 'node:os';
import { SeccompError } from '../errors.js';
import { normalizeCapability } from '../capabilities.js';
import type { MachineName } from '../arch/types.js';
import type { Profile, ProfileArch, SyscallRule, RuleFilter } from './types.js';
import { parseKernelRelease, parseKernelVersion, kernelAtLeast, formatKernelVersion, type KernelVersion } from './kernel.js';

/** The arch name a machine matches in `includes.arches` / `excludes.arches`. */
export const MACHINE_FILTER_ARCH: Readonly<Record<MachineName, string>> = {
  x86_64: 'amd64',
  aarch64: 'arm64',
};

/** The machine's native profile arch, looked up in `archMap`. */
export const MACHINE_NATIVE_ARCH: Readonly<Record<MachineName, ProfileArch>> = {
  x86_64: 'SCMP_ARCH_X86_64',
  aarch64: 'SCMP_ARCH_AARCH64',
};

/** What the conditions are evaluated against. */
export interface ConditionContext {
  readonly machine: MachineName;
  /** Held capabilities, any spelling (`SYS_ADMIN`, `cap_sys_admin`, `CAP_SYS_ADMIN`). */
  readonly capabilities: Iterable<string>;
  /** Kernel version `X.Y[.Z]`, or a release string such as `6.18.0-1-amd64`. */
  readonly kernel: string;
}

/** The running kernel's version `X.Y.Z` (or `X.Y`), from `os.release()`. */
export function runningKernelVersion(): string {
  const r = release();
  const v = parseKernelRelease(r);
  if (!v) throw new SeccompError(`cannot parse the running kernel's release ${JSON.stringify(r)}`);
  return formatKernelVersion(v);
}

/** Parse a kernel version option (`X.Y`, `X.Y.Z` or a release string). */
export function parseKernelOption(kernel: string): KernelVersion {
  const v = parseKernelVersion(kernel) ?? parseKernelRelease(kernel);
  if (!v) throw new SeccompError(`kernel: invalid kernel version ${JSON.stringify(kernel)} (expected "X.Y" or "X.Y.Z")`);
  return v;
}

/** The profile's architecture list for `machine` (see module comment). */
export function selectArchitectures(profile: Profile, machine: MachineName): ProfileArch[] {
  if (profile.archMap.length > 0) {
    const native = MACHINE_NATIVE_ARCH[machine];
    const entry = profile.archMap.find((e) => e.architecture === native);
    return entry ? [entry.architecture, ...entry.subArchitectures] : [];
  }
  return [...profile.architectures];
}

interface Resolved {
  readonly arch: string;
  readonly caps: ReadonlySet<string>;
  readonly kernel: KernelVersion;
}

function resolveContext(ctx: ConditionContext): Resolved {
  const arch = MACHINE_FILTER_ARCH[ctx.machine];
  if (arch === undefined) throw new SeccompError(`machine: unknown machine ${JSON.stringify(ctx.machine)} (expected x86_64 or aarch64)`);
  const caps = new Set<string>();
  for (const c of ctx.capabilities) caps.add(normalizeCapability(c, 'capabilities'));
  return { arch, caps, kernel: parseKernelOption(ctx.kernel) };
}

function minKernelOk(kernel: KernelVersion, min: string, origin: string): boolean {
  const v = parseKernelVersion(min);
  if (!v) throw new SeccompError(`${origin}: invalid minKernel ${JSON.stringify(min)}`);
  return kernelAtLeast(kernel, v);
}

function excluded(f: RuleFilter, r: Resolved, origin: string): boolean {
  if (f.arches.includes(r.arch)) return true;
  if (f.caps.some((c) => r.caps.has(c))) return true;
  if (f.minKernel !== undefined && minKernelOk(r.kernel, f.minKernel, origin)) return true;
  return false;
}

function included(f: RuleFilter, r: Resolved, origin: string): boolean {
  if (f.arches.length > 0 && !f.arches.includes(r.arch)) return false;
  if (!f.caps.every((c) => r.caps.has(c))) return false;
  if (f.minKernel !== undefined && !minKernelOk(r.kernel, f.minKernel, origin)) return false;
  return true;
}

/** True when `rule` survives its `includes` / `excludes` in context `ctx`. */
export function ruleApplies(rule: SyscallRule, ctx: ConditionContext): boolean {
  const r = resolveContext(ctx);
  return !excluded(rule.excludes, r, rule.origin) && included(rule.includes, r, rule.origin);
}

const NO_FILTER: RuleFilter = { caps: [], arches: [] };

/**
 * The profile as a runtime would see it on `ctx.machine` with `ctx.capabilities` on kernel
 * `ctx.kernel`: rules whose conditions fail removed, the others kept in order with empty
 * `includes` / `excludes`; `architectures` selected (see {@link selectArchitectures}) and
 * `archMap` emptied. Everything else is unchanged.
 */
export function applyConditions(profile: Profile, ctx: ConditionContext): Profile {
  const r = resolveContext(ctx);
  const syscalls = profile.syscalls
    .filter((rule) => !excluded(rule.excludes, r, rule.origin) && included(rule.includes, r, rule.origin))
    .map((rule) => ({ ...rule, includes: NO_FILTER, excludes: NO_FILTER }));
  return {
    ...profile,
    architectures: selectArchitectures(profile, ctx.machine),
    archMap: [],
    syscalls,
  };
}

/** True when the profile has any condition or an archMap (i.e. is Docker's extended form). */
export function hasConditions(profile: Profile): boolean {
  return (
    profile.archMap.length > 0 ||
    profile.syscalls.some(
      (s) =>
        s.includes.caps.length + s.includes.arches.length + s.excludes.caps.length + s.excludes.arches.length > 0 ||
        s.includes.minKernel !== undefined ||
        s.excludes.minKernel !== undefined,
    )
  );
}
