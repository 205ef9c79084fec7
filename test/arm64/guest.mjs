// Guest-side scenario runner for the arm64 VM (runs as root under the arm64 node, started by
// /init). For the scenarios in /test/scenarios.json it runs commands, unconfined or under the
// real `seccomp-exec` CLI (probe scenarios of one binary and config share one process), and
// prints one machine-readable line per scenario on the console:
//
//   @@RESULT {"name":…,"expected":…,"got":…,"ok":…,"ms":…,"detail":…}     (or "skip":"reason")
//   @@DONE <number of results>
//
// The host (test/arm64.test.ts) re-checks every result against its own copy of the
// scenarios; the "ok" printed here is informational only.
//
// Helper modes used by scenarios:
//   node guest.mjs --load-addon DIR   load DIR's add-on through node-gyp-build, print
//                                     "loaded:<prebuild dir name>"
//   node guest.mjs --node-workload    fs + a worker thread; prints "node-ok"
//   node guest.mjs --spawn-lib        the library's execFile() under runtime/default (arm64
//                                     seccomp-launcher); prints "mount=…,clone3=…,getpid=…"
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

const PKG = '/pkg';
const CLI = join(PKG, 'dist', 'cli', 'seccomp-exec.js');
const COMMANDS = { probe: '/test/probe', 'probe-arm': '/test/probe-arm', node: process.execPath };

function loadAddon(dir) {
  const require = createRequire(join(dir, 'package.json'));
  const ngb = require('node-gyp-build');
  const file = ngb.resolve(dir);
  const binding = ngb(dir);
  const names = Object.keys(binding);
  if (names.length === 0) throw new Error(`${file} exports nothing`);
  process.stderr.write(`addon ${file} exports ${names.join(',')}\n`);
  process.stdout.write(`loaded:${basename(dirname(file))}\n`);
}

