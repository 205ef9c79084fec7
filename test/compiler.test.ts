import { describe, it, expect } from 'vitest';
import { compile } from '../src/compiler/index.js';
import { parseProfile, loadProfileFile } from '../src/profile/load.js';
import { runProgram } from '../src/bpf/emulator.js';
import { syscallNumber } from '../src/arch/index.js';
import type { ArchName, MachineName } from '../src/arch/types.js';
import type { CompiledFilter } from '../src/compiler/types.js';
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64,
  SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
} from '../src/bpf/seccomp.js';

const ALLOW = SECCOMP_RET_ALLOW;
const EPERM = (SECCOMP_RET_ERRNO | 1) >>> 0;
const ENOSYS = (SECCOMP_RET_ERRNO | 38) >>> 0;
const AUDIT: Record<ArchName, number> = {
  x86_64: AUDIT_ARCH_X86_64, x32: AUDIT_ARCH_X86_64, x86: AUDIT_ARCH_I386, aarch64: AUDIT_ARCH_AARCH64, arm: AUDIT_ARCH_ARM,
};
const SHARED = new URL('../../shared/profiles/', import.meta.url).pathname;

function profile(obj: unknown) {
  return parseProfile(JSON.stringify(obj), 'test.json');
}

/** Profile JSON with big values written as raw numbers (JSON.stringify cannot). */
function profileText(text: string) {
  return parseProfile(text, 'test.json');
}

function nrOf(arch: ArchName, name: string): number {
  const nr = syscallNumber(arch, name);
  if (nr === undefined) throw new Error(`${name} unknown on ${arch}`);
  return nr;
}

function run(f: CompiledFilter, arch: ArchName, name: string | number, args: bigint[] = []): number {
  const nr = typeof name === 'number' ? name : nrOf(arch, name);
  return runProgram(f.program, { arch: AUDIT[arch], nr, args }).ret >>> 0;
}

const X86 = { machine: 'x86_64' as MachineName, kernel: '6.8' };
const ARM = { machine: 'aarch64' as MachineName, kernel: '6.8' };

describe('actions', () => {
  const base = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
  };
  it('maps every action to its kernel value', () => {
    const f = compile(profile({
      ...base,
      syscalls: [
        { names: ['getpid'], action: 'SCMP_ACT_KILL' },
        { names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['gettid'], action: 'SCMP_ACT_KILL_THREAD' },
        { names: ['getuid'], action: 'SCMP_ACT_TRAP' },
        { names: ['getgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['geteuid'], action: 'SCMP_ACT_ERRNO' },
        { names: ['getegid'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
        { names: ['getpgrp'], action: 'SCMP_ACT_LOG' },
        { names: ['getsid'], action: 'SCMP_ACT_NOTIFY' },
      ],
    }), X86);
    expect(run(f, 'x86_64', 'getpid')).toBe(SECCOMP_RET_KILL_THREAD);
    expect(run(f, 'x86_64', 'getppid')).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(f, 'x86_64', 'gettid')).toBe(SECCOMP_RET_KILL_THREAD);
    expect(run(f, 'x86_64', 'getuid')).toBe(SECCOMP_RET_TRAP);
    expect(run(f, 'x86_64', 'getgid')).toBe((SECCOMP_RET_ERRNO | 13) >>> 0);
    expect(run(f, 'x86_64', 'geteuid')).toBe(EPERM);
    expect(run(f, 'x86_64', 'getegid')).toBe((SECCOMP_RET_TRACE | 7) >>> 0);
    expect(run(f, 'x86_64', 'getpgrp')).toBe(SECCOMP_RET_LOG);
    expect(run(f, 'x86_64', 'getsid')).toBe(SECCOMP_RET_USER_NOTIF);
    expect(run(f, 'x86_64', 'read')).toBe(ALLOW);
  });

  it('defaultErrnoRet and the EPERM default', () => {
    const a = compile(profile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 13, syscalls: [{ names: ['read', 'openat'], action: 'SCMP_ACT_ALLOW' }] }), X86);
    expect(run(a, 'x86_64', 'write')).toBe((SECCOMP_RET_ERRNO | 13) >>> 0);
    const b = compile(profile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'openat'], action: 'SCMP_ACT_ALLOW' }] }), X86);
    expect(run(b, 'x86_64', 'write')).toBe(EPERM);
    expect(run(b, 'x86_64', 'read')).toBe(ALLOW);
  });

  it('requests SPEC_ALLOW when the profile sets no flags, as runc does', () => {
    const a = compile(profile({ defaultAction: 'SCMP_ACT_ALLOW' }), X86);
    expect(a.flags).toBe(SECCOMP_FILTER_FLAG_SPEC_ALLOW);
    const b = compile(profile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'] }), X86);
    expect(b.flags & SECCOMP_FILTER_FLAG_SPEC_ALLOW).toBe(0);
  });
});

