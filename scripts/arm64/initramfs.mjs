#!/usr/bin/env node
// Build the arm64 test VM's initramfs as two concatenated gzip'd newc archives:
//   base.cpio.gz    (cached) busybox, arm64 node, the glibc/libstdc++ runtime from the
//                   cross toolchain (/usr/aarch64-linux-gnu/lib), /dev/console
//   payload.cpio.gz (each run) /init, the guest runner and scenarios (test/arm64/), the
//                   package (package.json, dist/, runtime node_modules, prebuilds/linux-arm64/)
//                   and the cross-compiled probes.
// The kernel unpacks both in order into its rootfs.
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { CpioWriter } from './cpio.mjs';
import { CACHE, ROOT, log, mkdirp, mtime, run } from './common.mjs';

/** Where the cross toolchain keeps the aarch64 runtime libraries. */
export const CROSS_LIB = '/usr/aarch64-linux-gnu/lib';

/** DT_NEEDED entries of an ELF file (via aarch64-linux-gnu-readelf). */
function needed(file) {
  const out = run('aarch64-linux-gnu-readelf', ['-d', '-W', file]);
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

/** Shared libraries (names) needed by `files`, recursively, resolved in CROSS_LIB. */
export function resolveLibs(files) {
  const seen = new Set();
  const todo = [...files];
  while (todo.length) {
    for (const lib of needed(todo.pop())) {
      if (seen.has(lib)) continue;
      const path = join(CROSS_LIB, lib);
      if (!existsSync(path)) throw new Error(`${lib} not found in ${CROSS_LIB} (package libc6-arm64-cross / libstdc++6-arm64-cross)`);
      seen.add(lib);
      todo.push(path);
    }
  }
  return [...seen].sort();
}

/** Directories every image has (created in the base archive). */
const DIRS = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'usr/local', 'usr/local/bin', 'lib', 'dev', 'proc', 'sys', 'tmp', 'root', 'etc', 'run', 'test', 'pkg'];

/**
 * The cached base archive. Returns its path. Rebuilt only when an input changed.
 * @param {{ busybox: string, node: string, extraElf?: string[] }} inputs
 */
export async function buildBase({ busybox, node, extraElf = [] }) {
  const dir = mkdirp(join(CACHE, 'initramfs'));
  const out = join(dir, 'base.cpio.gz');
  const libs = resolveLibs([node, ...extraElf]);
  const key = JSON.stringify({ v: 1, busybox, node, libs, m: [mtime(busybox), mtime(node), ...libs.map((l) => mtime(join(CROSS_LIB, l)))] });
  const stamp = join(dir, 'base.key');
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return out;
  log(`building base initramfs (node, busybox, ${libs.length} libraries)`);
  const tmp = `${out}.${process.pid}.tmp`;
  const w = new CpioWriter(tmp, { level: 1, firstInode: 1 });
  for (const d of DIRS) await w.dir(d, d === 'tmp' ? 0o1777 : 0o755);
  await w.chardev('dev/console', 5, 1, 0o600);
  await w.chardev('dev/null', 1, 3, 0o666);
  await w.copy('bin/busybox', busybox);
  await w.symlink('bin/sh', 'busybox');
  await w.copy('usr/local/bin/node', node);
  await w.symlink('bin/node', '../usr/local/bin/node');
  for (const lib of libs) {
    // Copy the real file under the soname (the cross lib dir holds symlinks too).
    await w.file(`lib/${lib}`, readFileSync(join(CROSS_LIB, lib)), 0o755);
  }
  await w.file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  await w.file('etc/group', 'root:x:0:\n');
  await w.close();
  renameSync(tmp, out);
  writeFileSync(stamp, key);
  return out;
}

/** Runtime dependencies of the package (names), recursively, from node_modules. */
function runtimeDeps() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const seen = new Set();
  const todo = Object.keys(pkg.dependencies ?? {});
  while (todo.length) {
    const name = todo.pop();
    if (seen.has(name)) continue;
    const pj = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(pj)) throw new Error(`runtime dependency ${name} is not installed (node_modules/${name}); run npm ci`);
    seen.add(name);
    todo.push(...Object.keys(JSON.parse(readFileSync(pj, 'utf8')).dependencies ?? {}));
  }
  return [...seen].sort();
}

/** Add a host directory tree under `dest`, skipping names for which `skip(relPath)` is true. */
async function addTree(w, src, dest, skip = () => false) {
  await w.dir(dest);
  for (const name of readdirSync(src).sort()) {
    const s = join(src, name);
    const d = `${dest}/${name}`;
    if (skip(relative(src, s))) continue;
    const st = statSync(s);
    if (st.isDirectory()) await addTree(w, s, d, (r) => skip(join(name, r)));
    else await w.copy(d, s);
  }
}

/**
 * The per-run payload archive, written to `out`. Returns `out`.
 * @param {{ out: string, probe?: string|null, probeArm?: string|null, addonDir?: string|null, files?: Record<string,string> }} inputs
 *   probe/probeArm: cross-built probe binaries; addonDir: prebuilds/linux-arm64; files:
 *   extra archive path → host file.
 */
export async function buildPayload({ out, probe = null, probeArm = null, addonDir = null, files = {} }) {
  const w = new CpioWriter(out, { level: 6, firstInode: 1_000_000 });
  const guest = join(ROOT, 'test', 'arm64');
  await w.file('init', readFileSync(join(guest, 'init.sh')), 0o755);
  for (const f of ['guest.mjs', 'scenarios.json']) await w.copy(`test/${f}`, join(guest, f));
  if (probe) await w.file('test/probe', readFileSync(probe), 0o755);
  if (probeArm) await w.file('test/probe-arm', readFileSync(probeArm), 0o755);
  for (const [dest, src] of Object.entries(files)) await w.copy(dest, src);

  // The package as installed: package.json, built JS, runtime deps, the arm64 prebuild.
  await w.copy('pkg/package.json', join(ROOT, 'package.json'));
  const dist = join(ROOT, 'dist');
  if (existsSync(dist)) await addTree(w, dist, 'pkg/dist', (r) => r.endsWith('.map'));
  for (const extra of ['profiles']) {
    if (existsSync(join(ROOT, extra))) await addTree(w, join(ROOT, extra), `pkg/${extra}`);
  }
  await w.dir('pkg/node_modules');
  for (const dep of runtimeDeps()) {
    const parts = dep.split('/');
    if (parts.length === 2) await w.dir(`pkg/node_modules/${parts[0]}`).catch(() => {});
    await addTree(w, join(ROOT, 'node_modules', dep), `pkg/node_modules/${dep}`, (r) => r === 'node_modules');
  }
  if (addonDir && existsSync(addonDir)) {
    await w.dir('pkg/prebuilds');
    await addTree(w, addonDir, `pkg/prebuilds/${basename(addonDir)}`);
  }
  await w.close();
  return out;
}
