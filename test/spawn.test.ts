/**
 * Confined spawn()/execFile() on the real kernel. The filter is installed by the launcher in
 * each spawned child, never in this test process (checked at the end).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfinementError,
  clearSpawnCache,
  execFile,
  findLauncher,
  launcherCandidates,
  locateLauncher,
  prepareSpawnFilter,
  setLauncherLocatorForTesting,
  spawn,
} from '../src/spawn.js';
import { compile } from '../src/compiler/index.js';
import { defaultProfile } from '../src/profile/index.js';
import { NativeUnavailableError } from '../src/native/index.js';
import { SeccompError } from '../src/errors.js';
import { status } from '../src/status.js';
import type { CompiledFilter } from '../src/compiler/types.js';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return `seccomp needs Linux (this is ${process.platform})`;
  try {
    findLauncher();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}
const skip = skipReason();

/** Every event of a child, in order, until 'close'. */
function events(child: ChildProcess): Promise<{ name: string; args: unknown[] }[]> {
  const seen: { name: string; args: unknown[] }[] = [];
  return new Promise((resolve) => {
    for (const name of ['spawn', 'error', 'exit']) child.on(name, (...args: unknown[]) => seen.push({ name, args }));
    child.on('close', (...args: unknown[]) => {
      seen.push({ name: 'close', args });
      resolve(seen);
    });
  });
}

/** A compiled filter the kernel refuses (no RET instruction) or one with an unknown flag bit. */
function brokenFilter(kind: 'program' | 'flags'): CompiledFilter {
  const good = compile(defaultProfile());
  if (kind === 'flags') return { ...good, flags: 1 << 30 };
  return { ...good, program: [{ code: 0x20, jt: 0, jf: 0, k: 0 }] };
}

const SECCOMP_LINE = /^Seccomp:\s*(\d)$/m;

