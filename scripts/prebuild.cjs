#!/usr/bin/env node
// `npm run prebuildify`: builds the N-API add-on once into prebuilds/<platform>-<arch>/ with
// `prebuildify --napi --strip --tag-libc` (the libc tag keeps a glibc build away from musl
// hosts, which then build from source). Extra arguments pass through, e.g. `--arch arm64`.
// Uses the running Node's own headers when it ships them, so no header download is needed.
'use strict';

const childProcess = require('node:child_process');
const path = require('node:path');
const { buildEnv } = require('./native-optional.cjs');

const root = path.resolve(__dirname, '..');

if (process.platform !== 'linux') {
  process.stderr.write(`seccomp-exec: prebuilds are Linux-only, not building on ${process.platform}\n`);
  process.exit(1);
}

const bin = require.resolve('prebuildify/bin.js', { paths: [root] });
const result = childProcess.spawnSync(process.execPath, [bin, '--napi', '--strip', '--tag-libc', ...process.argv.slice(2)], {
  cwd: root,
  env: buildEnv(),
  stdio: 'inherit',
});
if (result.error) {
  process.stderr.write(`seccomp-exec: prebuildify could not run: ${result.error.message}\n`);
  process.exit(1);
}
if (result.status !== 0) process.exit(result.status ?? 1);

// prebuildify only collects .node files: ship the spawn() launcher executable (built by the same
// node-gyp run into build/Release) next to the add-on, stripped, as prebuilds/<platform>-<arch>/seccomp-launcher.
const argv = process.argv.slice(2);
const archArg = argv.find((a, i) => a.startsWith('--arch=') || argv[i - 1] === '--arch');
const arch = archArg === undefined ? process.arch : archArg.replace(/^--arch=/, '');
const fs = require('node:fs');
const launcher = path.join(root, 'build', 'Release', 'seccomp-launcher');
const dest = path.join(root, 'prebuilds', `linux-${arch}`, 'seccomp-launcher');
if (!fs.existsSync(launcher)) {
  process.stderr.write(`seccomp-exec: ${launcher} was not built; spawn() needs it\n`);
  process.exit(1);
}
fs.mkdirSync(path.dirname(dest), { recursive: true });
fs.copyFileSync(launcher, dest);
fs.chmodSync(dest, 0o755);
childProcess.spawnSync(process.env.PREBUILD_STRIP_BIN || 'strip', ['--strip-all', dest], { stdio: 'inherit' });
process.exit(0);
