/**
 * The native add-on, apply() and status() on the real kernel.
 *
 * Every filter is installed in a child process (`node --input-type=module -e …` importing the
 * built modules from dist/); the vitest worker itself only runs pure functions and fake
 * bindings. The add-on is built through the install hook (`node scripts/native-optional.cjs`,
 * what `npm install` / `npm ci` run) when no build is present.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SeccompError } from '../src/errors.js';
import {
  NativeUnavailableError,
  decodeProgram,
  encodeProgram,
  loadNative,
  setNativeLoaderForTesting,
  unavailableMessage,
  type NativeBinding,
} from '../src/native/index.js';
import { applySync, filterFlagNames, returnedActions } from '../src/apply.js';
import { actionPart, parseProcStatus, statusPath } from '../src/status.js';
import type { CompiledFilter } from '../src/compiler/types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p: string): string => pathToFileURL(join(root, 'dist', p)).href;
const onLinux = process.platform === 'linux';
const x64 = arch() === 'x64';

/** fchmod's syscall number on this machine (the harmless call the test filters deny). */
const FCHMOD_NR = x64 ? 91 : 52;
const AUDIT_ARCH = x64 ? 0xc000003e : 0xc00000b7;

/**
 * Child-side prelude: imports, a filter returning ERRNO(E2BIG) for fchmod (everything else
 * allowed), a helper that reports fchmod's outcome, and `out()` printing one JSON line.
 */
const PRELUDE = `
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
const native = await import(${JSON.stringify(dist('native/index.js'))});
const { apply, applySync } = await import(${JSON.stringify(dist('apply.js'))});
const { status, actionAvailable } = await import(${JSON.stringify(dist('status.js'))});
const { SeccompError } = await import(${JSON.stringify(dist('errors.js'))});
const RET = 0x06, K = 0x00, LD_W_ABS = 0x20, JEQ = 0x15, JA = 0x05;
const ins = (code, k, jt = 0, jf = 0) => ({ code, jt, jf, k: k >>> 0 });
const denyFchmod = [
  ins(LD_W_ABS, 4),
  ins(JEQ, ${AUDIT_ARCH}, 0, 3),
  ins(LD_W_ABS, 0),
  ins(JEQ, ${FCHMOD_NR}, 0, 1),
  ins(RET | K, 0x00050000 | 7 /* ERRNO(E2BIG) */),
  ins(RET | K, 0x7fff0000),
];
const tmpFile = os.tmpdir() + '/seccomp-exec-native-' + process.pid;
fs.writeFileSync(tmpFile, '');
process.on('exit', () => { try { fs.unlinkSync(tmpFile); } catch {} });
function tryFchmod() {
  const fd = fs.openSync(tmpFile, 'r');
  try { fs.fchmodSync(fd, 0o644); return 'ok'; } catch (e) { return e.code; } finally { fs.closeSync(fd); }
}
function errInfo(e) {
  return { name: e.name, message: e.message, code: e.code, errno: e.errno, syscall: e.syscall,
           path: e.path, threadId: e.threadId, isSeccompError: e instanceof SeccompError };
}
const out = (v) => process.stdout.write(JSON.stringify(v, (k, x) => typeof x === 'bigint' ? String(x) : x) + '\\n');
`;

