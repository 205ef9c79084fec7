/** Kernel version strings as used by `minKernel` and `uname -r`. */

/** A kernel version `major.minor[.patch]`. */
export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
  /** Absent when the version was written `X.Y`. */
  readonly patch?: number;
}

/**
 * Parse a strict `X.Y` or `X.Y.Z` version (decimal digits only, not `0.0`).
 * Returns undefined for anything else.
 */
export function parseKernelVersion(text: string): KernelVersion | undefined {
  const m = /^(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 0 && minor === 0) return undefined;
  return m[3] === undefined ? { major, minor } : { major, minor, patch: Number(m[3]) };
}

/**
 * The version at the start of a kernel release string such as `6.18.0-1-amd64`,
 * `3.12-1-amd64` or `5.15.0-rc5`. Returns undefined when it does not start with `X.Y`.
 */
export function parseKernelRelease(release: string): KernelVersion | undefined {
  const m = /^(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?/.exec(release.trim());
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return m[3] === undefined ? { major, minor } : { major, minor, patch: Number(m[3]) };
}

/**
 * True when `kernel` is at least `min`. Like moby, only major.minor are compared unless
 * `min` names a patch level (an extension: moby accepts only `X.Y`), in which case a
 * kernel without a patch level counts as `.0`.
 */
export function kernelAtLeast(kernel: KernelVersion, min: KernelVersion): boolean {
  if (kernel.major !== min.major) return kernel.major > min.major;
  if (kernel.minor !== min.minor) return kernel.minor > min.minor;
  if (min.patch === undefined) return true;
  return (kernel.patch ?? 0) >= min.patch;
}

/** `X.Y` or `X.Y.Z`. */
export function formatKernelVersion(v: KernelVersion): string {
  return v.patch === undefined ? `${v.major}.${v.minor}` : `${v.major}.${v.minor}.${v.patch}`;
}
