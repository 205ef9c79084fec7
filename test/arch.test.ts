import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ARCHES, MACHINES, archFromProfileName, argWidths, hostMachine, knownOnAnyArch, machineOf,
  maxSyscallNumber, syscallName, syscallNumber,
} from '../src/arch/index.js';
import type { ArchName } from '../src/arch/index.js';
import { AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from '../src/bpf/seccomp.js';

const TABLES_DIR = fileURLToPath(new URL('../src/arch/tables/', import.meta.url));
const PROFILES_DIR = fileURLToPath(new URL('../../shared/profiles/', import.meta.url));
const ALL: readonly ArchName[] = ['x86_64', 'x86', 'x32', 'aarch64', 'arm'];

describe('syscall numbers', () => {
  const cases: [ArchName, string, number][] = [
    ['x86_64', 'read', 0], ['x86_64', 'socket', 41], ['x86_64', 'mount', 165], ['x86_64', 'reboot', 169],
    ['x86_64', 'unshare', 272], ['x86_64', 'clone3', 435], ['x86_64', 'uretprobe', 335],
    ['x86', 'socketcall', 102], ['x86', 'socket', 359], ['x86', 'mount', 21], ['x86', 'mmap2', 192],
    ['x86', '_llseek', 140], ['x86', '_newselect', 142],
    ['x32', 'read', 0x40000000], ['x32', 'rt_sigaction', 0x40000200], ['x32', 'socket', 0x40000029],
    ['aarch64', 'mount', 40], ['aarch64', 'unshare', 97], ['aarch64', 'clone3', 435], ['aarch64', 'read', 63],
    ['aarch64', 'newfstatat', 79],
    ['arm', 'mount', 21], ['arm', 'socket', 281], ['arm', 'arm_sync_file_range', 341],
    ['arm', 'breakpoint', 0x0f0001], ['arm', 'cacheflush', 0x0f0002], ['arm', 'usr26', 0x0f0003],
    ['arm', 'usr32', 0x0f0004], ['arm', 'set_tls', 0x0f0005], ['arm', 'get_tls', 0x0f0006],
  ];
  it.each(cases)('%s %s = %d', (arch, name, nr) => {
    expect(syscallNumber(arch, name)).toBe(nr);
    expect(syscallName(arch, nr)).toBe(name);
  });

  it('knows the syscalls libseccomp 2.6 added, at the common numbers', () => {
    const newer: [string, number][] = [
      ['cachestat', 451], ['fchmodat2', 452], ['map_shadow_stack', 453], ['futex_wake', 454],
      ['futex_wait', 455], ['futex_requeue', 456], ['statmount', 457], ['listmount', 458],
      ['lsm_get_self_attr', 459], ['lsm_set_self_attr', 460], ['lsm_list_modules', 461], ['mseal', 462],
      ['setxattrat', 463], ['getxattrat', 464], ['listxattrat', 465], ['removexattrat', 466],
    ];
    for (const arch of ALL) {
      const base = arch === 'x32' ? 0x40000000 : 0;
      for (const [name, nr] of newer) expect(syscallNumber(arch, name), `${arch} ${name}`).toBe(base + nr);
    }
  });

  it('leaves out syscalls an ABI does not have', () => {
    expect(syscallNumber('aarch64', 'open')).toBeUndefined();
    expect(syscallNumber('aarch64', 'fork')).toBeUndefined();
    expect(syscallNumber('x86_64', 'socketcall')).toBeUndefined();
    expect(syscallNumber('arm', 'uretprobe')).toBeUndefined();
    expect(syscallNumber('x86_64', 'cacheflush')).toBeUndefined();
    expect(syscallNumber('x86_64', 'no_such_syscall')).toBeUndefined();
    expect(syscallName('x86_64', 100000)).toBeUndefined();
    // Object.prototype names are not syscalls.
    expect(syscallNumber('x86_64', 'constructor')).toBeUndefined();
    expect(knownOnAnyArch('toString')).toBe(false);
  });

  it('has x32 numbers with the x32 bit and no duplicate numbers anywhere', () => {
    for (const nr of ARCHES.x32.syscalls.values()) expect(nr & 0x40000000).toBe(0x40000000);
    for (const arch of ALL) {
      const nrs = [...ARCHES[arch].syscalls.values()];
      expect(new Set(nrs).size, arch).toBe(nrs.length);
      expect(nrs.length, arch).toBeGreaterThan(300);
    }
  });

  it('reports the highest number of each table', () => {
    expect(maxSyscallNumber('arm')).toBe(0x0f0006);
    expect(maxSyscallNumber('x32')).toBeGreaterThanOrEqual(0x40000000 + 547);
    expect(maxSyscallNumber('x86_64')).toBeGreaterThanOrEqual(466);
    expect(maxSyscallNumber('x86_64')).toBeLessThan(1024);
    expect(maxSyscallNumber('aarch64')).toBe(Math.max(...ARCHES.aarch64.syscalls.values()));
  });

  it('knownOnAnyArch', () => {
    expect(knownOnAnyArch('socketcall')).toBe(true); // x86 only
    expect(knownOnAnyArch('cacheflush')).toBe(true); // arm only
    expect(knownOnAnyArch('riscv_flush_icache')).toBe(false);
  });
});

describe('arch descriptions', () => {
  it('maps profile names, audit arches and machines', () => {
    expect(archFromProfileName('SCMP_ARCH_X86_64')).toBe('x86_64');
    expect(archFromProfileName('SCMP_ARCH_X86')).toBe('x86');
    expect(archFromProfileName('SCMP_ARCH_X32')).toBe('x32');
    expect(archFromProfileName('SCMP_ARCH_AARCH64')).toBe('aarch64');
    expect(archFromProfileName('SCMP_ARCH_ARM')).toBe('arm');
    expect(archFromProfileName('SCMP_ARCH_MIPS64')).toBeUndefined();
    expect(archFromProfileName('x86_64')).toBeUndefined();
    expect(ARCHES.x86_64.auditArch).toBe(AUDIT_ARCH_X86_64);
    expect(ARCHES.x32.auditArch).toBe(AUDIT_ARCH_X86_64);
    expect(ARCHES.x86.auditArch).toBe(AUDIT_ARCH_I386);
    expect(ARCHES.aarch64.auditArch).toBe(AUDIT_ARCH_AARCH64);
    expect(ARCHES.arm.auditArch).toBe(AUDIT_ARCH_ARM);
    for (const arch of ALL) {
      expect(ARCHES[arch].name).toBe(arch);
      expect(archFromProfileName(ARCHES[arch].profileName)).toBe(arch);
    }
    expect(MACHINES.x86_64).toEqual({ native: 'x86_64', subArches: ['x86', 'x32'] });
    expect(MACHINES.aarch64).toEqual({ native: 'aarch64', subArches: ['arm'] });
    expect(ALL.map(machineOf)).toEqual(['x86_64', 'x86_64', 'x86_64', 'aarch64', 'aarch64']);
  });

  it('knows the host machine', () => {
    const expected = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;
    expect(hostMachine()).toBe(expected);
  });
});

describe('generated tables', () => {
  const files = readdirSync(TABLES_DIR).filter((f) => f.endsWith('.ts')).sort();

  it('are all there', () => {
    expect(files).toEqual(['aarch64.ts', 'argwidth.ts', 'arm.ts', 'x32.ts', 'x86.ts', 'x86_64.ts']);
  });

  it.each(files)('%s names the generator, the Debian package and its version on its first line', (f) => {
    const first = readFileSync(TABLES_DIR + f, 'utf8').split('\n')[0];
    const pkg = f === 'argwidth.ts' ? 'linux-source-\\d+\\.\\d+' : 'linux-libc-dev';
    expect(first).toMatch(new RegExp(
      `^// Generated by scripts/gen-syscall-tables\\.mjs from Debian ${pkg} (\\d+:)?\\d+\\.\\d+[0-9A-Za-z.+~-]*-[0-9A-Za-z.+~]+\\b`,
    ));
  });

  it('carry their source in ArchInfo.tableSource', () => {
    for (const arch of ALL) expect(ARCHES[arch].tableSource).toMatch(/^Debian linux-libc-dev \S+/);
  });

  it('list SYSCALLS sorted by number', () => {
    for (const arch of ALL) {
      const nrs = [...ARCHES[arch].syscalls.values()];
      expect(nrs).toEqual([...nrs].sort((a, b) => a - b));
    }
  });
});

describe('argument widths', () => {
  it('classifies well-known signatures', () => {
    expect(argWidths('socket')).toEqual([32, 32, 32]);
    expect(argWidths('personality')).toEqual([32]);
    expect(argWidths('clone')).toEqual([64, 64, 64, 64, 64]);
    expect(argWidths('clone3')).toEqual([64, 64]);
    expect(argWidths('mount')).toEqual([64, 64, 64, 64, 64]);
    expect(argWidths('unshare')).toEqual([64]);
    expect(argWidths('setns')).toEqual([32, 32]);
    expect(argWidths('reboot')).toEqual([32, 32, 32, 64]);
    expect(argWidths('ioctl')).toEqual([32, 32, 64]);
    expect(argWidths('prctl')).toEqual([32, 64, 64, 64, 64]);
    expect(argWidths('kill')).toEqual([32, 32]);
    expect(argWidths('getpid')).toEqual([]);
    expect(argWidths('mmap')).toEqual([64, 64, 64, 64, 64, 64]);
  });

  it('follows kernel entry points where the name differs', () => {
    expect(argWidths('mmap2')).toEqual([64, 64, 64, 64, 64, 64]); // sys_mmap_pgoff
    expect(argWidths('newfstatat')).toEqual([32, 64, 64, 32]);
    expect(argWidths('stat')).toEqual([64, 64]); // sys_newstat
    expect(argWidths('umount2')).toEqual([64, 32]); // sys_umount
    expect(argWidths('socketcall')).toEqual([32, 64]);
    expect(argWidths('setuid32')).toEqual([32]);
  });

  it('has no widths for calls without a C definition', () => {
    expect(argWidths('cacheflush')).toBeUndefined();
    expect(argWidths('afs_syscall')).toBeUndefined();
    expect(argWidths('no_such_syscall')).toBeUndefined();
    expect(argWidths('hasOwnProperty')).toBeUndefined();
  });

  it('covers nearly every syscall of the 64-bit tables', () => {
    for (const arch of ['x86_64', 'aarch64'] as const) {
      const missing = [...ARCHES[arch].syscalls.keys()].filter((n) => argWidths(n) === undefined);
      expect(missing.length, `${arch}: ${missing.join(' ')}`).toBeLessThan(25);
    }
  });
});

describe('names used by the shared profiles', () => {
  // Names in those profiles that none of our ABIs has (riscv, s390, powerpc and mips-only syscalls).
  // sync_file_range2 is only a header alias of arm_sync_file_range on arm, which libseccomp does not resolve.
  const ABSENT = [
    'riscv_flush_icache', 'riscv_hwprobe', 's390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr',
    'swapcontext', 'sync_file_range2', 'syscall',
  ];
  const profileFiles = ['moby-default.json', 'moby-profiles-default.json', 'podman-seccomp.json'];

  function namesOf(file: string): string[] {
    const p = JSON.parse(readFileSync(PROFILES_DIR + file, 'utf8')) as {
      syscalls?: { names?: string[]; name?: string }[];
    };
    const out: string[] = [];
    for (const r of p.syscalls ?? []) {
      out.push(...(r.names ?? []));
      if (r.name) out.push(r.name);
    }
    return out;
  }

  it.each(profileFiles)('every name in %s resolves on some arch or is a known absentee', (file) => {
    const names = namesOf(file);
    expect(names.length).toBeGreaterThan(300);
    const unresolved = [...new Set(names.filter((n) => !knownOnAnyArch(n)))].sort();
    expect(unresolved.filter((n) => !ABSENT.includes(n))).toEqual([]);
  });

  it('the absentees are really absent and each occurs in a profile', () => {
    const all = new Set(profileFiles.flatMap(namesOf));
    for (const n of ABSENT) {
      expect(knownOnAnyArch(n), n).toBe(false);
      expect(all.has(n), n).toBe(true);
    }
  });
});
