/**
 * Writing profiles back as JSON text.
 *  - `docker`: Docker's extended form as loaded (`archMap`, `includes` / `excludes`, comments).
 *  - `oci`: plain runtime-spec `LinuxSeccomp` with every condition resolved, usable as a
 *    Kubernetes `Localhost` profile or `docker run --security-opt seccomp=FILE`.
 * Values are printed exactly (uint64 via bigint); output is tab-indented like Docker's files.
 */
import type { MachineName } from '../arch/types.js';
import { DEFAULT_CAPABILITIES } from '../capabilities.js';
import type { Profile, ProfileArch, SyscallRule, RuleFilter, ArgCondition } from './types.js';
import { applyConditions, ruleApplies, selectArchitectures, runningKernelVersion, type ConditionContext } from './conditions.js';

/** Options for {@link exportProfile}. */
export interface ExportOptions {
  /** `docker` (extended form, conditions kept) or `oci` (conditions resolved). */
  readonly format: 'oci' | 'docker';
  /** oci: resolve for this machine only. Default: both x86_64 and aarch64 (union of rules). */
  readonly machine?: MachineName;
  /** oci: capabilities held (any spelling). Default: the container default set. */
  readonly capabilities?: Iterable<string>;
  /** oci: kernel version `X.Y[.Z]` for `minKernel`. Default: the running kernel's. */
  readonly kernel?: string;
}

/** Machines an `oci` export covers when no machine is given. */
export const EXPORT_MACHINES: readonly MachineName[] = ['x86_64', 'aarch64'];

/**
 * The profile with conditions resolved as {@link exportProfile} `oci` does: for one machine,
 * {@link applyConditions}; for both, the rules kept on either machine (in profile order) and
 * the union of both machines' architectures (x86_64's first).
 */
export function resolveProfile(
  profile: Profile,
  opts: Omit<ExportOptions, 'format'> = {},
): Profile {
  const capabilities = [...(opts.capabilities ?? DEFAULT_CAPABILITIES)];
  const kernel = opts.kernel ?? runningKernelVersion();
  if (opts.machine !== undefined) return applyConditions(profile, { machine: opts.machine, capabilities, kernel });
  const contexts: ConditionContext[] = EXPORT_MACHINES.map((machine) => ({ machine, capabilities, kernel }));
  const architectures: ProfileArch[] = [];
  for (const m of EXPORT_MACHINES) {
    for (const a of selectArchitectures(profile, m)) if (!architectures.includes(a)) architectures.push(a);
  }
  const empty: RuleFilter = { caps: [], arches: [] };
  const syscalls = profile.syscalls
    .filter((rule) => contexts.some((ctx) => ruleApplies(rule, ctx)))
    .map((rule) => ({ ...rule, includes: empty, excludes: empty }));
  return { ...profile, architectures, archMap: [], syscalls };
}

/** The profile as JSON text in the requested format (ends with a newline). */
export function exportProfile(profile: Profile, opts: ExportOptions): string {
  if (opts.format === 'docker') return stringify(dockerObject(profile)) + '\n';
  const resolved = resolveProfile(profile, opts);
  return stringify(ociObject(resolved)) + '\n';
}

// ---------------------------------------------------------------------------------------

/** The JSON shapes the writer knows; `undefined` members are left out. */
type Out = string | number | bigint | boolean | readonly Out[] | { readonly [key: string]: Out | undefined };

function argObject(a: ArgCondition): Out {
  return {
    index: a.index,
    value: a.value,
    valueTwo: a.valueTwo !== 0n ? a.valueTwo : undefined,
    op: a.op,
  };
}

function filterObject(f: RuleFilter): Out | undefined {
  if (f.caps.length === 0 && f.arches.length === 0 && f.minKernel === undefined) return undefined;
  return {
    caps: f.caps.length > 0 ? f.caps : undefined,
    arches: f.arches.length > 0 ? f.arches : undefined,
    minKernel: f.minKernel,
  };
}

function ruleObject(r: SyscallRule, docker: boolean): Out {
  return {
    names: r.names,
    action: r.action,
    errnoRet: r.errnoRet,
    args: r.args.length > 0 ? r.args.map(argObject) : undefined,
    comment: docker ? r.comment : undefined,
    includes: docker ? filterObject(r.includes) : undefined,
    excludes: docker ? filterObject(r.excludes) : undefined,
  };
}

function common(p: Profile): { [key: string]: Out | undefined } {
  return {
    defaultAction: p.defaultAction,
    defaultErrnoRet: p.defaultErrnoRet,
  };
}

function tail(p: Profile, docker: boolean): { [key: string]: Out | undefined } {
  return {
    flags: p.flags.length > 0 ? p.flags : undefined,
    listenerPath: p.listenerPath,
    listenerMetadata: p.listenerMetadata,
    syscalls: p.syscalls.map((r) => ruleObject(r, docker)),
  };
}

function dockerObject(p: Profile): Out {
  return {
    ...common(p),
    architectures: p.architectures.length > 0 ? p.architectures : undefined,
    archMap:
      p.archMap.length > 0
        ? p.archMap.map((e) => ({ architecture: e.architecture, subArchitectures: e.subArchitectures }))
        : undefined,
    ...tail(p, true),
  };
}

function ociObject(p: Profile): Out {
  return {
    ...common(p),
    architectures: p.architectures.length > 0 ? p.architectures : undefined,
    ...tail(p, false),
  };
}

function stringify(v: Out, indent = ''): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as JSON`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const inner = indent + '\t';
  if (isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + stringify(x, inner)).join(',\n')}\n${indent}]`;
  }
  const members = Object.entries(v).filter((e): e is [string, Out] => e[1] !== undefined);
  if (members.length === 0) return '{}';
  return `{\n${members.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${stringify(x, inner)}`).join(',\n')}\n${indent}}`;
}

function isArray(v: Out): v is readonly Out[] {
  return Array.isArray(v);
}
