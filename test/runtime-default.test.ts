// The GKE / containerd denial table under runtime/default, judged by our emulator on both machines.
import { describe, it, expect } from 'vitest';
import { compile } from '../src/compiler/index.js';
import { defaultProfile } from '../src/profile/default.js';
import { runProgram } from '../src/bpf/emulator.js';
import { syscallNumber } from '../src/arch/index.js';
import type { ArchName, MachineName } from '../src/arch/types.js';
import type { CompiledFilter } from '../src/compiler/types.js';
import { AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO } from '../src/bpf/seccomp.js';

const ALLOW = SECCOMP_RET_ALLOW;
const EPERM = (SECCOMP_RET_ERRNO | 1) >>> 0;
const ENOSYS = (SECCOMP_RET_ERRNO | 38) >>> 0;
const AUDIT: Record<ArchName, number> = {
  x86_64: AUDIT_ARCH_X86_64, x32: AUDIT_ARCH_X86_64, x86: AUDIT_ARCH_I386, aarch64: AUDIT_ARCH_AARCH64, arm: AUDIT_ARCH_ARM,
};
const CLONE_NEWNS = 0x00020000n;
const CLONE_NEWUSER = 0x10000000n;
const CLONE_NEWNET = 0x40000000n;
// glibc's pthread_create flags: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
const THREAD_FLAGS = 0x3d0f00n;

function run(f: CompiledFilter, arch: ArchName, name: string, args: bigint[] = []): number {
  const nr = syscallNumber(arch, name);
  if (nr === undefined) throw new Error(`${name} unknown on ${arch}`);
  return runProgram(f.program, { arch: AUDIT[arch], nr, args }).ret >>> 0;
}

const machines: [MachineName, ArchName, ArchName][] = [['x86_64', 'x86_64', 'x86'], ['aarch64', 'aarch64', 'arm']];

for (const [machine, arch, compat] of machines) {
  describe(`runtime/default on ${machine}`, () => {
    const f = compile(defaultProfile(), { machine, kernel: '6.8' });

    it('selects the native ABI and its compat ABIs as containerd does', () => {
      expect(f.arches).toEqual(machine === 'x86_64' ? ['x86_64', 'x86', 'x32'] : ['aarch64', 'arm']);
    });

    it('denies the GKE table with EPERM', () => {
      for (const name of ['mount', 'umount2', 'fsmount', 'mount_setattr', 'bpf', 'unshare', 'setns', 'open_by_handle_at', 'move_mount', 'open_tree', 'fsopen', 'pivot_root', 'kexec_load', 'init_module']) {
        expect([name, run(f, arch, name)]).toEqual([name, EPERM]);
      }
      expect(run(f, arch, 'reboot', [0xfee1deadn, 0n, 0xdeadbeefn])).toBe(EPERM);
      if (machine === 'x86_64') expect(run(f, 'x86', 'umount')).toBe(EPERM); // x86 still has the old umount
      expect(run(f, arch, 'io_uring_setup')).toBe(EPERM); // containerd dropped io_uring
    });

    it('denies clone with a namespace flag, allows clone with thread flags; clone3 gives ENOSYS', () => {
      const flagsArg = machine === 'x86_64' || machine === 'aarch64' ? 0 : 1;
      const args = (flags: bigint) => { const a = [0n, 0n, 0n, 0n, 0n]; a[flagsArg] = flags; return a; };
      expect(run(f, arch, 'clone', args(CLONE_NEWNS))).toBe(EPERM);
      expect(run(f, arch, 'clone', args(CLONE_NEWUSER | 17n))).toBe(EPERM);
      expect(run(f, arch, 'clone', args(CLONE_NEWNET))).toBe(EPERM);
      expect(run(f, arch, 'clone', args(THREAD_FLAGS))).toBe(ALLOW);
      expect(run(f, arch, 'clone', args(17n))).toBe(ALLOW); // fork(): SIGCHLD
      expect(run(f, arch, 'clone3')).toBe(ENOSYS);
    });

    it('allows everyday syscalls', () => {
      for (const name of ['read', 'write', 'openat', 'close', 'futex', 'mmap', 'execve', 'exit_group', 'rt_sigaction', 'epoll_pwait', 'memfd_create']) {
        expect([name, run(f, arch, name)]).toEqual([name, ALLOW]);
      }
    });

    it('follows containerd, not GKE\'s older table, for name_to_handle_at', () => {
      expect(run(f, arch, 'name_to_handle_at')).toBe(ALLOW);
      expect(run(f, arch, 'open_by_handle_at')).toBe(EPERM);
    });

    it('allows personality only for containerd\'s values', () => {
      for (const v of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) expect(run(f, arch, 'personality', [v])).toBe(ALLOW);
      for (const v of [0x0200n, 0x400000n, 1n]) expect(run(f, arch, 'personality', [v])).toBe(EPERM);
    });

    it('denies AF_VSOCK and AF_ALG sockets, also with garbage in the high half', () => {
      expect(run(f, arch, 'socket', [2n, 1n, 0n])).toBe(ALLOW);
      expect(run(f, arch, 'socket', [40n, 1n, 0n])).toBe(EPERM);
      expect(run(f, arch, 'socket', [38n, 1n, 0n])).toBe(EPERM);
      expect(run(f, arch, 'socket', [0x1_0000_0028n, 1n, 0n])).toBe(EPERM);
      const runc = compile(defaultProfile(), { machine, kernel: '6.8', argWidth: 64 });
      expect(run(runc, arch, 'socket', [0x1_0000_0028n, 1n, 0n])).toBe(ALLOW); // runc's 64-bit compare lets it through
    });

    it(`judges the compat ABI (${compat}) by its own table`, () => {
      expect(run(f, compat, 'read')).toBe(ALLOW);
      expect(run(f, compat, 'mount')).toBe(EPERM);
      expect(run(f, compat, 'reboot')).toBe(EPERM);
      expect(run(f, compat, 'unshare')).toBe(EPERM);
    });

    it('re-allows per capability: CAP_SYS_ADMIN mount/unshare/clone3, CAP_SYS_BOOT reboot, CAP_DAC_READ_SEARCH open_by_handle_at', () => {
      const admin = compile(defaultProfile(), { machine, kernel: '6.8', capAdd: ['CAP_SYS_ADMIN'] });
      for (const name of ['mount', 'umount2', 'unshare', 'setns', 'fsmount', 'clone3']) expect([name, run(admin, arch, name)]).toEqual([name, ALLOW]);
      expect(run(admin, arch, 'clone', [CLONE_NEWNS])).toBe(ALLOW);
      expect(run(admin, arch, 'reboot')).toBe(EPERM);
      const boot = compile(defaultProfile(), { machine, kernel: '6.8', capAdd: ['SYS_BOOT'] });
      expect(run(boot, arch, 'reboot')).toBe(ALLOW);
      expect(run(boot, arch, 'mount')).toBe(EPERM);
      const dac = compile(defaultProfile(), { machine, kernel: '6.8', capAdd: ['CAP_DAC_READ_SEARCH'] });
      expect(run(dac, arch, 'open_by_handle_at')).toBe(ALLOW);
    });

    it('returns ENOSYS for numbers newer than the profile knows, so libc can fall back', () => {
      expect(runProgram(f.program, { arch: AUDIT[arch], nr: 1000 }).ret >>> 0).toBe(ENOSYS);
    });

    it('every unconditional allow is cacheable by the kernel', () => {
      expect(f.stats.cacheableAllowed).toBeGreaterThan(300);
    });
  });
}
