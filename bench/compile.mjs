// Compiler benchmark: compile time per profile and machine (cold: first compile in a fresh
// process; warm: median after a JIT warm-up), program length, and instructions executed per
// syscall (allowed / denied / argument-checked) for each compiled program; then runtime/default
// against libseccomp 2.6.0's programs for the same profile (bench/libseccomp.mjs), at its default
// optimisation level 1 (priority-ordered list) and level 2 (binary tree, runc with > 32 rules).
// Run: npm run build && node bench/compile.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile, resolveFor } from '../dist/compiler/index.js';
import { loadProfileFile } from '../dist/profile/load.js';
import { defaultProfile } from '../dist/profile/default.js';
import { runningKernelVersion } from '../dist/profile/conditions.js';
import { DEFAULT_CAPABILITIES } from '../dist/capabilities.js';
import { prepareProgram } from '../dist/bpf/emulator.js';
import { ARCHES } from '../dist/arch/index.js';
import { SECCOMP_RET_ALLOW } from '../dist/bpf/seccomp.js';
import { libseccompPrograms } from './libseccomp.mjs';

const shared = fileURLToPath(new URL('../../shared/profiles/', import.meta.url));
const MACHINES = ['x86_64', 'aarch64'];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}
function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
const max = (xs) => (xs.length ? Math.max(...xs) : 0);

/**
 * Instructions executed per syscall of the native ABI (args zero), split by what the profile
 * decides: allowed (unconditionally), denied (numbers of the ABI's syscall table the profile does
 * not name, up to its ENOSYS cutoff: the default action), conditional (argument-checked), other
 * (named with another action, e.g. clone3 → ENOSYS). `program` is a CompiledFilter or any BPF
 * program (e.g. libseccomp's), judged on the same sets; `mismatches` counts allowed and denied
 * numbers on which the program's answer differs from the profile's (ALLOW / the default action).
 */
export function executedStats(program, resolved) {
  const abi = resolved.arches[0];
  const p = prepareProgram(program.program ?? program);
  const zero = [0n, 0n, 0n, 0n, 0n, 0n];
  const allowed = [];
  const denied = [];
  const conditional = [];
  const other = [];
  let mismatches = 0;
  for (const [nr, d] of abi.decisions) {
    const ret = p.evaluate(nr, abi.auditArch, zero) >>> 0;
    const n = p.lastExecuted;
    if (d.kind === 'args') conditional.push(n);
    else if (d.ret >>> 0 === SECCOMP_RET_ALLOW) {
      allowed.push(n);
      if (ret !== SECCOMP_RET_ALLOW) mismatches++;
    } else other.push(n);
  }
  const table = new Set(ARCHES[abi.arch].syscalls.values());
  for (const nr of table) {
    if (abi.decisions.has(nr) || (abi.cutoff !== undefined && nr > abi.cutoff)) continue;
    if (p.evaluate(nr, abi.auditArch, zero) >>> 0 !== resolved.defaultRet >>> 0) mismatches++;
    denied.push(p.lastExecuted);
  }
  return { allowed, denied, conditional, other, mismatches };
}

/**
 * Compile runtime/default once in fresh node processes (median of `runs`): the cold time a CLI
 * invocation pays, JIT and module loading included. Returns { importMs, compileMs } or undefined.
 */
function coldCompile(machine, runs = 3) {
  const dist = new URL('../dist/', import.meta.url).href;
  const script = `
    const t0 = performance.now();
    const { compile } = await import(${JSON.stringify(dist + 'compiler/index.js')});
    const { defaultProfile } = await import(${JSON.stringify(dist + 'profile/default.js')});
    const prof = defaultProfile();
    const t1 = performance.now();
    compile(prof, { machine: ${JSON.stringify(machine)} });
    const t2 = performance.now();
    console.log(JSON.stringify({ importMs: t1 - t0, compileMs: t2 - t1 }));`;
  const got = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    got.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  return { importMs: median(got.map((g) => g.importMs)), compileMs: median(got.map((g) => g.compileMs)) };
}

