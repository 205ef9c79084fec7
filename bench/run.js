#!/usr/bin/env node
// `npm run bench`: every benchmark, one after the other, printing figures and ratios.
//   compile  — compile time, program length, instructions executed per syscall (bench/compile.mjs)
//   exec     — start-up of `seccomp-exec -- /bin/true` vs `node -e 0` vs `/bin/true` (bench/exec.mjs)
//   spawn    — confined spawn vs plain child_process.spawn of /bin/true (bench/spawn.mjs)
// Pass names to run a subset: `npm run bench -- compile spawn`.
// Benchmarks measure; they never fail on a figure (that is not what tests are for).
const wanted = new Set(process.argv.slice(2));
const run = (name) => wanted.size === 0 || wanted.has(name);

if (run('compile')) {
  const { benchCompile } = await import('./compile.mjs');
  benchCompile();
}
if (run('exec')) {
  const { benchExec } = await import('./exec.mjs');
  console.log('');
  benchExec();
}
if (run('spawn')) {
  const { benchSpawn } = await import('./spawn.mjs');
  console.log('');
  await benchSpawn();
}
