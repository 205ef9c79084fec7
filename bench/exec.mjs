// Start-up benchmark of `seccomp-exec -- /bin/true` against `node -e 0` and `/bin/true`:
// median wall time over many runs, ratios, and where the time of one seccomp-exec run goes
// (phase times the CLI prints with SECCOMP_EXEC_TIMING=1).
//
// Run: npm run build && node bench/exec.mjs [runs]      (or call benchExec() from bench/run.js)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/seccomp-exec.js', import.meta.url));
const TRUE = '/bin/true';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Epoch milliseconds with sub-millisecond resolution (the clock the CLI's timestamps use). */
function nowEpoch() {
  return performance.timeOrigin + performance.now();
}

function wallTimes(file, args, runs, env = process.env) {
  // one warm-up run (page cache), not counted
  spawnSync(file, args, { stdio: 'ignore', env });
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(file, args, { stdio: 'ignore', env });
    out.push(performance.now() - t0);
    if (r.status !== 0) {
      throw new Error(`${file} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
    }
  }
  return out;
}

/** Parse `seccomp-exec: timing name=1.23ms … exec-at=EPOCH origin=EPOCH`. */
export function parseTiming(stderr) {
  const line = stderr.split('\n').find((l) => l.startsWith('seccomp-exec: timing '));
  if (!line) return undefined;
  const out = {};
  for (const m of line.matchAll(/([a-z-]+)=([\d.]+)(ms)?/g)) out[m[1]] = Number(m[2]);
  return out;
}

function phaseSplit(runs, extraArgs) {
  const env = { ...process.env, SECCOMP_EXEC_TIMING: '1' };
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const spawnAt = nowEpoch();
    const r = spawnSync(process.execPath, [CLI, ...extraArgs, '--', TRUE], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const doneAt = nowEpoch();
    const t = parseTiming(r.stderr);
    if (r.status !== 0 || !t) throw new Error(`seccomp-exec failed: ${r.stderr.trim()}`);
    rows.push({
      // fork/exec of node until its time origin
      spawn: t.origin - spawnAt,
      // Node bootstrap + loading the CLI entry (commander, common)
      startup: t.startup,
      // dynamic import of the library (profile, compiler, bpf, native loader)
      modules: t.modules,
      profile: t.profile ?? 0,
      compile: t.compile ?? 0,
      lookup: t.lookup,
      // add-on load, action checks, encoding
      native: t.native,
      // everything the timestamps above do not cover (option parsing, capability set, glue)
      other: t['exec-at'] - t.origin - t.startup - t.modules - (t.profile ?? 0) - (t.compile ?? 0) - t.lookup - t.native,
      // no_new_privs + seccomp(TSYNC) + execve + /bin/true + exit + reap
      installExecExit: doneAt - t['exec-at'],
      total: doneAt - spawnAt,
    });
  }
  const keys = Object.keys(rows[0]);
  const med = {};
  for (const k of keys) med[k] = median(rows.map((r) => r[k]));
  return med;
}

/**
 * Run the benchmark. Returns medians in milliseconds; `log` receives the printed report.
 * @param {{ runs?: number, log?: (line: string) => void }} [options]
 */
export function benchExec({ runs = 30, log = console.log } = {}) {
  const trueMs = median(wallTimes(TRUE, [], runs));
  const nodeMs = median(wallTimes(process.execPath, ['-e', '0'], runs));
  const execMs = median(wallTimes(process.execPath, [CLI, '--', TRUE], runs));
  const unconfinedMs = median(wallTimes(process.execPath, [CLI, '--profile', 'unconfined', '--', TRUE], runs));
  const phases = phaseSplit(runs, []);
  const f = (x) => x.toFixed(1).padStart(7);
  log(`seccomp-exec start-up, median of ${runs} runs (ms)`);
  log(`  /bin/true                                   ${f(trueMs)}`);
  log(`  node -e 0                                   ${f(nodeMs)}`);
  log(`  seccomp-exec --profile unconfined -- /bin/true ${f(unconfinedMs).trimStart().padStart(4)}`);
  log(`  seccomp-exec -- /bin/true                   ${f(execMs)}`);
  log(`  ratio seccomp-exec / node -e 0              ${(execMs / nodeMs).toFixed(2).padStart(7)}`);
  log(`  ratio seccomp-exec / /bin/true              ${(execMs / trueMs).toFixed(1).padStart(7)}`);
  log(`  overhead beyond node -e 0                   ${f(execMs - nodeMs)}`);
  log(`where one seccomp-exec -- /bin/true run goes (medians, ms; SECCOMP_EXEC_TIMING=1)`);
  const labels = {
    spawn: 'spawn until Node time origin',
    startup: 'Node bootstrap + CLI entry (commander)',
    modules: 'library modules (profile, compiler, bpf)',
    profile: 'profile load (runtime/default)',
    compile: 'compile + verify (emulator)',
    lookup: 'PATH lookup',
    native: 'add-on load + action checks + encode',
    other: 'option parsing and glue',
    installExecExit: 'NNP + seccomp(TSYNC) + execve + true + exit',
    total: 'total (timed run)',
  };
  for (const [k, label] of Object.entries(labels)) log(`  ${label.padEnd(44)}${f(phases[k])}`);
  return { runs, trueMs, nodeMs, execMs, unconfinedMs, phases };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.argv[2] ?? 30);
  benchExec({ runs: Number.isInteger(runs) && runs > 0 ? runs : 30 });
}
