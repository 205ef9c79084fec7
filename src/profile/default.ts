/**
 * containerd's default seccomp profile (what Kubernetes calls `RuntimeDefault` on containerd),
 * carried as data in Docker's extended form: `data/containerd-default.json`.
 *
 * containerd builds the profile in Go (`DefaultProfile` in contrib/seccomp/seccomp_default.go,
 * architectures from `arches()`), deciding at run time on the host's GOARCH, kernel version
 * and the container's bounding capabilities. The data file expresses each such decision as a
 * condition, so resolving it with `applyConditions` (conditions.ts) gives containerd's result:
 *  - the `switch runtime.GOARCH` blocks become `includes.arches` (GOARCH `386` is spelt `x86`,
 *    moby's name for it);
 *  - the `kernel >= 4.8` block becomes `includes.minKernel: "4.8"`;
 *  - each `case "CAP_…"` block becomes `includes.caps: ["CAP_…"]`;
 *  - the `if !admin` clone / clone3 rules become `excludes.caps: ["CAP_SYS_ADMIN"]`, with
 *    the s390 / s390x split of clone's flags argument as `includes`/`excludes.arches`;
 *  - `arches()` becomes `archMap` (native arch first, then its sub-architectures);
 *  - containerd leaves `defaultErrnoRet` unset, which runc treats as EPERM; the data says
 *    `defaultErrnoRet: 1` (EPERM) explicitly, which is the same filter.
 */
import { fileURLToPath } from 'node:url';
import type { Profile } from './types.js';
import { parseProfile, readProfileText } from './load.js';

/** Where the data in `data/containerd-default.json` was transcribed from. */
export const CONTAINERD_DEFAULT_PROVENANCE = {
  repository: 'https://github.com/containerd/containerd',
  path: 'contrib/seccomp/seccomp_default.go',
  function: 'DefaultProfile (and arches())',
  /** Repository snapshot read (main branch HEAD at transcription). */
  commit: '301026e58c619e63d09c0ec411012e54c0124b03',
  commitDate: '2026-08-22T17:21:51Z',
  /** Last commit that changed seccomp_default.go ("seccomp: Block AF_ALG in default socket policy"). */
  fileCommit: '0c23e946a784ebd48cc53d5df9d16ec8199747a1',
  fileCommitDate: '2026-05-11T11:19:11Z',
  license: 'Apache-2.0',
} as const;

/** The `source` of the built-in profile, as Kubernetes names it. */
export const DEFAULT_PROFILE_SOURCE = 'runtime/default';

/**
 * The data file's text embedded at build time: scripts/bundle.mjs defines this identifier in
 * the command-line bundles (which live in dist/cli/, not next to data/). Undeclared, and so
 * `typeof` 'undefined', in tsc's output and under vitest, which read the file.
 */
declare const __SECCOMP_EXEC_DEFAULT_PROFILE__: string | undefined;

function embeddedText(): string | undefined {
  return typeof __SECCOMP_EXEC_DEFAULT_PROFILE__ === 'string' ? __SECCOMP_EXEC_DEFAULT_PROFILE__ : undefined;
}

/**
 * The same data already parsed (strictly, by {@link parseProfile}) at build time, as JSON text
 * with each bigint written `{"$bigint": "DIGITS"}` (see {@link reviveProfileModel}): defined next
 * to `__SECCOMP_EXEC_DEFAULT_PROFILE__` in the bundles, so they skip our position-keeping parser
 * and the profile checks at every start. scripts/bundle.mjs checks that reviving it gives exactly
 * what parsing the text gives.
 */
declare const __SECCOMP_EXEC_DEFAULT_PROFILE_MODEL__: string | undefined;

/**
 * Turn the build-time encoding of a parsed profile back into the model: a copy of `value` in
 * which every `{"$bigint": "DIGITS"}` object is the bigint it spells.
 * @internal used by this module and scripts/bundle.mjs
 */
export function reviveProfileModel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveProfileModel);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$bigint' && typeof o.$bigint === 'string') return BigInt(o.$bigint);
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = reviveProfileModel(o[k]);
    return out;
  }
  return value;
}

function embeddedProfile(): Profile | undefined {
  return typeof __SECCOMP_EXEC_DEFAULT_PROFILE_MODEL__ === 'string'
    ? (reviveProfileModel(JSON.parse(__SECCOMP_EXEC_DEFAULT_PROFILE_MODEL__)) as Profile)
    : undefined;
}

/**
 * Absolute path of the data file: next to this module (`dist/profile/data/`, `src/profile/data/`),
 * or, from a command-line bundle in `dist/cli/`, in `dist/profile/data/`.
 */
export function defaultProfilePath(): string {
  const rel = embeddedText() === undefined ? './data/containerd-default.json' : '../profile/data/containerd-default.json';
  return fileURLToPath(new URL(rel, import.meta.url));
}

let cached: Profile | undefined;

/**
 * containerd's default profile, loaded (once) from the data file, conditions unresolved.
 * Its `source` is `runtime/default`.
 */
export function defaultProfile(): Profile {
  cached ??= embeddedProfile() ?? parseProfile(defaultProfileText(), DEFAULT_PROFILE_SOURCE, { strict: true });
  return cached;
}

/** The data file's JSON text (Docker's extended form). */
export function defaultProfileText(): string {
  return embeddedText() ?? readProfileText(defaultProfilePath());
}
