/**
 * Profile references as Kubernetes spells them:
 *  - `runtime/default` (also the deprecated `docker/default`, and the securityContext type
 *    name `RuntimeDefault`): the built-in containerd default profile;
 *  - `unconfined` (also `Unconfined`): no filter;
 *  - `localhost/<path>`: a profile file, relative to `root` when given (Kubernetes: the
 *    kubelet's seccomp directory), otherwise to the working directory; with a `root`, the
 *    path must stay inside it (no `..` segments, not absolute), as Kubernetes requires;
 *  - anything else: a plain file path.
 */
import { isAbsolute, join, normalize } from 'node:path';
import { SeccompError } from '../errors.js';
import type { Profile, ProfileReference } from './types.js';
import { loadProfileFile, type ParseOptions } from './load.js';
import { defaultProfile } from './default.js';

/** Options for {@link parseProfileReference} and {@link loadProfile}. */
export interface ReferenceOptions {
  /** Directory `localhost/<path>` is relative to (default: the working directory). */
  readonly root?: string;
}

/** Options for {@link loadProfile}. */
export interface LoadProfileOptions extends ReferenceOptions, ParseOptions {}

/** Parse a reference string into a {@link ProfileReference}. */
export function parseProfileReference(ref: string, opts: ReferenceOptions = {}): ProfileReference {
  if (ref === '') throw new SeccompError('profile reference: empty');
  if (ref === 'runtime/default' || ref === 'docker/default' || ref === 'RuntimeDefault') {
    return { kind: 'runtime-default' };
  }
  if (ref === 'unconfined' || ref === 'Unconfined') return { kind: 'unconfined' };
  if (ref.startsWith('localhost/')) {
    const rel = ref.slice('localhost/'.length);
    if (rel === '') throw new SeccompError(`profile reference ${JSON.stringify(ref)}: missing path after "localhost/"`);
    if (opts.root === undefined) return { kind: 'file', path: rel };
    if (isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
      throw new SeccompError(
        `profile reference ${JSON.stringify(ref)}: the path must be relative to ${JSON.stringify(opts.root)} and must not contain ".."`,
      );
    }
    return { kind: 'file', path: join(opts.root, normalize(rel)) };
  }
  return { kind: 'file', path: ref };
}

/**
 * Load the profile a reference names: the built-in default, `'unconfined'`, or a file
 * (missing file: `cannot read profile "PATH": ENOENT: no such file or directory`).
 */
export function loadProfile(ref: string | ProfileReference, opts: LoadProfileOptions = {}): Profile | 'unconfined' {
  const r = typeof ref === 'string' ? parseProfileReference(ref, opts) : ref;
  switch (r.kind) {
    case 'runtime-default':
      return defaultProfile();
    case 'unconfined':
      return 'unconfined';
    case 'file':
      return loadProfileFile(r.path, opts);
  }
}

/** The reference spelt back as a string (`runtime/default`, `unconfined`, or the path). */
export function formatProfileReference(ref: ProfileReference): string {
  switch (ref.kind) {
    case 'runtime-default':
      return 'runtime/default';
    case 'unconfined':
      return 'unconfined';
    case 'file':
      return ref.path;
  }
}