interface Child {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(code: string, opts: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {}): Child {
  const cmd = opts.prefix ? opts.prefix[0]! : process.execPath;
  const args = [...(opts.prefix ? [...opts.prefix.slice(1), process.execPath] : []), '--input-type=module', '-e', PRELUDE + code];
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `code` in a child and returns the JSON it printed last; fails with the child's stderr otherwise. */
function childJson<T = Record<string, unknown>>(code: string, opts?: { env?: NodeJS.ProcessEnv; prefix?: string[] }): T {
  const r = runChild(code, opts);
  const lines = r.stdout.trim().split('\n').filter(Boolean);
  if (r.status !== 0 || lines.length === 0) {
    throw new Error(`child failed (status ${r.status}, signal ${r.signal}):\n${r.stderr}\n${r.stdout}`);
  }
  return JSON.parse(lines[lines.length - 1]!) as T;
}

function newer(a: string, b: string): boolean {
  return statSync(a).mtimeMs >= statSync(b).mtimeMs;
}

beforeAll(() => {
  if (!onLinux) return;
  // The add-on, through the same path `npm install` takes.
  const probe = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], { cwd: root });
  if (probe.status !== 0) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'native-optional.cjs')], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the add-on failed:\n${r.stderr}`);
  }
  // The compiled modules the children import.
  const mine = ['native/index', 'native/program', 'apply', 'status', 'errors'];
  const stale = mine.some((m) => {
    const js = join(root, 'dist', `${m}.js`);
    return !existsSync(js) || !newer(js, join(root, 'src', `${m}.ts`));
  });
  if (stale) spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], { cwd: root });
  for (const m of mine) {
    if (!existsSync(join(root, 'dist', `${m}.js`))) throw new Error(`dist/${m}.js missing after tsc`);
  }
});

describe.runIf(onLinux && (x64 || arch() === 'arm64'))('native add-on on the real kernel (child processes)', () => {
  it('gets and sets no_new_privs', () => {
    const r = childJson(`
      const before = native.loadNative().getNoNewPrivs();
      const procBefore = status().noNewPrivs;
      native.loadNative().setNoNewPrivs();
      out({ before, procBefore, after: native.loadNative().getNoNewPrivs(), procAfter: status().noNewPrivs });
    `);
    expect(r.before).toBe(r.procBefore);
    expect(r.after).toBe(true);
    expect(r.procAfter).toBe(true);
  });

  it('installs a hand-made filter: fchmod fails with its errno, /proc shows mode 2 and one filter', () => {
    const r = childJson(`
      const before = { fchmod: tryFchmod(), st: status(), mode: native.loadNative().getSeccompMode() };
      const result = applySync(denyFchmod);
      const after = { fchmod: tryFchmod(), st: status(), mode: native.loadNative().getSeccompMode() };
      // other file operations still work
      fs.writeFileSync(tmpFile, 'x');
      out({ before, after, result, read: fs.readFileSync(tmpFile, 'utf8') });
    `);
    expect(r).toMatchObject({
      before: { fchmod: 'ok', mode: 0, st: { mode: 0, filters: 0 } },
      after: { fchmod: 'E2BIG', mode: 2, st: { mode: 2, modeName: 'filter', filters: 1, noNewPrivs: true } },
      result: { installed: true, threads: 'all', flagNames: ['TSYNC'], noNewPrivs: true, instructions: 6, actions: [0x50000, 0x7fff0000] },
      read: 'x',
    });
  });

  it('seccompSetModeFilter returns 0 and stacks filters', () => {
    const r = childJson(`
      const n = native.loadNative();
      n.setNoNewPrivs();
      const prog = native.encodeProgram(denyFchmod);
      const a = n.seccompSetModeFilter(prog, 0);
      const b = n.seccompSetModeFilter(prog, 1 /* TSYNC */);
      out({ a, b, filters: status().filters, fchmod: tryFchmod() });
    `);
    expect(r).toEqual({ a: 0, b: 0, filters: 2, fchmod: 'E2BIG' });
  });

  it('TSYNC (threads: all) confines worker threads that already run', () => {
    const r = childJson(`
      const sab = new SharedArrayBuffer(4);
      const flag = new Int32Array(sab);
      const worker = new Worker(\`
        import { workerData, parentPort } from 'node:worker_threads';
        import fs from 'node:fs';
        const flag = new Int32Array(workerData.sab);
        Atomics.wait(flag, 0, 0);
        const fd = fs.openSync(workerData.file, 'r');
        let res = 'ok';
        try { fs.fchmodSync(fd, 0o644); } catch (e) { res = e.code; }
        const mode = /^Seccomp:\\\\s*(\\\\d)/m.exec(fs.readFileSync('/proc/thread-self/status', 'utf8'))[1];
        parentPort.postMessage({ res, mode });
      \`, { eval: true, workerData: { sab, file: tmpFile } });
      await new Promise((r) => worker.once('online', r));
      applySync(denyFchmod, { threads: 'all' });
      Atomics.store(flag, 0, 1); Atomics.notify(flag, 0);
      const msg = await new Promise((r) => worker.once('message', r));
      await worker.terminate();
      out({ worker: msg, main: tryFchmod() });
    `);
    expect(r).toEqual({ worker: { res: 'E2BIG', mode: '2' }, main: 'E2BIG' });
  });

  it("threads: 'current' in a worker confines that thread only", () => {
    const r = childJson(`
      const worker = new Worker(\`
        import { workerData, parentPort } from 'node:worker_threads';
        import fs from 'node:fs';
        import(workerData.apply).then(({ applySync }) => {
          const result = applySync(workerData.prog, { threads: 'current' });
          const fd = fs.openSync(workerData.file, 'r');
          let res = 'ok';
          try { fs.fchmodSync(fd, 0o644); } catch (e) { res = e.code; }
          const mode = /^Seccomp:\\\\s*(\\\\d)/m.exec(fs.readFileSync('/proc/thread-self/status', 'utf8'))[1];
          parentPort.postMessage({ res, mode, flags: result.flagNames });
        });
      \`, { eval: true, workerData: { prog: denyFchmod, file: tmpFile, apply: ${JSON.stringify(dist('apply.js'))} } });
      const msg = await new Promise((r, j) => { worker.once('message', r); worker.once('error', j); });
      await worker.terminate();
      out({ worker: msg, main: tryFchmod(), mainThread: status('thread-self').mode, process: status().mode });
    `);
    expect(r).toEqual({ worker: { res: 'E2BIG', mode: '2', flags: [] }, main: 'ok', mainThread: 0, process: 0 });
  });

  it('TSYNC failure names the thread that cannot be synchronised, and installs nothing', () => {
    const r = childJson(`
      const worker = new Worker(\`
        import { workerData, parentPort } from 'node:worker_threads';
        import fs from 'node:fs';
        import(workerData.apply).then(({ applySync }) => {
          applySync(workerData.prog, { threads: 'current' });
          const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
          parentPort.postMessage(tid);
          setInterval(() => {}, 1000);
        });
      \`, { eval: true, workerData: { prog: denyFchmod, file: tmpFile, apply: ${JSON.stringify(dist('apply.js'))} } });
      const tid = await new Promise((r, j) => { worker.once('message', r); worker.once('error', j); });
      let err;
      try { applySync(denyFchmod, { threads: 'all' }); } catch (e) { err = errInfo(e); }
      const mode = status().mode;
      await worker.terminate();
      out({ tid, err, mode });
    `);
    expect(typeof r.tid).toBe('number');
    expect(r.err).toMatchObject({
      name: 'SyscallError',
      code: 'ESRCH',
      syscall: 'seccomp',
      threadId: r.tid,
      isSeccompError: true,
      message: `seccomp(SECCOMP_SET_MODE_FILTER): TSYNC failed: thread ${String(r.tid)} cannot be synchronised`,
    });
    expect(r.mode).toBe(0);
  });

  it('an invalid program (jump out of range) is EINVAL with code, errno and syscall', () => {
    const r = childJson(`
      const n = native.loadNative();
      n.setNoNewPrivs();
      const bad = native.encodeProgram([ins(JEQ, 1, 10, 10), ins(RET | K, 0x7fff0000)]);
      let err, typeErr, rangeErr;
      try { n.seccompSetModeFilter(bad, 0); } catch (e) { err = errInfo(e); }
      try { n.seccompSetModeFilter('nope', 0); } catch (e) { typeErr = e.name + ': ' + e.message; }
      try { n.seccompSetModeFilter(Buffer.alloc(12), 0); } catch (e) { rangeErr = e.name; }
      out({ err, typeErr, rangeErr, mode: n.getSeccompMode() });
    `);
    expect(r).toEqual({
      err: {
        name: 'SyscallError',
        message: 'seccomp(SECCOMP_SET_MODE_FILTER) failed: EINVAL (Invalid argument)',
        code: 'EINVAL',
        errno: 22,
        syscall: 'seccomp',
        isSeccompError: true,
      },
      typeErr: "TypeError: seccomp-exec native: argument 'program' must be a Buffer holding a raw sock_filter array",
      rangeErr: 'RangeError',
      mode: 0,
    });
  });

  it('without no_new_privs and without CAP_SYS_ADMIN: EACCES from the kernel, a clear error from apply', () => {
    const r = childJson(
      `
      const n = native.loadNative();
      let raw, viaApply;
      try { n.seccompSetModeFilter(native.encodeProgram(denyFchmod), 0); } catch (e) { raw = errInfo(e); }
      try { applySync(denyFchmod, { noNewPrivs: false }); } catch (e) { viaApply = errInfo(e); }
      out({ raw, viaApply, nnp: n.getNoNewPrivs(), mode: n.getSeccompMode() });
    `,
      { prefix: ['setpriv', '--bounding-set', '-sys_admin', '--inh-caps', '-sys_admin'] },
    );
    expect(r.raw).toMatchObject({ code: 'EACCES', errno: 13, syscall: 'seccomp' });
    expect(r.viaApply).toMatchObject({ name: 'SeccompError' });
    expect(String((r.viaApply as { message: string }).message)).toMatch(/noNewPrivs: false needs CAP_SYS_ADMIN/);
    expect(r).toMatchObject({ nnp: false, mode: 0 });
  });

  it('noNewPrivs: false is accepted with CAP_SYS_ADMIN', () => {
    const r = childJson(`
      const res = applySync(denyFchmod, { noNewPrivs: false });
      out({ res: res.noNewPrivs, st: status(), fchmod: tryFchmod() });
    `);
    expect(r).toMatchObject({ res: false, st: { mode: 2, noNewPrivs: false }, fchmod: 'E2BIG' });
  });

  it('listener: true returns a notification fd (NEW_LISTENER with TSYNC_ESRCH)', () => {
    const r = childJson(`
      const res = applySync(denyFchmod, { listener: true, log: true });
      out({ fd: res.listenerFd, flags: res.flagNames, link: fs.readlinkSync('/proc/self/fd/' + res.listenerFd) });
    `);
    expect(r.fd).toBeGreaterThan(2);
    expect(r.flags).toEqual(['TSYNC', 'LOG', 'NEW_LISTENER', 'TSYNC_ESRCH']);
    expect(r.link).toMatch(/seccomp notify/);
  });

  it('falls back to prctl(PR_SET_SECCOMP) when seccomp(2) is ENOSYS and no flag is needed', () => {
    const SECCOMP_NR = x64 ? 317 : 277;
    const r = childJson(`
      const n = native.loadNative();
      n.setNoNewPrivs();
      // First filter: seccomp(2) itself returns ENOSYS (38), as on a kernel without it.
      const noSeccomp = [ins(LD_W_ABS, 0), ins(JEQ, ${SECCOMP_NR}, 0, 1), ins(RET | K, 0x00050000 | 38), ins(RET | K, 0x7fff0000)];
      n.seccompSetModeFilter(native.encodeProgram(noSeccomp), 0);
      const ret = n.seccompSetModeFilter(native.encodeProgram(denyFchmod), 0);
      let withFlags, avail;
      try { n.seccompSetModeFilter(native.encodeProgram(denyFchmod), 2 /* LOG */); } catch (e) { withFlags = errInfo(e); }
      try { n.getActionAvail(0x7fff0000); } catch (e) { avail = errInfo(e); }
      out({ ret, filters: status().filters, fchmod: tryFchmod(), withFlags, avail });
    `);
    expect(r).toMatchObject({
      ret: 0,
      filters: 2,
      fchmod: 'E2BIG',
      withFlags: { code: 'ENOSYS', syscall: 'seccomp', message: 'seccomp(SECCOMP_SET_MODE_FILTER) failed: ENOSYS (Function not implemented)' },
      avail: { code: 'ENOSYS', syscall: 'seccomp' },
    });
  });

  it('actionAvailable answers from SECCOMP_GET_ACTION_AVAIL', () => {
    const r = childJson(`
      out({
        log: actionAvailable('SCMP_ACT_LOG'),
        kill: actionAvailable('SCMP_ACT_KILL_PROCESS'),
        errnoWithData: actionAvailable(0x00050001),
        bogus: actionAvailable(0x12340000),
        rawBogus: native.loadNative().getActionAvail(0x00050001),
      });
    `);
    expect(r).toEqual({ log: true, kill: true, errnoWithData: true, bogus: false, rawBogus: false });
  });

  it('execWithFilter execs with the filter installed: exit status, /proc/self/status, default SIGPIPE', () => {
    const r = runChild(`
      const script = 'grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs|SigIgn|SigBlk):" /proc/self/status; exit 7';
      native.loadNative().execWithFilter(native.encodeProgram(denyFchmod), 1, true, '/bin/sh', ['sh', '-c', script], ['PATH=/usr/bin:/bin']);
    `);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(7);
    const fields = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(/:\s*/) as [string, string]));
    expect(fields).toMatchObject({ Seccomp: '2', Seccomp_filters: '1', NoNewPrivs: '1' });
    // SIGPIPE (13) and SIGXFSZ (25) are not inherited as ignored, nothing is blocked.
    expect(BigInt(`0x${fields.SigIgn!}`) & ((1n << 12n) | (1n << 24n))).toBe(0n);
    expect(BigInt(`0x${fields.SigBlk!}`)).toBe(0n);
  });

  it('execWithFilter with a null program just execs (argv[0], environment pass through)', () => {
    const r = runChild(`
      native.loadNative().execWithFilter(null, 0, false, '/bin/sh', ['custom-argv0', '-c', 'echo "$0 $FOO"; grep ^Seccomp: /proc/self/status'], ['FOO=bar']);
    `);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^custom-argv0 bar\nSeccomp:\s+0\n$/);
  });

  it('an execve failure throws after the filter is installed, with syscall execve and path', () => {
    const r = childJson(`
      let err, nul, listener;
      try {
        native.loadNative().execWithFilter(native.encodeProgram(denyFchmod), 1, true, '/nonexistent/cmd', ['cmd'], []);
      } catch (e) { err = errInfo(e); }
      try { native.loadNative().execWithFilter(null, 0, false, '/bin/sh', ['sh\\0x'], []); } catch (e) { nul = e.name; }
      try { native.loadNative().execWithFilter(null, 8, false, '/bin/sh', ['sh'], []); } catch (e) { listener = e.name; }
      out({ err, nul, listener, mode: status().mode, fchmod: tryFchmod(), stdoutWorks: true });
    `);
    expect(r).toEqual({
      err: {
        name: 'SyscallError',
        message: 'execve(/nonexistent/cmd) failed: ENOENT (No such file or directory)',
        code: 'ENOENT',
        errno: 2,
        syscall: 'execve',
        path: '/nonexistent/cmd',
        isSeccompError: true,
      },
      nul: 'TypeError',
      listener: 'RangeError',
      mode: 2,
      fchmod: 'E2BIG',
      stdoutWorks: true,
    });
  });

  it('EACCES from execve for a non-executable file', () => {
    const r = childJson(`
      let err;
      try { native.loadNative().execWithFilter(null, 0, false, tmpFile, ['x'], []); } catch (e) { err = errInfo(e); }
      out(err);
    `);
    expect(r).toMatchObject({ code: 'EACCES', errno: 13, syscall: 'execve' });
  });

  it('a missing add-on gives NativeUnavailableError; importing the modules and status() do not need it', () => {
    const r = childJson(
      `
      let err;
      try { actionAvailable('SCMP_ACT_LOG'); } catch (e) { err = { name: e.name, message: e.message, cls: e instanceof native.NativeUnavailableError, base: e instanceof SeccompError }; }
      let again;
      try { applySync(denyFchmod); } catch (e) { again = e.name; }
      out({ err, again, mode: status().mode });
    `,
      { env: { SECCOMP_EXEC_NATIVE_PATH: '/nonexistent' } },
    );
    expect(r).toMatchObject({ err: { name: 'NativeUnavailableError', cls: true, base: true }, again: 'NativeUnavailableError', mode: 0 });
    const message = (r.err as { message: string }).message;
    expect(message).toMatch(/^seccomp-exec: native add-on unavailable: .*\/nonexistent/);
    expect(message).not.toContain('\n');
  });

  it('apply() with unconfined installs nothing', async () => {
    const r = childJson(`
      const res = await apply('unconfined');
      out({ res, mode: status().mode });
    `);
    expect(r).toEqual({
      res: { installed: false, source: 'unconfined', flags: 0, flagNames: [], threads: 'all', noNewPrivs: false, instructions: 0, actions: [], warnings: [] },
      mode: 0,
    });
  });

  it("apply('runtime/default') confines the process; Node, workers and child processes keep working", () => {
    const r = childJson(`
      const { spawnSync } = await import('node:child_process');
      const res = applySync('runtime/default', { compile: { deny: [{ name: 'fchmod', errno: 7 }] } });
      const worker = new Worker("import { parentPort } from 'node:worker_threads'; parentPort.postMessage(6 * 7);", { eval: true });
      const fromWorker = await new Promise((r, j) => { worker.once('message', r); worker.once('error', j); });
      await worker.terminate();
      const child = spawnSync('/bin/sh', ['-c', 'grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status'], { encoding: 'utf8' });
      out({
        source: res.source, installed: res.installed, flags: res.flagNames, st: status(),
        fchmod: tryFchmod(), fromWorker, child: child.stdout.replace(/\\s+/g, ' ').trim(),
      });
    `);
    expect(r).toMatchObject({
      source: 'runtime/default',
      installed: true,
      st: { mode: 2, filters: 1, noNewPrivs: true },
      fchmod: 'E2BIG',
      fromWorker: 42,
      child: 'NoNewPrivs: 1 Seccomp: 2 Seccomp_filters: 1',
    });
    expect(r.flags).toContain('TSYNC');
  });
});

