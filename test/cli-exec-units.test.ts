/**
 * Unit tests of the exec flow (src/exec.ts) and the shared CLI helpers (src/cli/common.ts),
 * with a fake native backend: nothing here touches the kernel's seccomp state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import {
  CommandError,
  describeFlags,
  environmentList,
  execConfined,
  findCommand,
  holdsCapability,
  prepareConfinement,
  programActions,
  type Confinement,
  type ExecBackend,
} from '../src/exec.js';
import {
  ERRNO,
  collectCapability,
  errnoName,
  oneLine,
  parseArgWidth,
  parseDenySpec,
  parseErrno,
  parseKernelVersion,
} from '../src/cli/common.js';
import { SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_LOG } from '../src/bpf/seccomp.js';
import { SeccompError } from '../src/errors.js';

describe('findCommand (execvp-like PATH lookup)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'seccomp-exec-path-'));
    for (const d of ['a', 'b', 'c']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'a', 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'a', 'tool'), 0o644); // not executable: skipped, remembered
    writeFileSync(join(dir, 'b', 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'b', 'tool'), 0o755);
    writeFileSync(join(dir, 'c', 'only-plain'), '');
    chmodSync(join(dir, 'c', 'only-plain'), 0o644);
    mkdirSync(join(dir, 'c', 'a-directory'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the first executable candidate in PATH order', () => {
    const path = [join(dir, 'a'), join(dir, 'b')].join(':');
    expect(findCommand('tool', path)).toBe(join(dir, 'b', 'tool'));
  });

  it('not found anywhere → 127 "command not found"', () => {
    let err: unknown;
    try {
      findCommand('nope', join(dir, 'a'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).exitCode).toBe(127);
    expect((err as CommandError).message).toBe('nope: command not found');
  });

  it('only non-executable candidates → 126 "Permission denied"; a directory → 126', () => {
    expect(() => findCommand('only-plain', join(dir, 'c'))).toThrow(/^only-plain: Permission denied$/);
    try {
      findCommand('a-directory', join(dir, 'c'));
    } catch (e) {
      expect((e as CommandError).exitCode).toBe(126);
    }
    expect(() => findCommand('a-directory', join(dir, 'c'))).toThrow(/Is a directory/);
  });

  it('a name with a slash is used as given, whatever PATH says', () => {
    expect(findCommand(join(dir, 'b', 'tool'), '')).toBe(join(dir, 'b', 'tool'));
    expect(() => findCommand(join(dir, 'b', 'missing'), join(dir, 'b'))).toThrow(/No such file or directory/);
    expect(() => findCommand(join(dir, 'a', 'tool'), join(dir, 'b'))).toThrow(/Permission denied/);
  });

  it('an empty PATH entry means the current directory', () => {
    const cwd = process.cwd();
    try {
      process.chdir(join(dir, 'b'));
      expect(findCommand('tool', `${join(dir, 'a')}:`)).toBe('./tool');
    } finally {
      process.chdir(cwd);
    }
  });

  it('PATH unset → /bin:/usr/bin, as glibc', () => {
    expect(['/bin/sh', '/usr/bin/sh']).toContain(findCommand('sh', undefined));
  });

  it('empty command → 127', () => {
    expect(() => findCommand('', '/bin')).toThrow(CommandError);
  });
});

describe('execConfined with a fake backend', () => {
  interface Call {
    program: Uint8Array | null;
    flags: number;
    nnp: boolean;
    file: string;
    argv: readonly string[];
    envp: readonly string[];
  }
  class Exec extends Error {}

  function backend(opts: { unavailable?: number[]; execError?: Error } = {}): { b: ExecBackend; calls: Call[]; asked: number[] } {
    const calls: Call[] = [];
    const asked: number[] = [];
    const b: ExecBackend = {
      getActionAvail(action: number): boolean {
        asked.push(action);
        return !(opts.unavailable ?? []).includes(action);
      },
      execWithFilter(program, flags, nnp, file, argv, envp): never {
        calls.push({ program, flags, nnp, file, argv, envp });
        throw opts.execError ?? new Exec('would exec');
      },
    };
    return { b, calls, asked };
  }

  let confinement: Confinement;
  beforeAll(async () => {
    confinement = await prepareConfinement({ profile: 'runtime/default', compile: { machine: 'x86_64', kernel: '6.18' } });
  });

  it('one call with the encoded program, TSYNC in the flags and no_new_privs', () => {
    const { b, calls, asked } = backend();
    expect(() => execConfined(confinement, '/bin/true', ['true', 'x'], ['A=1'], { backend: b })).toThrow(Exec);
    expect(calls).toHaveLength(1);
    const c = calls[0]!;
    expect(c.file).toBe('/bin/true');
    expect(c.argv).toEqual(['true', 'x']);
    expect(c.envp).toEqual(['A=1']);
    expect(c.nnp).toBe(true);
    expect(c.flags & 1).toBe(1);
    expect(c.program).not.toBeNull();
    expect(c.program!.length).toBe(8 * confinement.filter!.program.length);
    // every action the program can return was checked with the kernel first
    expect(asked.sort()).toEqual(programActions(confinement.filter!.program).sort());
    expect(asked).toContain(SECCOMP_RET_ALLOW);
  });

  it('fails closed: an action the kernel lacks means no native exec call', () => {
    const { b, calls } = backend({ unavailable: [SECCOMP_RET_KILL_PROCESS] });
    expect(() => execConfined(confinement, '/bin/true', ['true'], [], { backend: b })).toThrow(
      /does not support the action KILL_PROCESS/,
    );
    expect(calls).toHaveLength(0);
  });

  it('fails closed on SCMP_ACT_NOTIFY (no agent to receive the listener)', async () => {
    const notify = await prepareConfinement({
      compile: { machine: 'x86_64', kernel: '6.18', defaultAction: 'SCMP_ACT_NOTIFY' },
    });
    const { b, calls } = backend();
    expect(() => execConfined(notify, '/bin/true', ['true'], [], { backend: b })).toThrow(/SCMP_ACT_NOTIFY/);
    expect(calls).toHaveLength(0);
  });

  it('unconfined: no program, no flags, no no_new_privs', async () => {
    const u = await prepareConfinement({ profile: 'unconfined' });
    expect(u).toEqual({ source: 'unconfined', filter: null, flags: 0, noNewPrivs: false });
    const { b, calls, asked } = backend();
    expect(() => execConfined(u, '/bin/true', ['true'], [], { backend: b })).toThrow(Exec);
    expect(calls[0]!.program).toBeNull();
    expect(calls[0]!.nnp).toBe(false);
    expect(asked).toEqual([]);
  });

  it('execve failures become CommandError 126/127; install failures a one-line SeccompError', () => {
    const enoent = Object.assign(new Error('execve(/x) failed: ENOENT (No such file or directory)'), {
      code: 'ENOENT', errno: 2, syscall: 'execve',
    });
    const eacces = Object.assign(new Error('execve(/x) failed: EACCES (Permission denied)'), {
      code: 'EACCES', errno: 13, syscall: 'execve',
    });
    const einval = Object.assign(new Error('seccomp(SECCOMP_SET_MODE_FILTER) failed: EINVAL (Invalid argument)'), {
      code: 'EINVAL', errno: 22, syscall: 'seccomp',
    });
    const run = (e: Error): unknown => {
      try {
        execConfined(confinement, '/x', ['x'], [], { backend: backend({ execError: e }).b });
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const a = run(enoent) as CommandError;
    expect(a).toBeInstanceOf(CommandError);
    expect(a.exitCode).toBe(127);
    const b = run(eacces) as CommandError;
    expect(b.exitCode).toBe(126);
    expect(b.message).toMatch(/^x: cannot execute: Permission denied/);
    const c = run(einval) as Error;
    expect(c).toBeInstanceOf(SeccompError);
    expect(c).not.toBeInstanceOf(CommandError);
    expect(c.message).toMatch(/^cannot install the filter: seccomp\(SECCOMP_SET_MODE_FILTER\) failed: EINVAL/);
  });

  it('ENOEXEC: retried through /bin/sh without installing a second filter', () => {
    const calls: { program: Uint8Array | null; file: string; argv: readonly string[] }[] = [];
    const b: ExecBackend = {
      getActionAvail: () => true,
      execWithFilter: (program, _flags, _nnp, file, argv): never => {
        calls.push({ program, file, argv });
        if (calls.length === 1) {
          throw Object.assign(new Error('execve(/s) failed: ENOEXEC (Exec format error)'), {
            code: 'ENOEXEC', errno: 8, syscall: 'execve',
          });
        }
        throw new Exec();
      },
    };
    expect(() => execConfined(confinement, '/tmp/s', ['s', 'a'], [], { backend: b })).toThrow(Exec);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.program).not.toBeNull();
    expect(calls[1]).toEqual({ program: null, file: '/bin/sh', argv: ['sh', '/tmp/s', 'a'] });
  });

  it('beforeExec runs after the checks and right before the native call', () => {
    const order: string[] = [];
    const b: ExecBackend = {
      getActionAvail: () => {
        order.push('avail');
        return true;
      },
      execWithFilter: (): never => {
        order.push('exec');
        throw new Exec();
      },
    };
    expect(() =>
      execConfined(confinement, '/bin/true', ['true'], [], { backend: b, beforeExec: () => order.push('before') }),
    ).toThrow(Exec);
    expect(order.slice(-2)).toEqual(['before', 'exec']);
    expect(order[0]).toBe('avail');
  });
});

describe('prepareConfinement', () => {
  it('--log sets SECCOMP_FILTER_FLAG_LOG; TSYNC is always added', async () => {
    const c = await prepareConfinement({ compile: { log: true, machine: 'x86_64', kernel: '6.18' } });
    expect(c.flags & 2).toBe(2);
    expect(c.flags & 1).toBe(1);
    expect(c.noNewPrivs).toBe(true);
    expect(c.source).toBe('runtime/default');
  });

  it('an unknown syscall given on the command line is an error', async () => {
    await expect(prepareConfinement({ compile: { allow: ['nosuchcall'] } })).rejects.toThrow(/nosuchcall/);
    await expect(prepareConfinement({ compile: { deny: [{ name: 'nosuchcall' }] } })).rejects.toThrow(/nosuchcall/);
  });

  it('reports phases when asked', async () => {
    const phases: string[] = [];
    await prepareConfinement({ onPhase: (p) => phases.push(p), compile: { machine: 'x86_64', kernel: '6.18' } });
    expect(phases).toEqual(['profile', 'compile']);
  });
});

describe('small helpers', () => {
  it('holdsCapability reads CapEff', () => {
    const status = 'Name:\tx\nCapEff:\t0000000000200000\n';
    expect(holdsCapability('CAP_SYS_ADMIN', status)).toBe(true);
    expect(holdsCapability('CAP_SYS_BOOT', status)).toBe(false);
    expect(holdsCapability('CAP_SYS_ADMIN', 'Name:\tx\n')).toBe(false);
  });

  it('describeFlags names the bits', () => {
    expect(describeFlags(0)).toBe('none');
    expect(describeFlags(1 | 2)).toBe('TSYNC|LOG');
    expect(describeFlags(1 | 4 | 64)).toBe('TSYNC|SPEC_ALLOW|0x40');
  });

  it('programActions lists distinct RET actions without their data', () => {
    const prog = [
      { code: 0x06, jt: 0, jf: 0, k: (SECCOMP_RET_ERRNO | 1) >>> 0 },
      { code: 0x06, jt: 0, jf: 0, k: (SECCOMP_RET_ERRNO | 38) >>> 0 },
      { code: 0x06, jt: 0, jf: 0, k: SECCOMP_RET_LOG },
      { code: 0x20, jt: 0, jf: 0, k: 0 },
    ];
    expect(programActions(prog)).toEqual([SECCOMP_RET_ERRNO, SECCOMP_RET_LOG]);
  });

  it('environmentList gives KEY=VALUE strings', () => {
    expect(environmentList({ A: '1', B: 'x=y', C: undefined })).toEqual(['A=1', 'B=x=y']);
  });

  it('the errno table agrees with the host where both know a name (Linux)', () => {
    if (process.platform !== 'linux') return;
    const host = osConstants.errno as Record<string, number>;
    let compared = 0;
    for (const [name, n] of ERRNO) {
      if (host[name] !== undefined) {
        expect(`${name}=${n}`).toBe(`${name}=${host[name]}`);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(70);
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(38)).toBe('ENOSYS');
    expect(errnoName(41)).toBeUndefined();
  });

  it('parseErrno: names (any case), numbers, range', () => {
    expect(parseErrno('EPERM')).toBe(1);
    expect(parseErrno('eacces')).toBe(13);
    expect(parseErrno('ENOTSUP')).toBe(95);
    expect(parseErrno('38')).toBe(38);
    expect(() => parseErrno('70000')).toThrow(/out of range/);
    expect(() => parseErrno('EFOO')).toThrow(InvalidArgumentError);
  });

  it('parseDenySpec: NAME and NAME:ERRNO', () => {
    expect(parseDenySpec('mount')).toEqual({ name: 'mount' });
    expect(parseDenySpec('mount:EACCES')).toEqual({ name: 'mount', errno: 13 });
    expect(parseDenySpec('socket:97')).toEqual({ name: 'socket', errno: 97 });
    expect(() => parseDenySpec('Mount!')).toThrow(/invalid syscall name/);
    expect(() => parseDenySpec('mount:')).toThrow(/unknown errno/);
  });

  it('collectCapability normalizes and accumulates; unknown names are usage errors', () => {
    expect(collectCapability('sys_admin', ['CAP_SYS_BOOT'])).toEqual(['CAP_SYS_BOOT', 'CAP_SYS_ADMIN']);
    expect(collectCapability('all', undefined)).toEqual(['ALL']);
    expect(() => collectCapability('CAP_NOPE', undefined)).toThrow(InvalidArgumentError);
  });

  it('parseKernelVersion and parseArgWidth', () => {
    expect(parseKernelVersion('6.1')).toBe('6.1');
    expect(parseKernelVersion('5.10.3')).toBe('5.10.3');
    expect(() => parseKernelVersion('6')).toThrow(InvalidArgumentError);
    expect(parseArgWidth('64')).toBe(64);
    expect(() => parseArgWidth('48')).toThrow(InvalidArgumentError);
  });

  it('oneLine joins lines and never yields a stack', () => {
    const e = new Error('first\n  second\n\n');
    expect(oneLine(e)).toBe('first second');
    expect(oneLine('x')).toBe('x');
    expect(oneLine(new Error(''))).toBe('unknown error');
  });
});
