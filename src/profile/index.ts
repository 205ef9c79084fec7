/** Profile loading, validation, references, conditions, export and the built-in default. */
export * from './types.js';
export {
  parseJson,
  jsonNumberToBigInt,
  describeKind,
  type JsonValue,
  type JsonObject,
  type JsonArray,
  type JsonString,
  type JsonNumber,
  type JsonBoolean,
  type JsonNull,
  type JsonMember,
  type JsonPosition,
} from './json.js';
export {
  parseProfile,
  parseProfileWithWarnings,
  loadProfileFile,
  loadProfileFileWithWarnings,
  readProfileText,
  FILTER_ARCHES,
  UINT64_MAX,
  ERRNO_MAX,
  MAX_ARG_INDEX,
  type ParseOptions,
  type LoadedProfile,
} from './load.js';
export {
  parseKernelVersion,
  parseKernelRelease,
  kernelAtLeast,
  formatKernelVersion,
  type KernelVersion,
} from './kernel.js';
export {
  applyConditions,
  ruleApplies,
  selectArchitectures,
  runningKernelVersion,
  parseKernelOption,
  hasConditions,
  MACHINE_FILTER_ARCH,
  MACHINE_NATIVE_ARCH,
  type ConditionContext,
} from './conditions.js';
export {
  parseProfileReference,
  loadProfile,
  formatProfileReference,
  type ReferenceOptions,
  type LoadProfileOptions,
} from './reference.js';
export {
  defaultProfile,
  defaultProfileText,
  defaultProfilePath,
  CONTAINERD_DEFAULT_PROVENANCE,
  DEFAULT_PROFILE_SOURCE,
} from './default.js';
export { exportProfile, resolveProfile, EXPORT_MACHINES, type ExportOptions } from './export.js';
export {
  CAPABILITIES,
  CAP_LAST_CAP,
  DEFAULT_CAPABILITIES,
  normalizeCapability,
  capabilitySet,
  capabilityNumber,
  isCapabilityName,
  type CapabilityName,
  type CapabilitySetOptions,
} from '../capabilities.js';
