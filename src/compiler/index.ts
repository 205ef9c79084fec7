/**
 * The profile compiler: OCI / Docker seccomp profile → verified classic BPF for one machine.
 */
import type { Profile } from '../profile/types.js';
import type { MachineName } from '../arch/types.js';
import { hostMachine } from '../arch/index.js';
import { capabilitySet } from '../capabilities.js';
import { applyConditions, runningKernelVersion } from '../profile/conditions.js';
import {
  SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SECCOMP_RET_KILL_PROCESS,
} from '../bpf/seccomp.js';
import { SeccompError } from '../errors.js';
import type { CompileOptions, CompiledFilter } from './types.js';
import { resolveProfile, type ResolvedFilter } from './resolve.js';
import { emitProgram } from './emit.js';
import { verifyProgram } from './verify.js';

export type { CompileOptions, CompiledFilter, CompileStats } from './types.js';
export { describeRet, actionValue, parseActionSpec } from './actions.js';
export type { ResolvedFilter, ResolvedArch, SyscallDecision, ResolvedArgRule, ResolvedCondition } from './resolve.js';
export { evaluate } from './evaluate.js';

const FLAG_BITS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
};

/** The machine to compile for when none is given: the host's, else x86_64. */
export function defaultMachine(): MachineName {
  return hostMachine() ?? 'x86_64';
}

/**
 * Resolve a profile for a machine, capability set and kernel: the per-ABI decision table the
 * program is built from (and checked against). Exposed for `seccomp check` and tests.
 */
export function resolveFor(profile: Profile, options: CompileOptions = {}): ResolvedFilter {
  const machine = options.machine ?? defaultMachine();
  if (machine !== 'x86_64' && machine !== 'aarch64') {
    throw new SeccompError(`unknown machine "${String(machine)}" (expected x86_64 or aarch64)`);
  }
  const capabilities = capabilitySet({
    ...(options.capabilities !== undefined ? { base: options.capabilities } : {}),
    ...(options.capAdd !== undefined ? { add: options.capAdd } : {}),
    ...(options.capDrop !== undefined ? { drop: options.capDrop } : {}),
  });
  const kernel = options.kernel ?? runningKernelVersion();
  const argWidth = options.argWidth ?? 32;
  if (argWidth !== 32 && argWidth !== 64) throw new SeccompError(`arg width ${String(argWidth)}: expected 32 or 64`);
  const conditioned = applyConditions(profile, { machine, capabilities, kernel });
  return resolveProfile(conditioned, {
    machine,
    argWidth,
    badArchRet: SECCOMP_RET_KILL_PROCESS,
    ...(options.allow ? { allow: options.allow } : {}),
    ...(options.deny ? { deny: options.deny } : {}),
    ...(options.defaultAction !== undefined ? { defaultAction: options.defaultAction } : {}),
  });
}

/** Filter flags for a profile: its own, else SPEC_ALLOW as runc requests; LOG on demand. */
export function filterFlags(profile: Profile, log = false): number {
  let flags = 0;
  for (const f of profile.flags) {
    const bit = FLAG_BITS[f];
    if (bit === undefined) throw new SeccompError(`${profile.source}: flags: unknown flag "${f}"`);
    flags |= bit;
  }
  if (profile.flags.length === 0) flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (log) flags |= SECCOMP_FILTER_FLAG_LOG;
  // TSYNC is the installer's business (it decides thread scope).
  return flags & ~SECCOMP_FILTER_FLAG_TSYNC;
}

/**
 * Compile a profile to a classic BPF program for one machine. The program is checked by the
 * emulator against the profile on every syscall number of every ABI and on the boundary values
 * of every argument rule before it is returned.
 *
 * @throws SeccompError for bad options, an over-long program, or a verification failure.
 */
export function compile(profile: Profile, options: CompileOptions = {}): CompiledFilter {
  return compileResolved(profile, options).filter;
}

/**
 * {@link compile}, also returning the decision table the program was built from and verified
 * against (what `seccomp check` and `seccomp syscalls` explain), so it is not resolved twice.
 */
export function compileResolved(profile: Profile, options: CompileOptions = {}): { filter: CompiledFilter; resolved: ResolvedFilter } {
  const t0 = performance.now();
  const resolved = resolveFor(profile, options);
  const program = emitProgram(resolved);
  const v = verifyProgram(program, resolved);
  const compileMs = performance.now() - t0;
  const filter: CompiledFilter = {
    machine: resolved.machine,
    arches: resolved.arches.map((a) => a.arch),
    program,
    flags: filterFlags(profile, options.log ?? false),
    ...(profile.listenerPath !== undefined ? { listenerPath: profile.listenerPath } : {}),
    warnings: resolved.warnings,
    stats: {
      instructions: program.length,
      cacheableAllowed: v.cacheableAllowed,
      cacheCandidates: v.cacheCandidates,
      unconditionallyAllowed: v.unconditionallyAllowed,
      verifiedInputs: v.checked,
      compileMs,
    },
  };
  return { filter, resolved };
}