describe('argument operators at their boundaries, high half set', () => {
  // mmap's arguments are all 64-bit (addr, len, prot is int though): use arg 1 (size_t len).
  const V = 0x1_0000_0028n;
  const cases: [string, (x: bigint) => boolean][] = [
    ['SCMP_CMP_NE', (x) => x !== V],
    ['SCMP_CMP_LT', (x) => x < V],
    ['SCMP_CMP_LE', (x) => x <= V],
    ['SCMP_CMP_EQ', (x) => x === V],
    ['SCMP_CMP_GE', (x) => x >= V],
    ['SCMP_CMP_GT', (x) => x > V],
  ];
  const probes = [0n, 0x28n, 0x27n, 0x29n, V - 1n, V, V + 1n, 0x2_0000_0028n, 0x0_ffff_ffffn, 0xffff_ffff_0000_0028n, (1n << 64n) - 1n];
  for (const machine of ['x86_64', 'aarch64'] as const) {
    const arch: ArchName = machine === 'x86_64' ? 'x86_64' : 'aarch64';
    for (const [op, holds] of cases) {
      it(`${op} on ${machine}`, () => {
        const f = compile(profileText(
          `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mmap"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":${V},"op":"${op}"}]}]}`,
        ), { machine, kernel: '6.8' });
        for (const x of probes) expect([x, run(f, arch, 'mmap', [0n, x])]).toEqual([x, holds(x) ? ALLOW : EPERM]);
      });
    }
    it(`SCMP_CMP_MASKED_EQ with a 64-bit mask on ${machine}`, () => {
      const mask = 0xff00_0000_0000_00f0n;
      const want = 0x1200_0000_0000_0030n;
      const f = compile(profileText(
        `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mmap"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":${mask},"valueTwo":${want},"op":"SCMP_CMP_MASKED_EQ"}]}]}`,
      ), { machine, kernel: '6.8' });
      for (const x of [want, want | 0x0fn, want | 0x00ff_0000_0000_0000n, 0x1300_0000_0000_0030n, 0x1200_0000_0000_0020n, 0n]) {
        expect(run(f, arch, 'mmap', [0n, x])).toBe((x & mask) === want ? ALLOW : EPERM);
      }
    });
  }
});

