// Compiler benchmark: compile time per profile and machine, program length, and instructions
// executed per syscall (allowed / denied / argument-checked) for each compiled program.
// Run: npm run build && node bench/compile.mjs
import { fileURLToPath } from 'node:url';
import { compile, resolveFor } from '../dist/compiler/index.js';
import { loadProfileFile } from '../dist/profile/load.js';
import { defaultProfile } from '../dist/profile/default.js';
import { prepareProgram } from '../dist/bpf/emulator.js';
import { SECCOMP_RET_ALLOW } from '../dist/bpf/seccomp.js';

const shared = fileURLToPath(new URL('../../shared/profiles/', import.meta.url));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}
function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Instructions executed per syscall of the native ABI, split by what the profile decides. */
export function executedStats(filter, resolved) {
  const abi = resolved.arches[0];
  const p = prepareProgram(filter.program);
  const allowed = [];
  const denied = [];
  const conditional = [];
  for (const [nr, d] of abi.decisions) {
    p.evaluate(nr, abi.auditArch, [0n, 0n, 0n, 0n, 0n, 0n]);
    const n = p.lastExecuted;
    if (d.kind === 'args') conditional.push(n);
    else if (d.ret >>> 0 === SECCOMP_RET_ALLOW) allowed.push(n);
    else denied.push(n);
  }
  // Numbers the profile does not name get the default action: count the named ones of the table.
  for (const nr of abi.names.keys()) if (!abi.decisions.has(nr)) {
    p.evaluate(nr, abi.auditArch, [0n, 0n, 0n, 0n, 0n, 0n]);
    denied.push(p.lastExecuted);
  }
  return { allowed, denied, conditional };
}

export function benchCompile({ runs = 15, log = console.log } = {}) {
  const profiles = [
    ['runtime/default', defaultProfile()],
    ['moby-default.json', loadProfileFile(shared + 'moby-default.json')],
    ['moby-profiles-default.json', loadProfileFile(shared + 'moby-profiles-default.json')],
    ['podman-seccomp.json', loadProfileFile(shared + 'podman-seccomp.json')],
  ];
  const rows = [];
  for (const [name, prof] of profiles) {
    for (const machine of ['x86_64', 'aarch64']) {
      const times = [];
      let f;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        f = compile(prof, { machine });
        times.push(performance.now() - t0);
      }
      const resolved = resolveFor(prof, { machine });
      const s = executedStats(f, resolved);
      const row = {
        profile: name, machine,
        compileMsMedian: +median(times).toFixed(2),
        instructions: f.program.length,
        verifiedInputs: f.stats.verifiedInputs,
        allowedCount: s.allowed.length,
        allowedMean: +mean(s.allowed).toFixed(2), allowedMedian: median(s.allowed), allowedMax: Math.max(...s.allowed),
        deniedMax: s.denied.length ? Math.max(...s.denied) : 0,
        conditionalMax: s.conditional.length ? Math.max(...s.conditional) : 0,
        cacheable: `${f.stats.cacheableAllowed}/${f.stats.cacheCandidates}`,
      };
      rows.push(row);
    }
  }
  log('\n== compile: time, length, instructions executed per syscall (native ABI, args 0) ==');
  console.table(rows);
  const d = rows.find((r) => r.profile === 'runtime/default' && r.machine === 'x86_64');
  log(`runtime/default x86_64: allowed median ${d.allowedMedian} / max ${d.allowedMax} (target <= 10 / 14; ` +
      `libseccomp list 155 / 612, its binary tree 15 / 24), denied max ${d.deniedMax} (target < 14), ` +
      `allow-cache: ${d.cacheable} unconditional allows on x86_64+x86 provably cacheable (x32 is not cached by the kernel)`);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) benchCompile();