function nodeWorkload() {
  const file = join('/tmp', `node-workload-${process.pid}.txt`);
  writeFileSync(file, 'hello from arm64');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    parentPort.postMessage(fs.readFileSync(workerData, 'utf8').toUpperCase());`;
  const w = new Worker(code, { eval: true, workerData: file });
  w.on('message', (m) => {
    unlinkSync(file);
    process.stdout.write(m === 'HELLO FROM ARM64' ? 'node-ok\n' : `unexpected worker reply: ${m}\n`);
  });
  w.on('error', (e) => process.stdout.write(`worker error: ${e.message}\n`));
}

/** The library's confined execFile() (arm64 seccomp-launcher from prebuilds/) on a few probes. */
async function spawnLib() {
  let { execFile } = await import(join(PKG, 'dist', 'index.js'));
  if (typeof execFile !== 'function') ({ execFile } = await import(join(PKG, 'dist', 'spawn.js')));
  const out = [];
  for (const probe of ['mount', 'clone3', 'getpid']) {
    const r = await execFile(COMMANDS.probe, [probe], { seccomp: { profile: 'runtime/default' } });
    out.push(`${probe}=${r.stdout.trim()}`);
  }
  process.stdout.write(out.join(',') + '\n');
}

/**
 * "kernel": the call reached the kernel (OK or an errno the filter does not produce);
 * "all:X": got is "NAME=RESULT,…" and every RESULT matches X.
 */
function matches(expected, got) {
  if (expected.startsWith('all:')) {
    const pairs = got.split(',').map((p) => p.split('='));
    return pairs.length > 0 && pairs.every((p) => p.length === 2 && matches(expected.slice(4), p[1]));
  }
  if (expected === 'kernel') return /^(OK|E[A-Z0-9]+)$/.test(got) && got !== 'EPERM' && got !== 'ENOSYS';
  return got === expected;
}

function emit(tag, obj) {
  process.stdout.write(`${tag} ${JSON.stringify(obj)}\n`);
}

/** Run argv; resolves to { stdout, status, signal, error, ms, detail }. */
function runArgv(argv) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let error = null;
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => (error = err));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
      resolve({ stdout, status, signal, error, ms: Date.now() - t0, detail: `status=${status} signal=${signal ?? ''} stderr=${tail}` });
    });
  });
}

/** The command line for `cmd` under `config` (direct when unconfined). */
function commandLine(configs, config, cmd) {
  const [head, ...rest] = cmd;
  const exe = COMMANDS[head] ?? head;
  const cli = config ? configs[config] : null;
  if (config && cli === undefined) throw new Error(`unknown config ${config}`);
  return cli ? [process.execPath, CLI, ...cli, '--', exe, ...rest] : [exe, ...rest];
}

/** What went wrong when a run gave no usable output. */
function failure(r) {
  if (r.error) return `spawn-error:${r.error.code ?? r.error.message}`;
  if (r.signal) return `signal:${r.signal}`;
  return `exit:${r.status}`;
}

/** A command scenario: the last stdout line (or NAME=RESULT pairs for "all:" expectations). */
async function runCommand(configs, sc) {
  const r = await runArgv(commandLine(configs, sc.config, sc.cmd));
  const lines = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  let got;
  if (r.error || r.signal || lines.length === 0) got = failure(r);
  else if (sc.expect.startsWith('all:')) got = lines.map((l) => l.replace(/^(\S+) (\S+)$/, '$1=$2')).join(',');
  else got = lines[lines.length - 1];
  return [{ sc, got, ms: r.ms, detail: r.detail }];
}

/** A group of probe scenarios with the same binary and config: one process, several names. */
async function runProbeGroup(configs, group) {
  const names = group.map((sc) => sc.probe);
  // With two or more names the probe prints "NAME RESULT" lines; repeat a lone name to get that form.
  const args = names.length === 1 ? [names[0], names[0]] : names;
  const r = await runArgv(commandLine(configs, group[0].config, [group[0].bin, ...args]));
  const results = new Map();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (\S+)$/.exec(line.trim());
    if (m) results.set(m[1], m[2]);
  }
  return group.map((sc) => ({ sc, got: results.get(sc.probe) ?? `no-result:${failure(r)}`, ms: r.ms, detail: r.detail }));
}

let compat;
/** Whether 32-bit arm binaries run here; undefined when they do, else the reason. */
function compatSkip() {
  if (compat !== undefined) return compat || undefined;
  if (!existsSync(COMMANDS['probe-arm'])) {
    compat = 'no armhf probe in the image (host lacks arm-linux-gnueabihf-gcc)';
  } else {
    const r = spawnSync(COMMANDS['probe-arm'], ['getpid'], { encoding: 'utf8', timeout: 30_000 });
    if (r.error) compat = `kernel cannot run 32-bit arm binaries (${r.error.code ?? r.error.message}): no CONFIG_COMPAT or no AArch32 EL0 on this CPU`;
    else if ((r.stdout ?? '').trim() !== 'OK') compat = `32-bit arm probe misbehaves unconfined: status=${r.status} signal=${r.signal} out=${(r.stdout ?? '').trim()}`;
    else compat = '';
  }
  return compat || undefined;
}

async function main() {
  const { configs, scenarios } = JSON.parse(readFileSync('/test/scenarios.json', 'utf8'));
  const parallel = Math.max(1, availableParallelism());
  emit('@@INFO', { node: process.version, arch: process.arch, cli: existsSync(CLI), probe: existsSync(COMMANDS.probe), parallel });

  // Work items: each command scenario alone, probe scenarios grouped by (bin, config).
  const jobs = [];
  const groups = new Map();
  let n = 0;
  for (const sc of scenarios) {
    const skip = sc.requires === 'compat' ? compatSkip() : undefined;
    if (skip) {
      emit('@@RESULT', { name: sc.name, expected: sc.expect, skip });
      n++;
      continue;
    }
    if (sc.probe) {
      const key = `${sc.bin}\0${sc.config}`;
      if (!groups.has(key)) {
        groups.set(key, []);
        jobs.push(() => runProbeGroup(configs, groups.get(key)));
      }
      groups.get(key).push(sc);
    } else {
      jobs.push(() => runCommand(configs, sc));
    }
  }
  // Independent processes: run as many at once as there are CPUs.
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const job = jobs[next++];
      let out;
      try {
        out = await job();
      } catch (err) {
        out = [{ sc: { name: 'runner', expect: '' }, got: `runner-error:${err.message}`, ms: 0, detail: '' }];
      }
      for (const { sc, got, ms, detail } of out) {
        n++;
        emit('@@RESULT', { name: sc.name, expected: sc.expect, got, ok: matches(sc.expect, got), ms, detail });
      }
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  process.stdout.write(`@@DONE ${n}\n`);
}

const mode = process.argv[2];
if (mode === '--load-addon') loadAddon(process.argv[3]);
else if (mode === '--node-workload') nodeWorkload();
else if (mode === '--spawn-lib') await spawnLib();
else await main();