describe('argument semantics', () => {
  it('conditions on different arguments are ANDed', () => {
    const f = compile(profile({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [
        { index: 0, value: 5, op: 'SCMP_CMP_EQ' }, { index: 1, value: 7, op: 'SCMP_CMP_EQ' }] }],
    }), X86);
    expect(run(f, 'x86_64', 'mmap', [5n, 7n])).toBe(ALLOW);
    expect(run(f, 'x86_64', 'mmap', [5n, 8n])).toBe(EPERM);
    expect(run(f, 'x86_64', 'mmap', [4n, 7n])).toBe(EPERM);
  });
  it('several conditions on the same argument are ORed (runc), as separate rules', () => {
    const f = compile(profile({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [
        { index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }],
    }), X86);
    expect(run(f, 'x86_64', 'personality', [0n])).toBe(ALLOW);
    expect(run(f, 'x86_64', 'personality', [8n])).toBe(ALLOW);
    expect(run(f, 'x86_64', 'personality', [4n])).toBe(EPERM);
  });
  it('32-bit arguments compare their low half by default; --arg-width 64 compares all 64 bits like runc', () => {
    const p = profileText(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
      {"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":40,"op":"SCMP_CMP_NE"}]}]}`);
    for (const [machine, arch] of [['x86_64', 'x86_64'], ['aarch64', 'aarch64']] as const) {
      const narrow = compile(p, { machine, kernel: '6.8' });
      const wide = compile(p, { machine, kernel: '6.8', argWidth: 64 });
      // AF_VSOCK (40) with garbage in the high half: the kernel sees 40.
      expect(run(narrow, arch, 'socket', [0x1_0000_0028n, 1n, 0n])).toBe(EPERM);
      expect(run(wide, arch, 'socket', [0x1_0000_0028n, 1n, 0n])).toBe(ALLOW);
      expect(run(narrow, arch, 'socket', [40n])).toBe(EPERM);
      expect(run(narrow, arch, 'socket', [2n])).toBe(ALLOW);
      expect(run(wide, arch, 'socket', [2n])).toBe(ALLOW);
    }
  });
});

describe('architectures', () => {
  const p = profile({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['read', 'write', 'socketcall', 'socket'], action: 'SCMP_ACT_ALLOW' }],
  });
  it('judges x86 by its own table and x32 by the x32 table', () => {
    const f = compile(p, X86);
    expect(f.arches).toEqual(['x86_64', 'x86', 'x32']);
    expect(run(f, 'x86', 'read')).toBe(ALLOW);
    expect(run(f, 'x86', 'socketcall')).toBe(ALLOW);
    expect(run(f, 'x86', 'getpid')).toBe(EPERM);
    expect(run(f, 'x32', 'read')).toBe(ALLOW);
    expect(run(f, 'x32', 'getpid')).toBe(EPERM);
    // x86's read (3) is x86_64's close
    expect(run(f, 'x86_64', 3)).toBe(EPERM);
  });
  it('kills x32 calls and foreign arches when they are not in the profile', () => {
    const f = compile(profile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'] }), X86);
    expect(f.arches).toEqual(['x86_64']);
    expect(run(f, 'x32', 'read')).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(f, 'x86', 'read')).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(runProgram(f.program, { arch: AUDIT_ARCH_AARCH64, nr: 63 }).ret >>> 0).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(f, 'x86_64', 'read')).toBe(ALLOW);
  });
  it('arm on aarch64', () => {
    const f = compile(profile({
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] }],
      syscalls: [{ names: ['read', 'cacheflush', 'mseal'], action: 'SCMP_ACT_ALLOW' }],
    }), ARM);
    expect(f.arches).toEqual(['aarch64', 'arm']);
    expect(run(f, 'arm', 'read')).toBe(ALLOW);
    expect(run(f, 'arm', 'cacheflush')).toBe(ALLOW);
    expect(run(f, 'arm', 'write')).toBe(EPERM);
    expect(run(f, 'aarch64', 'read')).toBe(ALLOW);
    expect(runProgram(f.program, { arch: AUDIT_ARCH_X86_64, nr: 0 }).ret >>> 0).toBe(SECCOMP_RET_KILL_PROCESS);
  });
  it('returns ENOSYS above the highest number the profile names (runc stub), per arch', () => {
    const f = compile(profile({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: ['read', 'openat'], action: 'SCMP_ACT_ALLOW' }],
    }), X86);
    const top = nrOf('x86_64', 'openat');
    expect(run(f, 'x86_64', top + 1)).toBe(ENOSYS);
    expect(run(f, 'x86_64', top - 1)).toBe(EPERM);
    expect(run(f, 'x32', nrOf('x32', 'openat') + 1)).toBe(ENOSYS);
    expect(run(f, 'x86', nrOf('x86', 'openat') + 1)).toBe(ENOSYS);
    expect(run(f, 'x86_64', 0xffffffff)).toBe(ENOSYS);
  });
  it('warns about names unknown on an arch and skips them there', () => {
    const f = compile(profile({
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] }],
      syscalls: [{ names: ['open', 'read', 'no_such_call'], action: 'SCMP_ACT_ALLOW' }],
    }), ARM);
    expect(f.warnings).toContain("aarch64: 1 name of the profile not in this ABI's table, skipped: open");
    expect(f.warnings).toContain('no_such_call: unknown syscall name (in no table: x86_64, x86, x32, aarch64, arm), skipped');
    expect(f.warnings.some((w) => w.startsWith('arm:'))).toBe(false);
    expect(run(f, 'arm', 'open')).toBe(ALLOW);
  });
});

describe('command-line overrides', () => {
  it('--allow and --deny replace the profile decision; unknown names are errors', () => {
    const p = profile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] });
    const f = compile(p, { ...X86, allow: ['getpid'], deny: [{ name: 'write', errno: 13 }] });
    expect(run(f, 'x86_64', 'getpid')).toBe(ALLOW);
    expect(run(f, 'x86_64', 'write')).toBe((SECCOMP_RET_ERRNO | 13) >>> 0);
    expect(() => compile(p, { ...X86, allow: ['nosuchcall'] })).toThrow('--allow nosuchcall: unknown syscall name "nosuchcall"');
  });
  it('--default-action replaces the default', () => {
    const p = profile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'openat'], action: 'SCMP_ACT_ALLOW' }] });
    const f = compile(p, { ...X86, defaultAction: 'kill-process' });
    expect(run(f, 'x86_64', 'write')).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(() => compile(p, { ...X86, defaultAction: 'explode' })).toThrow(/unknown action "explode"/);
  });
});

describe('program shape', () => {
  it('is deterministic', () => {
    const p = loadProfileFile(SHARED + 'moby-default.json');
    const a = compile(p, X86);
    const b = compile(p, X86);
    expect(JSON.stringify(a.program)).toBe(JSON.stringify(b.program));
  });
  it('handles jumps longer than 255 instructions', () => {
    // Many conditional syscalls make the tree's far branches exceed 8-bit offsets.
    const names = ['read', 'write', 'openat', 'close', 'mmap', 'munmap', 'brk', 'ioctl', 'pread64', 'pwrite64', 'readv', 'writev', 'lseek', 'fcntl', 'dup3', 'pipe2'];
    const syscalls = names.map((n, i) => ({
      names: [n], action: 'SCMP_ACT_ALLOW',
      args: Array.from({ length: 6 }, (_, j) => ({ index: j, value: i * 100 + j, op: j % 2 ? 'SCMP_CMP_GE' : 'SCMP_CMP_NE' })),
    }));
    const f = compile(profile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls }), X86);
    expect(f.program.length).toBeGreaterThan(300);
    expect(f.program.some((i) => i.code === 0x05)).toBe(true); // a JA trampoline
  });
  it('refuses programs over 4096 instructions with a clear error', () => {
    const names = ['read', 'write', 'openat', 'close', 'mmap', 'munmap', 'brk', 'ioctl', 'pread64', 'pwrite64', 'readv', 'writev', 'lseek', 'fcntl', 'dup3', 'pipe2', 'getpid', 'getppid', 'kill', 'tgkill'];
    // (identical argument trees are shared between syscalls, so every syscall gets its own values)
    const syscalls = names.flatMap((n, i) => Array.from({ length: 40 }, (_, r) => ({
      names: [n], action: r % 2 ? 'SCMP_ACT_ALLOW' : 'SCMP_ACT_LOG',
      args: [0, 1, 2, 3, 4, 5].map((j) => ({ index: j, value: 0x1_0000_0000 * (r + 1) + j + 1000 * i, op: 'SCMP_CMP_GT' })),
    })));
    expect(() => compile(profile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls }), { ...X86, argWidth: 64 })).toThrow(/more than the kernel's limit of 4096/);
  });
  it('reports unconditional allows as cacheable by the kernel allow-cache', () => {
    const f = compile(loadProfileFile(SHARED + 'moby-default.json'), X86);
    expect(f.stats.cacheableAllowed).toBeGreaterThan(300);
  });
});

describe('shared profiles compile for both machines', () => {
  for (const file of ['moby-default.json', 'moby-profiles-default.json', 'podman-seccomp.json']) {
    for (const machine of ['x86_64', 'aarch64'] as const) {
      it(`${file} for ${machine}`, () => {
        const f = compile(loadProfileFile(SHARED + file), { machine, kernel: '6.8' });
        expect(f.program.length).toBeGreaterThan(50);
        expect(f.stats.verifiedInputs).toBeGreaterThan(1000);
        const arch: ArchName = machine;
        expect(run(f, arch, 'read')).toBe(ALLOW);
        expect(run(f, arch, 'kexec_load')).not.toBe(ALLOW);
      });
    }
  }
});


describe('x86 socketcall/ipc multiplexers (as libseccomp applies them)', () => {
  const arches = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'];
  it('an unconditional socket rule also decides socketcall(SYS_SOCKET, …)', () => {
    const f = compile(profile({ defaultAction: 'SCMP_ACT_ERRNO', architectures: arches, syscalls: [
      { names: ['read', 'socket', 'openat'], action: 'SCMP_ACT_ALLOW' }] }), X86);
    expect(run(f, 'x86', 'socketcall', [1n])).toBe(ALLOW); // SYS_SOCKET
    expect(run(f, 'x86', 'socketcall', [3n])).toBe(EPERM); // SYS_CONNECT
  });
  it('a conditional rule reaches the multiplexer only when it is more restrictive than the default', () => {
    const f = compile(profile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: arches, syscalls: [
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }] },
      { names: ['connect'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 3, op: 'SCMP_CMP_EQ' }] },
      { names: ['connect'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 4, op: 'SCMP_CMP_EQ' }] }] }), X86);
    expect(run(f, 'x86', 'socketcall', [1n, 0n])).toBe(EPERM); // the family is in memory: fail closed
    expect(run(f, 'x86', 'socketcall', [3n, 0n])).toBe(0); // most restrictive of the two connect rules (KILL_THREAD)
    expect(run(f, 'x86', 'socketcall', [2n, 0n])).toBe(ALLOW);
    expect(run(f, 'x86', 'socket', [40n])).toBe(EPERM);
    expect(run(f, 'x86', 'socket', [2n])).toBe(ALLOW);
    const g = compile(profile({ defaultAction: 'SCMP_ACT_ERRNO', architectures: arches, syscalls: [
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
      { names: ['openat'], action: 'SCMP_ACT_ALLOW' }] }), X86);
    expect(run(g, 'x86', 'socketcall', [1n])).toBe(EPERM); // cannot check the family: not allowed
  });
  it('libseccomp merge rules: first unconditional wins; identical conditions with another action are refused', () => {
    const first = compile(profile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [
      { names: ['openat'], action: 'SCMP_ACT_ALLOW' },
      { names: ['openat'], action: 'SCMP_ACT_KILL' },
      { names: ['read'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['read'], action: 'SCMP_ACT_ALLOW' }] }), X86);
    expect(run(first, 'x86_64', 'openat')).toBe(ALLOW);
    expect(run(first, 'x86_64', 'read', [1n])).toBe(ALLOW);
    expect(() => compile(profile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [
      { names: ['read'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }] }), X86))
      .toThrow(/test.json:syscalls\[1\]: read: same argument conditions as test.json:syscalls\[0\] with a different action/);
  });
});

describe('errno range', () => {
  it('refuses an ERRNO above the kernel\'s MAX_ERRNO (libseccomp refuses it too); TRACE data may use 16 bits', () => {
    expect(() => compile(profile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 4096 }] }), X86))
      .toThrow('test.json:syscalls[0]: errnoRet 4096 out of range for SCMP_ACT_ERRNO (0..4095, the kernel\'s MAX_ERRNO)');
    const f = compile(profile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_TRACE', errnoRet: 40000 }] }), X86);
    expect(run(f, 'x86_64', 'read')).toBe((SECCOMP_RET_TRACE | 40000) >>> 0);
    expect(() => compile(profile({ defaultAction: 'SCMP_ACT_ALLOW' }), { ...X86, deny: [{ name: 'read', errno: 5000 }] })).toThrow(/--deny read: errno 5000 out of range \(0..4095\)/);
  });
});
