#!/usr/bin/env node
// Prints the link flags of the seccomp-launcher executable for binding.gyp: `-static` when the C
// compiler can link a static program here (glibc's libc.a installed), else nothing (a dynamic
// launcher works too, it only starts a little slower). A static launcher also runs on musl hosts.
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function canLinkStatic() {
  const cc = (process.env.CC || 'cc').trim().split(/\s+/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-launcher-'));
  try {
    const src = path.join(dir, 't.c');
    fs.writeFileSync(src, 'int main(void) { return 0; }\n');
    const r = childProcess.spawnSync(cc[0], [...cc.slice(1), '-static', '-o', path.join(dir, 't'), src], { stdio: 'ignore' });
    return r.status === 0;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.platform === 'linux' && process.env.SECCOMP_EXEC_LAUNCHER_DYNAMIC !== '1' && canLinkStatic()) {
  process.stdout.write('-static\n');
}
