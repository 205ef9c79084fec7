// apt-get and apt-cache with a private state: own sources list, package lists, cache and an empty
// dpkg status under one folder, so the system's apt configuration and installed packages are
// neither read nor changed. Used to download Debian packages for other suites and architectures
// (scripts/gen-syscall-tables.mjs, scripts/get-libseccomp.mjs, scripts/arm64/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Debian archive keyrings, in the order they are tried. */
const KEYRINGS = ['/usr/share/keyrings/debian-archive-keyring.gpg', '/usr/share/keyrings/debian-archive-trixie-stable.gpg'];

/** The Debian archive keyring of this machine, or undefined (package debian-archive-keyring). */
export function debianKeyring() {
  return KEYRINGS.find((p) => existsSync(p));
}

/**
 * A private apt under `dir`.
 * @param {{ dir: string, architectures: string[], sources: { uri: string, suite: string }[] }} config
 *   `architectures[0]` is apt's native architecture; every source is `main` of that suite.
 * @returns {{ dir: string, update(): void, cache(args: string[]): string, download(specs: string[], dest: string): void }}
 */
export function privateApt({ dir, architectures, sources }) {
  const keyring = debianKeyring();
  if (!keyring) throw new Error(`no Debian archive keyring found (tried ${KEYRINGS.join(', ')}; package debian-archive-keyring)`);
  for (const d of ['etc/sources.list.d', 'etc/preferences.d', 'state/lists/partial', 'cache/archives/partial']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  const opt = `[arch=${architectures.join(',')} signed-by=${keyring}]`;
  writeFileSync(join(dir, 'etc/sources.list'), sources.map((s) => `deb ${opt} ${s.uri} ${s.suite} main\n`).join(''));
  writeFileSync(join(dir, 'etc/preferences'), '');
  const status = join(dir, 'state/status');
  if (!existsSync(status)) writeFileSync(status, '');
  const options = [
    ['Dir::Etc::SourceList', join(dir, 'etc/sources.list')],
    ['Dir::Etc::SourceParts', join(dir, 'etc/sources.list.d')],
    ['Dir::Etc::Preferences', join(dir, 'etc/preferences')],
    ['Dir::Etc::PreferencesParts', join(dir, 'etc/preferences.d')],
    ['Dir::State', join(dir, 'state')],
    ['Dir::State::status', status],
    ['Dir::Cache', join(dir, 'cache')],
    ['APT::Architecture', architectures[0]],
    ...architectures.map((a) => ['APT::Architectures::', a]),
    ['Acquire::Languages', 'none'],
    ['Debug::NoLocking', '1'],
    ['APT::Sandbox::User', 'root'], // downloads land in a root-owned cache folder
  ].flatMap(([k, v]) => ['-o', `${k}=${v}`]);
  const run = (cmd, args, opts = {}) =>
    execFileSync(cmd, [...options, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  return {
    dir,
    /** `apt-get update` of the private lists. */
    update() {
      run('apt-get', ['-q', 'update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    },
    /** Output of `apt-cache ARGS`. */
    cache(args) {
      return run('apt-cache', args);
    },
    /** `apt-get download SPECS` into `dest` (created if missing). */
    download(specs, dest) {
      mkdirSync(dest, { recursive: true });
      run('apt-get', ['-q', 'download', ...specs], { cwd: dest, stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}