describe.skipIf(skip !== undefined)(`confined spawn on the real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'seccomp-spawn-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    setLauncherLocatorForTesting(undefined);
  });

  it('runs the command confined (filter + no_new_privs), with its stdout and exit status', async () => {
    const r = await execFile('sh', ['-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status']);
    expect(r.code).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/^Seccomp:\s*2$/m);
    expect(r.stdout).toMatch(/^NoNewPrivs:\s*1$/m);
  });

  it('denies what the filter denies, and the same command runs unconfined otherwise', async () => {
    const denied = join(dir, 'denied');
    const err = await execFile('mkdir', [denied], { seccomp: { deny: ['mkdir', 'mkdirat'] } }).then(
      () => undefined,
      (e: unknown) => e as { code: number; stderr: string; message: string },
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/Operation not permitted/);
    expect(err?.message).toMatch(/^Command failed: mkdir /);
    expect(existsSync(denied)).toBe(false);
    const allowed = join(dir, 'allowed');
    await execFile('mkdir', [allowed], { seccomp: { profile: 'runtime/default' } });
    expect(existsSync(allowed)).toBe(true);
  });

  it('a custom errno in deny reaches the command', async () => {
    const err = await execFile('mkdir', [join(dir, 'errno')], { seccomp: { deny: [{ name: 'mkdir', errno: 28 }, { name: 'mkdirat', errno: 28 }] } })
      .catch((e: { stderr: string }) => e);
    expect((err as { stderr: string }).stderr).toMatch(/No space left on device/);
  });

  it('keeps the ChildProcess contract: pid is the command, stdio, cwd, env, exit code, events in order', async () => {
    const child = spawn('sh', ['-c', 'echo "$$ $(pwd) $FOO"; read line; echo "got $line"; exit 7'], {
      cwd: dir,
      env: { PATH: process.env.PATH, FOO: 'bar' },
    });
    const seen = events(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stdin!.end('hello\n');
    const list = await seen;
    expect(list.map((e) => e.name)).toEqual(['spawn', 'exit', 'close']);
    expect(list[1]!.args).toEqual([7, null]);
    expect(out).toBe(`${child.pid} ${dir} bar\ngot hello\n`);
    expect(child.exitCode).toBe(7);
  });

  it('kill() and signals reach the command', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const seen = events(child);
    child.once('spawn', () => child.kill('SIGTERM'));
    const list = await seen;
    expect(list.find((e) => e.name === 'exit')!.args).toEqual([null, 'SIGTERM']);
  });

  it('honours timeout and AbortSignal like child_process', async () => {
    const timedOut = await execFile('sleep', ['30'], { timeout: 100 }).catch((e: { killed: boolean; signal: string }) => e);
    expect(timedOut).toMatchObject({ killed: true, signal: 'SIGTERM' });
    const ac = new AbortController();
    const p = execFile('sleep', ['30'], { signal: ac.signal });
    setImmediate(() => ac.abort());
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('passes uid/gid, argv0 and shell through', async () => {
    const asNobody = await execFile('sh', ['-c', 'id -u; grep ^Seccomp: /proc/self/status'], { uid: 65534, gid: 65534 });
    expect(asNobody.stdout).toMatch(/^65534\nSeccomp:\s*2\n$/);
    const argv0 = await execFile('cat', ['/proc/self/cmdline'], { argv0: 'kitty' });
    expect(argv0.stdout).toBe('kitty\0/proc/self/cmdline\0');
    const viaShell = await execFile('echo $((6 * 7)); grep ^Seccomp: /proc/self/status', [], { shell: true });
    expect(viaShell.stdout).toMatch(/^42\nSeccomp:\s*2\n$/);
  });

  it('runs many children from one compiled filter', async () => {
    const filter = compile(defaultProfile(), { deny: [{ name: 'mkdirat' }, { name: 'mkdir' }] });
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        execFile('sh', ['-c', `mkdir ${join(dir, `many-${i}`)} 2>/dev/null; echo $?; grep ^Seccomp: /proc/self/status`], { seccomp: filter }),
      ),
    );
    for (const r of runs) expect(r.stdout).toMatch(/^1\nSeccomp:\s*2\n$/);
  });

  it('profile unconfined runs the command without a filter', async () => {
    const r = await execFile('grep', ['^Seccomp:', '/proc/self/status'], { seccomp: { profile: 'unconfined' } });
    expect(SECCOMP_LINE.exec(r.stdout)![1]).toBe('0');
  });

  it('a command that is not found is an ENOENT error like child_process: no spawn, no exit, close', async () => {
    const child = spawn('no-such-command-seccomp-exec', ['x'], { stdio: 'ignore' });
    const list = await events(child);
    expect(list.map((e) => e.name)).toEqual(['error', 'close']);
    const err = list[0]!.args[0] as NodeJS.ErrnoException & { spawnargs: string[] };
    expect(err.message).toBe('spawn no-such-command-seccomp-exec ENOENT');
    expect(err).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'spawn no-such-command-seccomp-exec', path: 'no-such-command-seccomp-exec' });
    expect(err.spawnargs).toEqual(['x']);
    await expect(execFile('/no/such/file', [])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a file that is not executable is EACCES; a script without #! runs through /bin/sh as execvp does', async () => {
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, 'echo no\n');
    await expect(execFile(plain, [])).rejects.toMatchObject({ code: 'EACCES', message: `spawn ${plain} EACCES` });
    const script = join(dir, 'script');
    writeFileSync(script, 'echo "script $1"\n');
    chmodSync(script, 0o755);
    expect((await execFile(script, ['ran'])).stdout).toBe('script ran\n');
    expect((await execFile('script', ['via PATH'], { env: { PATH: `/nonexistent:${dir}` } })).stdout).toBe('script via PATH\n');
  });

  it('a filter the kernel refuses is an error event (ConfinementError) and the command never runs', async () => {
    const marker = join(dir, 'marker');
    for (const kind of ['program', 'flags'] as const) {
      const child = spawn('touch', [marker], { seccomp: brokenFilter(kind), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const list = await events(child);
      expect(list.map((e) => e.name)).toEqual(['error', 'close']);
      const err = list[0]!.args[0] as ConfinementError;
      expect(err).toBeInstanceOf(ConfinementError);
      expect(err).toBeInstanceOf(SeccompError);
      expect(err).toMatchObject({ code: 'EINVAL', stage: 'seccomp', errno: 22, path: 'touch' });
      expect(err.message).toBe('spawn touch: cannot confine the child: seccomp(SECCOMP_SET_MODE_FILTER) failed: EINVAL; the command did not run');
      expect(stderr).toBe('seccomp-launcher: seccomp(SECCOMP_SET_MODE_FILTER) failed: EINVAL; command not run\n');
      expect(list[1]!.args[0]).toBe(125);
      expect(existsSync(marker)).toBe(false);
    }
    await expect(execFile('touch', [marker], { seccomp: brokenFilter('program') })).rejects.toBeInstanceOf(ConfinementError);
    expect(existsSync(marker)).toBe(false);
  });

  it('a bad profile or an unknown syscall name throws synchronously and starts nothing', async () => {
    expect(() => spawn('true', [], { seccomp: { profile: join(dir, 'missing.json') } })).toThrow(/cannot read profile ".*missing\.json"/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "defaultAction": "SCMP_ACT_NOPE", "syscalls": [] }');
    expect(() => spawn('true', [], { seccomp: { profile: bad } })).toThrow(SeccompError);
    expect(() => spawn('true', [], { seccomp: { deny: ['no_such_syscall'] } })).toThrow(/unknown syscall name "no_such_syscall"/);
    expect(() => spawn('true', [], { seccomp: { deny: [42 as unknown as string] } })).toThrow(/^seccomp\.deny\[0\]: expected a syscall name/);
    expect(() => spawn('true', [], { seccomp: { capAdd: 'CAP_SYS_ADMIN' as unknown as string[] } })).toThrow(/^seccomp\.capAdd: expected an array of strings/);
    expect(() => spawn('true', [], { seccomp: { profle: 'x' } as unknown as { profile: string } })).toThrow('seccomp: unknown option "profle"');
    await expect(execFile('true', [], { seccomp: { deny: ['no_such_syscall'] } })).rejects.toThrow(SeccompError);
  });

  it('a missing launcher or a non-Linux platform is a NativeUnavailableError and starts nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'seccomp-noroot-'));
    try {
      expect(() => locateLauncher({ root: empty })).toThrow(NativeUnavailableError);
      expect(() => locateLauncher({ root: empty })).toThrow(/seccomp-launcher executable is missing \(looked in .*build\/Release\/seccomp-launcher, .*prebuilds\/linux-/);
      expect(launcherCandidates(empty)[2]).toBe(join(empty, 'prebuilds', `linux-${process.arch}`, 'seccomp-launcher'));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    expect(() => locateLauncher({ override: join(dir, 'nope') })).toThrow(/SECCOMP_EXEC_LAUNCHER=.*nope is not an executable file/);
    setLauncherLocatorForTesting(() => locateLauncher({ platform: 'darwin' }));
    expect(() => spawn('true')).toThrow('seccomp-exec: confined spawn unavailable on darwin: seccomp filters need Linux (the compiler and toolbox still work)');
    await expect(execFile('true')).rejects.toBeInstanceOf(NativeUnavailableError);
    // unconfined needs no launcher
    expect((await execFile('echo', ['plain'], { seccomp: { profile: 'unconfined' } })).stdout).toBe('plain\n');
  });

  it('compiles identical settings once (Profile object, reference, compiled filter) and notices changed files', () => {
    clearSpawnCache();
    const a = prepareSpawnFilter({ deny: ['mkdir'] });
    expect(prepareSpawnFilter({ deny: ['mkdir'] })).toBe(a);
    expect(prepareSpawnFilter({ profile: 'runtime/default', deny: [{ name: 'mkdir' }] })).toBe(a);
    expect(prepareSpawnFilter({ deny: ['mkdirat'] })).not.toBe(a);
    expect(prepareSpawnFilter({ deny: ['mkdir'], noNewPrivs: false })).not.toBe(a);
    const profile = defaultProfile();
    const p = prepareSpawnFilter({ profile });
    expect(prepareSpawnFilter({ profile })).toBe(p);
    const filter = compile(profile);
    const f = prepareSpawnFilter(filter);
    expect(prepareSpawnFilter(filter)).toBe(f);
    expect(f !== 'unconfined' && f.filter).toBe(filter);

    const file = join(dir, 'profile.json');
    writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }));
    const first = prepareSpawnFilter({ profile: file });
    expect(prepareSpawnFilter({ profile: file })).toBe(first);
    writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const second = prepareSpawnFilter({ profile: file });
    expect(second).not.toBe(first);
    expect(first !== 'unconfined' && second !== 'unconfined' && second.raw.equals(first.raw)).toBe(false);
    expect(prepareSpawnFilter({ profile: 'unconfined' })).toBe('unconfined');
  });

  it('noNewPrivs: false leaves no_new_privs unset (root holds CAP_SYS_ADMIN here)', async () => {
    if (process.getuid?.() !== 0) return;
    const r = await execFile('grep', ['-E', '^(Seccomp|NoNewPrivs):', '/proc/self/status'], { seccomp: { noNewPrivs: false } });
    expect(r.stdout).toMatch(/^Seccomp:\s*2$/m);
    expect(r.stdout).toMatch(/^NoNewPrivs:\s*0$/m);
  });

  describe('the launcher itself', () => {
    /** ALLOW everything: RET K=SECCOMP_RET_ALLOW, little-endian struct sock_filter. */
    const ALLOW = '060000000000ff7f';
    const run = (args: string[]) => {
      const r = spawnSync(findLauncher(), args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, report: String(r.output[3] ?? '') };
    };

    it('installs the program and execs: the status pipe closes without data', () => {
      const r = run(['3', ALLOW, '0', '1', 'sh', 'sh', '-c', 'grep ^Seccomp: /proc/self/status; if test -e /proc/self/fd/3; then echo fd3 open; else echo fd3 closed; fi']);
      expect(r).toMatchObject({ status: 0, report: '', stderr: '' });
      expect(r.stdout).toMatch(/^Seccomp:\s*2\nfd3 closed\n$/); // close-on-exec
    });

    it.each([
      ['bad hex digit', ['3', `${ALLOW.slice(0, 15)}g`, '0', '1', 'true', 'true']],
      ['odd number of digits', ['3', `${ALLOW}0`, '0', '1', 'true', 'true']],
      ['partial instruction', ['3', ALLOW.slice(0, 8), '0', '1', 'true', 'true']],
      ['more than 4096 instructions', ['3', ALLOW.repeat(4097), '0', '1', 'true', 'true']],
      ['flags not a number', ['3', ALLOW, '0x4', '1', 'true', 'true']],
      ['nnp not 0 or 1', ['3', ALLOW, '0', '2', 'true', 'true']],
    ])('refuses %s: status 125, report "usage 22", nothing run', (_name, args) => {
      const r = run(args);
      expect(r.status).toBe(125);
      expect(r.report).toBe('usage 22\n');
      expect(r.stderr).toMatch(/^seccomp-launcher: parsing the (arguments|program) failed: EINVAL; command not run\n$/);
    });

    it('accepts 4096 instructions and reports an exec failure with 127 / 126', () => {
      expect(run(['3', ALLOW.repeat(4096), '0', '1', 'true', 'true'])).toMatchObject({ status: 0, report: '' });
      expect(run(['3', ALLOW, '0', '1', 'no-such-command-x', 'x'])).toMatchObject({ status: 127, report: 'exec 2\n', stderr: '' });
      expect(run(['3', ALLOW, '0', '1', '/etc/passwd', 'x'])).toMatchObject({ status: 126, report: 'exec 13\n' });
    });

    it('prints its usage when called without arguments', () => {
      const r = spawnSync(findLauncher(), [], { encoding: 'utf8' });
      expect(r.status).toBe(125);
      expect(r.stderr).toBe('usage: seccomp-launcher FD PROGRAM FLAGS NNP FILE ARGV0 [ARG...]\n');
    });
  });

  it('never confines this process', () => {
    expect(status('self').mode).toBe(0);
    expect(SECCOMP_LINE.exec(readFileSync('/proc/thread-self/status', 'utf8'))![1]).toBe('0');
  });
});
