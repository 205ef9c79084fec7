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
process.exit(result.status ?? 1);