describe('install hook (scripts/native-optional.cjs)', () => {
  const hook = join(root, 'scripts', 'native-optional.cjs');
  const runHook = (pre: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, ['-e', `${pre}; process.exitCode = require(${JSON.stringify(hook)}).main();`], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    return { status: r.status, stderr: r.stderr };
  };

  it('succeeds with one warning line on a non-Linux host', () => {
    const r = runHook("Object.defineProperty(process, 'platform', { value: 'darwin' })");
    expect(r).toEqual({
      status: 0,
      stderr: 'seccomp-exec: native add-on not built on darwin: applying filters needs Linux (the compiler and toolbox still work)\n',
    });
  });

  it.runIf(onLinux)('succeeds with one warning line on Linux without a C++ compiler', () => {
    const r = runHook('', { PATH: '/nonexistent', CXX: '', npm_config_build_from_source: 'true' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^seccomp-exec: no C\+\+ compiler .* native add-on not built: .*\n$/);
  });

  it.runIf(onLinux)('does nothing when a build already loads', () => {
    expect(runHook('')).toEqual({ status: 0, stderr: '' });
  });

  it.runIf(onLinux)('a failing build on Linux fails, visibly', () => {
    // In a scratch copy of the package, so the real build/ is never cleaned.
    const scratch = mkdtempSync(join(tmpdir(), 'seccomp-exec-hook-'));
    try {
      mkdirSync(join(scratch, 'scripts'));
      copyFileSync(hook, join(scratch, 'scripts', 'native-optional.cjs'));
      copyFileSync(join(root, 'binding.gyp'), join(scratch, 'binding.gyp'));
      cpSync(join(root, 'native'), join(scratch, 'native'), { recursive: true });
      const copy = join(scratch, 'scripts', 'native-optional.cjs');
      const r = spawnSync(process.execPath, [copy], {
        encoding: 'utf8',
        cwd: scratch,
        env: {
          ...process.env,
          CXX: '/bin/false',
          npm_config_build_from_source: 'true',
          npm_config_node_gyp: join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
        },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/seccomp-exec: building the native add-on failed \(exit status 1\)/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// In-process: pure functions and a fake binding (no filter is ever installed here).

function fakeBinding(overrides: Partial<NativeBinding> & { installed?: unknown[] }): NativeBinding & { installed: unknown[] } {
  const installed: unknown[] = overrides.installed ?? [];
  return {
    installed,
    setNoNewPrivs: () => undefined,
    getNoNewPrivs: () => true,
    getSeccompMode: () => 0,
    getActionAvail: () => true,
    seccompSetModeFilter: (p, f) => {
      installed.push([p, f]);
      return 0;
    },
    execWithFilter: () => {
      throw new Error('not in tests');
    },
    ...overrides,
  };
}

const ALLOW_ALL = [{ code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 }];

describe('loader and apply checks (fake binding, in process)', () => {
  afterEach(() => setNativeLoaderForTesting(undefined));

  it('unavailable messages are one line', () => {
    expect(unavailableMessage('darwin')).toBe(
      'seccomp-exec: native add-on unavailable on darwin: applying filters needs Linux (the compiler and toolbox still work)',
    );
    expect(unavailableMessage('linux', new Error('Cannot find module x\nRequire stack: …'))).toBe(
      'seccomp-exec: native add-on unavailable: Cannot find module x (build it with `npm rebuild seccomp-exec`, which needs a C++ compiler)',
    );
  });

  it('a failing loader gives NativeUnavailableError, cached until the loader changes', () => {
    let calls = 0;
    setNativeLoaderForTesting(() => {
      calls++;
      throw new Error('simulated load failure');
    });
    expect(() => loadNative()).toThrow(NativeUnavailableError);
    expect(() => loadNative()).toThrow(/simulated load failure/);
    expect(calls).toBe(1);
    setNativeLoaderForTesting(() => fakeBinding({}));
    expect(loadNative().getSeccompMode()).toBe(0);
  });

  it('a stale add-on without a function is unavailable', () => {
    setNativeLoaderForTesting(() => ({ getNoNewPrivs: () => false }) as unknown as NativeBinding);
    expect(() => loadNative()).toThrow(/has no function setNoNewPrivs\(\)/);
  });

  it('native errno errors become SyscallError (a SeccompError) with the same fields', () => {
    setNativeLoaderForTesting(() =>
      fakeBinding({
        setNoNewPrivs: () => {
          throw Object.assign(new Error('prctl(PR_SET_NO_NEW_PRIVS) failed: EINVAL (Invalid argument)'), { code: 'EINVAL', errno: 22, syscall: 'prctl' });
        },
      }),
    );
    let caught: unknown;
    try {
      loadNative().setNoNewPrivs();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SeccompError);
    expect(caught).toMatchObject({ name: 'SyscallError', code: 'EINVAL', errno: 22, syscall: 'prctl' });
  });

  it('apply fails closed when the kernel lacks an action the program returns', () => {
    const fake = fakeBinding({ getActionAvail: (a) => a !== 0x7ffc0000 });
    setNativeLoaderForTesting(() => fake);
    const prog = [{ code: 0x06, jt: 0, jf: 0, k: 0x7ffc0000 }];
    expect(() => applySync(prog)).toThrow(/does not support SECCOMP_RET_LOG \(0x7ffc0000\).*nothing installed/);
    expect(fake.installed).toHaveLength(0);
    applySync(ALLOW_ALL);
    expect(fake.installed).toHaveLength(1);
  });

  it('apply refuses a filter compiled for another machine, RET A and empty programs', () => {
    const fake = fakeBinding({});
    setNativeLoaderForTesting(() => fake);
    const other = arch() === 'x64' ? 'aarch64' : 'x86_64';
    const compiled: CompiledFilter = {
      machine: other,
      arches: [other],
      program: ALLOW_ALL,
      flags: 0,
      warnings: [],
      stats: { instructions: 1, cacheableAllowed: 0, unconditionallyAllowed: 0 },
    };
    expect(() => applySync(compiled)).toThrow(new RegExp(`compiled for ${other}`));
    expect(() => applySync([{ code: 0x16, jt: 0, jf: 0, k: 0 }])).toThrow(/RET A/);
    expect(() => applySync([])).toThrow(/empty/);
    expect(() => applySync(ALLOW_ALL, { threads: 'some' as 'all' })).toThrow(/threads must be 'all' or 'current'/);
    expect(fake.installed).toHaveLength(0);
  });

  it('apply passes the compiled flags plus TSYNC, or neither TSYNC bit for the current thread', () => {
    const fake = fakeBinding({});
    setNativeLoaderForTesting(() => fake);
    const compiled: CompiledFilter = {
      machine: arch() === 'x64' ? 'x86_64' : 'aarch64',
      arches: [],
      program: ALLOW_ALL,
      flags: 2 | 4,
      warnings: ['w1'],
      stats: { instructions: 1, cacheableAllowed: 0, unconditionallyAllowed: 0 },
    };
    const all = applySync(compiled);
    expect(all).toMatchObject({ flags: 7, flagNames: ['TSYNC', 'LOG', 'SPEC_ALLOW'], warnings: ['w1'], source: 'compiled filter' });
    const current = applySync(ALLOW_ALL, { threads: 'current', log: true });
    expect(current.flags).toBe(2);
    expect((fake.installed[1] as [Buffer, number])[1]).toBe(2);
  });

  it('encodes and decodes sock_filter arrays', () => {
    const prog = [
      { code: 0x20, jt: 0, jf: 0, k: 4 },
      { code: 0x15, jt: 1, jf: 2, k: 0xc000003e },
      { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
    ];
    const le = encodeProgram(prog, 'le');
    expect(le.toString('hex')).toBe('2000000004000000' + '150001023e0000c0' + '060000000000ff7f');
    expect(encodeProgram(prog, 'be').subarray(0, 8).toString('hex')).toBe('0020000000000004');
    expect(decodeProgram(le, 'le')).toEqual(prog);
    expect(() => encodeProgram([{ code: 0x15, jt: 256, jf: 0, k: 0 }])).toThrow(/instruction 0: jt 256 out of range/);
  });

  it('helpers: returned actions, flag names, action values, /proc parsing', () => {
    expect(returnedActions([
      { code: 0x06, jt: 0, jf: 0, k: 0x00050001 },
      { code: 0x06, jt: 0, jf: 0, k: 0x80000000 },
      { code: 0x06, jt: 0, jf: 0, k: 0x00050026 },
    ])).toEqual([0x50000, 0x80000000]);
    expect(filterFlagNames(1 | 8 | 16 | 0x100)).toEqual(['TSYNC', 'NEW_LISTENER', 'TSYNC_ESRCH', '0x100']);
    expect(actionPart('SCMP_ACT_KILL')).toBe(0);
    expect(actionPart('SCMP_ACT_NOTIFY')).toBe(0x7fc00000);
    expect(actionPart(0x00050026)).toBe(0x50000);
    expect(() => actionPart('SCMP_ACT_NOPE' as 'SCMP_ACT_LOG')).toThrow(/unknown action "SCMP_ACT_NOPE"/);
    const st = parseProcStatus('Name:\tnode\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t3\nCapEff:\t000001ffffffffff\n', '/proc/self/status');
    expect(st).toEqual({
      source: '/proc/self/status',
      supported: true,
      mode: 2,
      modeName: 'filter',
      filters: 3,
      noNewPrivs: true,
      effectiveCapabilities: 0x1ffffffffffn,
    });
    expect(parseProcStatus('Name:\tx\n', 'f')).toMatchObject({ supported: false, mode: 0, filters: undefined, noNewPrivs: false });
    expect(() => parseProcStatus('Seccomp:\t7\n', '/proc/1/status')).toThrow('/proc/1/status: Seccomp: unexpected mode 7');
    expect(statusPath(42)).toBe('/proc/42/status');
    expect(() => statusPath(-1)).toThrow(/positive integer/);
  });
});