export function benchCompile({ runs = 15, warmup = 3, log = console.log } = {}) {
  const kernel = runningKernelVersion();
  const options = (machine) => ({ machine, kernel, capabilities: DEFAULT_CAPABILITIES });
  const profiles = [
    ['runtime/default', defaultProfile()],
    ['moby-default.json', loadProfileFile(shared + 'moby-default.json')],
    ['moby-profiles-default.json', loadProfileFile(shared + 'moby-profiles-default.json')],
    ['podman-seccomp.json', loadProfileFile(shared + 'podman-seccomp.json')],
  ];
  // Cold first (fresh processes), then warm up this process's JIT on every profile and machine
  // so that the first timed row is not inflated.
  const cold = new Map(MACHINES.map((m) => [m, coldCompile(m)]));
  for (let i = 0; i < warmup; i++) for (const [, prof] of profiles) for (const machine of MACHINES) compile(prof, options(machine));

  const rows = [];
  const ours = new Map();
  for (const [name, prof] of profiles) {
    for (const machine of MACHINES) {
      const times = [];
      let f;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        f = compile(prof, options(machine));
        times.push(performance.now() - t0);
      }
      const resolved = resolveFor(prof, options(machine));
      const s = executedStats(f, resolved);
      if (name === 'runtime/default') ours.set(machine, { filter: f, resolved, stats: s });
      const c = name === 'runtime/default' ? cold.get(machine) : undefined;
      rows.push({
        profile: name, machine,
        coldCompileMs: c ? +c.compileMs.toFixed(1) : '',
        compileMsMedian: +median(times).toFixed(2),
        instructions: f.program.length,
        verifiedInputs: f.stats.verifiedInputs,
        allowedCount: s.allowed.length,
        deniedCount: s.denied.length,
        allowedMean: +mean(s.allowed).toFixed(2), allowedMedian: median(s.allowed), allowedMax: max(s.allowed),
        deniedMax: max(s.denied),
        conditionalMax: max(s.conditional),
        cacheable: `${f.stats.cacheableAllowed}/${f.stats.cacheCandidates}`,
      });
    }
  }
  log('\n== compile: time, length, instructions executed per syscall (native ABI, args 0) ==');
  log(`(coldCompileMs: first compile of runtime/default in a fresh node process, median of 3; ` +
      `compileMsMedian: median of ${runs} after ${warmup} warm-up rounds over every profile and machine)`);
  console.table(rows);
  for (const m of MACHINES) {
    const c = cold.get(m);
    if (c) log(`runtime/default ${m}: cold compile ${c.compileMs.toFixed(1)} ms (after ${c.importMs.toFixed(1)} ms importing dist/ and loading the profile)`);
    else log(`runtime/default ${m}: cold compile not measured (child node process failed)`);
  }
  const d = rows.find((r) => r.profile === 'runtime/default' && r.machine === 'x86_64');
  log(`runtime/default x86_64: allowed median ${d.allowedMedian} / max ${d.allowedMax} (target <= 10 / 14), ` +
      `denied max ${d.deniedMax} (target < 14), allow-cache: ${d.cacheable} unconditional allows on x86_64+x86 ` +
      `provably cacheable (x32 is not cached by the kernel)`);

  const comparison = compareWithLibseccomp(ours, kernel, log);
  return { rows, comparison };
}

/** runtime/default: ours against libseccomp 2.6.0 levels 1 and 2, same syscall sets, same emulator. */
function compareWithLibseccomp(ours, kernel, log) {
  log('\n== runtime/default: instructions executed per syscall, ours vs libseccomp 2.6.0 (native ABI, args 0) ==');
  const lib = libseccompPrograms({ kernel, machines: MACHINES });
  if (!lib.ok) {
    log(`libseccomp comparison skipped: ${lib.reason}`);
    return undefined;
  }
  const LABEL = { 1: 'libseccomp L1 (list)', 2: 'libseccomp L2 (tree)' };
  const rows = [];
  const warnings = [];
  for (const machine of MACHINES) {
    const o = ours.get(machine);
    const ref = { median: median(o.stats.allowed), mean: mean(o.stats.allowed), max: max(o.stats.allowed), denied: max(o.stats.denied) };
    const entries = [['ours', o.filter.program, o.stats], ...[1, 2].map((l) => [LABEL[l], lib.programs[machine][l], executedStats(lib.programs[machine][l], o.resolved)])];
    for (const [label, program, s] of entries) {
      if (s.mismatches) warnings.push(`${label} ${machine}: ${s.mismatches} numbers decided differently from the profile (not a like-for-like count there)`);
      const fig = { median: median(s.allowed), mean: mean(s.allowed), max: max(s.allowed), denied: max(s.denied) };
      const ratio = (k) => (label === 'ours' ? '' : +(ref[k] / fig[k]).toFixed(3));
      rows.push({
        program: label, machine,
        instructions: program.length,
        allowedCount: s.allowed.length,
        allowedMedian: fig.median, allowedMean: +fig.mean.toFixed(2), allowedMax: fig.max,
        deniedCount: s.denied.length, deniedMax: fig.denied,
        argCheckedMax: max(s.conditional),
        'ours/this median': ratio('median'), 'ours/this mean': ratio('mean'), 'ours/this max': ratio('max'),
        'ours/this deniedMax': ratio('denied'),
      });
    }
  }
  console.table(rows);
  for (const w of warnings) log(`warning: ${w}`);
  const x = (p) => rows.find((r) => r.program === p && r.machine === 'x86_64');
  const [o, l1, l2] = [x('ours'), x(LABEL[1]), x(LABEL[2])];
  log(`x86_64 allowed median / max: ours ${o.allowedMedian} / ${o.allowedMax}; libseccomp ${lib.version} list ` +
      `${l1.allowedMedian} / ${l1.allowedMax} (issue: 155 / 612), binary tree ${l2.allowedMedian} / ${l2.allowedMax} (issue: 15 / 24)`);
  log('(libseccomp programs as seccomp_export_bpf gives them, built the way runc drives libseccomp ' +
      '(test/libseccomp/build_filter.c); runc\'s ENOSYS stub in front of them is not counted; ' +
      'argCheckedMax: argument-checked syscalls with args 0, ours compares 32-bit arguments on their low half, runc on 64 bits)');
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) benchCompile();
