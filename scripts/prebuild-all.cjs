#!/usr/bin/env node
// `npm run prebuild`: the prebuilt binaries for every platform we ship, from an x86_64 machine:
// prebuilds/linux-x64/ (npm run prebuildify) and prebuilds/linux-arm64/ (npm run prebuild:arm64,
// cross-compiled). npm also runs a script named `prebuild` as the pre-hook of every
// `npm run build`; that must stay a plain TypeScript build, so when the npm process that started
// us was running `build`, this does nothing.
'use strict';
const { readFileSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

/** The npm command line (argv) of an ancestor process, if one is found in /proc. */
function npmAncestorArgs() {
  let pid = process.ppid;
  for (let depth = 0; depth < 6 && pid > 1; depth++) {
    let argv;
    let stat;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    // npm sets its process title to "npm run build", which replaces its command line.
    if (argv.length >= 1 && /^npm /.test(argv[0])) return argv[0].split(/\s+/).slice(1);
    const i = argv.findIndex((a) => /(^|\/)npm(-cli\.js)?$/.test(a));
    if (i >= 0) return argv.slice(i + 1);
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return undefined;
}

const args = npmAncestorArgs() ?? [];
const scriptName = args.filter((a) => !a.startsWith('-'))[1];
if ((args[0] === 'run' || args[0] === 'run-script') && scriptName === 'build') process.exit(0);

for (const script of ['prebuildify', 'prebuild:arm64']) {
  const r = spawnSync('npm', ['run', script], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
