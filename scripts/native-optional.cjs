#!/usr/bin/env node
// `npm install` hook for seccomp-exec's native add-on.
//
// - Not Linux: nothing to build (seccomp is Linux-only); one warning line, install succeeds.
// - Linux with a usable prebuild or an existing build: nothing to do.
// - Linux without a C++ compiler: one warning line, install succeeds (applying filters then fails
//   with a clear error; the compiler and the toolbox still work).
// - Linux with a compiler: `node-gyp rebuild`; a failing build fails the install, visibly.
//   SECCOMP_EXEC_SKIP_NATIVE_BUILD=1 skips the build on purpose.
//
// node-gyp normally downloads Node's headers; when the running Node ships matching headers
// (`<prefix>/include/node`, as distribution packages do) they are used instead, so the build
// works offline.
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Directory usable as node-gyp's --nodedir when it holds headers of this exact Node, else undefined. */
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  try {
    const header = fs.readFileSync(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
    const part = (name) => {
      const m = new RegExp(`#define\\s+NODE_${name}_VERSION\\s+(\\d+)`).exec(header);
      return m ? m[1] : '?';
    };
    const version = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
    if (version === process.version && fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) {
      return prefix;
    }
  } catch {
    // no local headers: node-gyp fetches them
  }
  return undefined;
}

/** Environment for node-gyp / prebuildify runs: points node-gyp at local headers when possible. */
function buildEnv() {
  const env = { ...process.env };
  if (!env.npm_config_nodedir) {
    const dir = localNodeDir();
    if (dir) env.npm_config_nodedir = dir;
  }
  return env;
}

/** Command line that runs node-gyp: the package's own, npm's bundled one, or the one in PATH. */
function nodeGypCommand() {
  try {
    const pkgPath = require.resolve('node-gyp/package.json', { paths: [root] });
    const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'));
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['node-gyp'];
    return [process.execPath, path.join(path.dirname(pkgPath), bin)];
  } catch {
    // not installed as a dependency
  }
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp];
  return ['node-gyp'];
}

function inPath(cmd) {
  if (cmd.includes('/')) return fs.existsSync(cmd);
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function hasCompiler() {
  const cxx = process.env.CXX ? process.env.CXX.trim().split(/\s+/)[0] : undefined;
  if (cxx) return inPath(cxx);
  return ['c++', 'g++', 'clang++'].some(inPath);
}

function loadsAlready() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

function warn(message) {
  process.stderr.write(`seccomp-exec: ${message}\n`);
}

function main() {
  if (process.platform !== 'linux') {
    warn(`native add-on not built on ${process.platform}: applying filters needs Linux (the compiler and toolbox still work)`);
    return 0;
  }
  if (process.env.SECCOMP_EXEC_SKIP_NATIVE_BUILD === '1') {
    warn('native add-on build skipped (SECCOMP_EXEC_SKIP_NATIVE_BUILD=1): applying filters fails until it is built');
    return 0;
  }
  const fromSource = process.env.npm_config_build_from_source === 'true' || process.argv.includes('--build-from-source');
  if (!fromSource && loadsAlready()) return 0;
  if (!hasCompiler()) {
    warn('no C++ compiler (c++, g++, clang++ or $CXX) found, native add-on not built: applying filters fails until it is (install one, then `npm rebuild seccomp-exec`)');
    return 0;
  }
  const [cmd, ...args] = nodeGypCommand();
  const result = childProcess.spawnSync(cmd, [...args, 'rebuild'], { cwd: root, env: buildEnv(), stdio: 'inherit' });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit status ${result.status ?? result.signal}`;
    warn(`building the native add-on failed (${why}); see the output above, or set SECCOMP_EXEC_SKIP_NATIVE_BUILD=1 to install without it`);
    return 1;
  }
  return 0;
}

module.exports = { localNodeDir, buildEnv, main };

if (require.main === module) process.exitCode = main();
