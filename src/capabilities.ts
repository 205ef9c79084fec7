/**
 * Linux capabilities: names and numbers (include/uapi/linux/capability.h), spelling
 * normalisation, the container default set and Docker's `--cap-add` / `--cap-drop` rules.
 */
import { SeccompError } from './errors.js';

/** Every capability the kernel defines, indexed by its number (CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40). */
export const CAPABILITIES = [
  'CAP_CHOWN', // 0
  'CAP_DAC_OVERRIDE', // 1
  'CAP_DAC_READ_SEARCH', // 2
  'CAP_FOWNER', // 3
  'CAP_FSETID', // 4
  'CAP_KILL', // 5
  'CAP_SETGID', // 6
  'CAP_SETUID', // 7
  'CAP_SETPCAP', // 8
  'CAP_LINUX_IMMUTABLE', // 9
  'CAP_NET_BIND_SERVICE', // 10
  'CAP_NET_BROADCAST', // 11
  'CAP_NET_ADMIN', // 12
  'CAP_NET_RAW', // 13
  'CAP_IPC_LOCK', // 14
  'CAP_IPC_OWNER', // 15
  'CAP_SYS_MODULE', // 16
  'CAP_SYS_RAWIO', // 17
  'CAP_SYS_CHROOT', // 18
  'CAP_SYS_PTRACE', // 19
  'CAP_SYS_PACCT', // 20
  'CAP_SYS_ADMIN', // 21
  'CAP_SYS_BOOT', // 22
  'CAP_SYS_NICE', // 23
  'CAP_SYS_RESOURCE', // 24
  'CAP_SYS_TIME', // 25
  'CAP_SYS_TTY_CONFIG', // 26
  'CAP_MKNOD', // 27
  'CAP_LEASE', // 28
  'CAP_AUDIT_WRITE', // 29
  'CAP_AUDIT_CONTROL', // 30
  'CAP_SETFCAP', // 31
  'CAP_MAC_OVERRIDE', // 32
  'CAP_MAC_ADMIN', // 33
  'CAP_SYSLOG', // 34
  'CAP_WAKE_ALARM', // 35
  'CAP_BLOCK_SUSPEND', // 36
  'CAP_AUDIT_READ', // 37
  'CAP_PERFMON', // 38
  'CAP_BPF', // 39
  'CAP_CHECKPOINT_RESTORE', // 40
] as const;

/** A canonical capability name, e.g. `CAP_SYS_ADMIN`. */
export type CapabilityName = (typeof CAPABILITIES)[number];

const NUMBERS: ReadonlyMap<string, number> = new Map(CAPABILITIES.map((c, i) => [c, i]));

/** Highest capability number known (CAP_LAST_CAP). */
export const CAP_LAST_CAP = CAPABILITIES.length - 1;

/**
 * The capabilities a container gets by default (Docker's and containerd's default set,
 * also the OCI runtime-spec default): 14 capabilities.
 */
export const DEFAULT_CAPABILITIES: readonly CapabilityName[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** True when `name` is a canonical capability name. */
export function isCapabilityName(name: string): name is CapabilityName {
  return NUMBERS.has(name);
}

/** The capability's number (CAP_SYS_ADMIN → 21), or undefined for unknown names. */
export function capabilityNumber(name: string): number | undefined {
  return NUMBERS.get(name);
}

/**
 * Canonical spelling of a capability: case-insensitive, `CAP_` prefix optional
 * (`SYS_ADMIN`, `cap_sys_admin`, `CAP_SYS_ADMIN` → `CAP_SYS_ADMIN`).
 * @throws SeccompError for an unknown name (`what` names the input in the message).
 */
export function normalizeCapability(name: string, what = 'capability'): CapabilityName {
  const upper = name.trim().toUpperCase();
  const canonical = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!isCapabilityName(canonical)) {
    throw new SeccompError(`${what}: unknown capability ${JSON.stringify(name)}`);
  }
  return canonical;
}

/** Options of {@link capabilitySet}. */
export interface CapabilitySetOptions {
  /** Capabilities to add (any spelling), or `ALL`. */
  readonly add?: Iterable<string>;
  /** Capabilities to drop (any spelling), or `ALL`. */
  readonly drop?: Iterable<string>;
  /** Starting set; default {@link DEFAULT_CAPABILITIES}. */
  readonly base?: Iterable<string>;
  /** Privileged: every capability, add/drop ignored (as `docker run --privileged`). */
  readonly privileged?: boolean;
}

function normalizeList(list: Iterable<string> | undefined, what: string): string[] {
  const out: string[] = [];
  for (const c of list ?? []) {
    if (c.trim().toUpperCase() === 'ALL') out.push('ALL');
    else out.push(normalizeCapability(c, what));
  }
  return out;
}

/**
 * The effective capability set after Docker's `--cap-add` / `--cap-drop` rules
 * (moby `oci/caps.TweakCapabilities`):
 *  - `add` contains `ALL`: every capability except those in `drop`;
 *  - otherwise `drop` contains `ALL`: exactly the `add` list;
 *  - otherwise: `base` minus `drop`, plus `add`.
 * @throws SeccompError for an unknown capability name.
 */
export function capabilitySet(opts: CapabilitySetOptions = {}): Set<CapabilityName> {
  if (opts.privileged) return new Set(CAPABILITIES);
  const baseList = normalizeList(opts.base ?? DEFAULT_CAPABILITIES, 'base');
  const base: readonly string[] = baseList.includes('ALL') ? CAPABILITIES : baseList;
  const add = normalizeList(opts.add, 'add');
  const drop = normalizeList(opts.drop, 'drop');
  const result = new Set<CapabilityName>();
  if (add.includes('ALL')) {
    for (const c of CAPABILITIES) if (!drop.includes(c)) result.add(c);
    return result;
  }
  if (!drop.includes('ALL')) {
    for (const c of base) if (!drop.includes(c)) result.add(c as CapabilityName);
  }
  for (const c of add) result.add(c as CapabilityName);
  return result;
}
