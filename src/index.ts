/**
 * seccomp-exec: confine processes with Linux seccomp-BPF.
 *
 * - {@link compile}: OCI / Docker seccomp profile → verified classic BPF (x86_64 with x86/x32,
 *   aarch64 with arm), on any host.
 * - {@link loadProfile} / {@link defaultProfile}: profile references as Kubernetes spells them
 *   (`runtime/default`, `localhost/<path>`, `unconfined`, a path); the built-in profile is
 *   containerd's `DefaultProfile`.
 * - {@link apply}: confine the current process (all threads, or the current one).
 * - {@link spawn} / {@link execFile}: start a child confined before its first instruction.
 * - {@link confinedWorker}: a worker thread confined before user code runs.
 * - {@link status} / {@link actionAvailable}: what the kernel says.
 *
 * Importing this module never loads the native add-on; only installing a filter does.
 */
export { compile, resolveFor, filterFlags, defaultMachine, describeRet, evaluate } from './compiler/index.js';
export type {
  CompileOptions, CompiledFilter, CompileStats, ResolvedFilter, ResolvedArch, SyscallDecision, ResolvedArgRule,
  ResolvedCondition,
} from './compiler/index.js';
export {
  loadProfile, loadProfileFile, parseProfile, parseProfileWithWarnings, parseProfileReference, defaultProfile,
  defaultProfileText, exportProfile, applyConditions, CONTAINERD_DEFAULT_PROVENANCE, DEFAULT_CAPABILITIES,
  CAPABILITIES, capabilitySet, normalizeCapability,
} from './profile/index.js';
export type {
  Profile, ProfileReference, SyscallRule, ArgCondition, RuleFilter, ArchMapEntry, ActionName, OperatorName,
  ProfileArch, FilterFlag, CapabilityName, CapabilitySetOptions, ExportOptions, LoadProfileOptions, ParseOptions,
  LoadedProfile,
} from './profile/index.js';
export { ARCHES, MACHINES, syscallNumber, syscallName, hostMachine } from './arch/index.js';
export type { ArchName, MachineName, ArchInfo } from './arch/types.js';
export {
  disassemble, toRaw, fromRaw, toJson, fromJson, toC, runProgram, prepareProgram, validateProgram, isConstAllow,
  BpfError,
} from './bpf/index.js';
export type { Instruction, BpfProgram, SeccompData, RunResult, PreparedProgram } from './bpf/index.js';
export { apply, applySync } from './apply.js';
export type { ApplyOptions, ApplyResult, ApplyTarget } from './apply.js';
export { status, actionAvailable } from './status.js';
export type { SeccompStatus, SeccompMode } from './status.js';
export { SeccompError } from './errors.js';
export { NativeUnavailableError, SyscallError } from './native/index.js';
export {
  spawn, execFile, prepareSpawnFilter, clearSpawnCache, findLauncher, locateLauncher, launcherCandidates,
  ConfinementError, LAUNCHER_NAME,
} from './spawn.js';
export type {
  SeccompConfig, SeccompSetting, ConfinedSpawnOptions, PreparedSpawnFilter, LaunchStage, ConfinedExecFileOptions,
  ConfinedExecFileResult, ConfinedExecFileError, LauncherLookup,
} from './spawn.js';
export { confinedWorker } from './worker.js';
export type { ConfinedWorkerOptions } from './worker.js';
