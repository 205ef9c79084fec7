/**
 * Differential tests against libseccomp 2.6.0 driven the way runc drives it (issue 2, "Prove it").
 *
 * For each profile we build the filter runc would load: test/libseccomp/build_filter.c replays
 * runc's InitSeccomp/matchCall on Debian trixie's libseccomp 2.6.0 (fetched by
 * scripts/get-libseccomp.mjs into .cache/, never installed), and runc's ENOSYS stub (patchbpf,
 * not part of libseccomp) is emulated in front of it (test/libseccomp/compare.ts). Our program
 * comes from compile(…, { argWidth: 64 }). Both run in an independent BPF interpreter
 * (test/libseccomp/bpf.ts) on every syscall number of every ABI of the machine, a few foreign
 * AUDIT_ARCH values, and boundary values of every argument rule. They must return the same value,
 * except where libseccomp departs from the profile's plain meaning; each such departure is pinned
 * by its own test in "libseccomp facts" below, and the comparison checks that we then give the
 * plain meaning (test/libseccomp/model.ts) instead.
 *
 * Needs Linux with apt-get, dpkg and gcc (Debian/Ubuntu); skipped elsewhere.
 */
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/compiler/index.js';
import { defaultProfileText, parseProfile } from '../src/profile/index.js';
import type { SeccompData } from '../src/bpf/types.js';
import { runBpf } from './libseccomp/bpf.js';
import { buildWithLibseccomp, ensureHarness, libseccompTables, type LibseccompResult, type Machine, type PlainProfile } from './libseccomp/harness.js';
import { compareWithRunc, type CompareResult } from './libseccomp/compare.js';
import { AUDIT, LIBSECCOMP_QUIRKS, Model, PLAIN, type Tables } from './libseccomp/model.js';
import { DOCKER_DEFAULT_CAPS, profileText, randomProfiles, resolveDockerProfile, type ProfileJson } from './libseccomp/profiles.js';

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const CAN_RUN = process.platform === 'linux' && process.arch === 'x64' && have('apt-get') && have('dpkg') && have('gcc');

const ALLOW = 0x7fff0000;
const KILL_THREAD = 0;
const KILL_PROCESS = 0x80000000;
const ERRNO = (e: number): number => (0x50000 | e) >>> 0;
const TRACE = (e: number): number => (0x7ff00000 | e) >>> 0;
const Z6 = (...a: bigint[]): bigint[] => [...a, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);

let tables: Tables;

/** Build one profile both ways and run both programs on the given inputs. */
function both(json: ProfileJson, machine: Machine, data: readonly SeccompData[], argWidth: 32 | 64 = 64): { lib: LibseccompResult; runc: number[]; ours: number[]; plain: (number | undefined)[]; libModel: (number | undefined)[] } {
  const plain = resolveDockerProfile(json, { machine, capabilities: [...DOCKER_DEFAULT_CAPS], kernel: '6.18' });
  const lib = buildWithLibseccomp([plain])[0]!;
  const ours = compile(parseProfile(profileText(json), 'fact.json'), { machine, argWidth, capabilities: [...DOCKER_DEFAULT_CAPS], kernel: '6.18' }).program;
  const m = new Model(plain, tables);
  return {
    lib,
    runc: lib.program ? data.map((d) => runBpf(lib.program!, d).ret) : [],
    ours: data.map((d) => runBpf(ours, d).ret),
    plain: data.map((d) => m.evaluate(d, PLAIN)),
    libModel: data.map((d) => m.evaluate(d, LIBSECCOMP_QUIRKS)),
  };
}

function nr(abi: keyof typeof AUDIT, name: string): number {
  const n = tables.get(abi)?.get(name);
  if (n === undefined) throw new Error(`${name} unknown on ${abi}`);
  return n;
}

function summary(label: string, r: CompareResult): string {
  const cats = [...r.counts].map(([c, n]) => `  ${c}: ${n}\n    e.g. ${r.examples.get(c)}`).join('\n');
  return `${label}: ${r.inputs} inputs, ${r.equal} equal\n${cats}`;
}

function expectNoUnexpected(label: string, results: readonly CompareResult[]): void {
  const unexpected = results.flatMap((r) => r.unexpected);
  if (unexpected.length > 0) {
    const total = new Map<string, number>();
    for (const r of results) for (const [c, n] of r.counts) total.set(c, (total.get(c) ?? 0) + n);
    throw new Error(`${label}: ${unexpected.length} unexplained differences from runc+libseccomp (categories: ${JSON.stringify(Object.fromEntries(total))}); first ones:\n${unexpected.slice(0, 8).join('\n')}`);
  }
}

describe.skipIf(!CAN_RUN)('libseccomp 2.6.0 (as runc uses it) versus our compiler', () => {
  beforeAll(() => {
    ensureHarness();
    tables = libseccompTables();
  });

  describe('libseccomp facts (each pinned against libseccomp and checked against our compiler)', () => {
    it('a rule whose action is the default is skipped; unknown names are skipped', () => {
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO' },
          { names: ['no_such_syscall', 'getppid'], action: 'SCMP_ACT_ALLOW' },
        ],
      };
      const r = both(json, 'x86_64', [{ arch: AUDIT.x86_64, nr: nr('x86_64', 'getppid') }, { arch: AUDIT.x86_64, nr: nr('x86_64', 'getpid') }]);
      expect(r.lib.skipped).toEqual(['getpid default', 'no_such_syscall unknown']);
      expect(r.runc).toEqual([ALLOW, ERRNO(1)]);
      expect(r.ours).toEqual(r.runc);
    });

    it('the first unconditional rule for a syscall wins; later rules for it are ignored', () => {
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 2 },
          { names: ['getpid'], action: 'SCMP_ACT_LOG', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: '5' }] },
        ],
      };
      const data = [{ arch: AUDIT.x86_64, nr: nr('x86_64', 'getpid'), args: Z6(5n) }];
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([ERRNO(1)]);
      expect(r.ours).toEqual(r.runc);
    });

    it('an unconditional rule replaces earlier conditional rules for the same syscall', () => {
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, op: 'SCMP_CMP_EQ', value: '5' }] },
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 2 },
        ],
      };
      const data = [0n, 5n].map((a) => ({ arch: AUDIT.x86_64, nr: nr('x86_64', 'getpid'), args: Z6(a) }));
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([ERRNO(2), ERRNO(2)]);
      expect(r.ours).toEqual(r.runc);
    });

    it('identical conditions with a different action: libseccomp refuses (EEXIST), so runc fails', () => {
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, op: 'SCMP_CMP_EQ', value: '5' }] },
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 2, args: [{ index: 0, op: 'SCMP_CMP_EQ', value: '5' }] },
        ],
      };
      const plain = resolveDockerProfile(json, { machine: 'x86_64', capabilities: [], kernel: '6.18' });
      expect(buildWithLibseccomp([plain])[0]!.rejected).toEqual({ name: 'getpid', errno: 17 });
      expect(() => compile(parseProfile(profileText(json), 'eexist.json'), { machine: 'x86_64', argWidth: 64 })).toThrow(/EEXIST/);
    });

    it('different 64-bit conditions can still collide (EEXIST) on their shared high-word test', () => {
      // libseccomp splits every 64-bit comparison into a high-word and a low-word node.
      // `arg0 > 8` and `arg0 >= 0xffffffff` both start with "high word > 0 → match"; with
      // different actions the identical node is refused, although the profile is consistent.
      const cases: ProfileJson['syscalls'][] = [
        [
          { names: ['lseek'], action: 'SCMP_ACT_LOG', args: [{ index: 5, op: 'SCMP_CMP_NE', value: '5' }, { index: 0, op: 'SCMP_CMP_GT', value: '8' }] },
          { names: ['lseek'], action: 'SCMP_ACT_ERRNO', errnoRet: 82, args: [{ index: 0, op: 'SCMP_CMP_GE', value: '4294967295' }] },
        ],
        [
          { names: ['rmdir'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, op: 'SCMP_CMP_NE', value: '18446744073709551615' }] },
          { names: ['rmdir'], action: 'SCMP_ACT_TRAP', args: [{ index: 2, op: 'SCMP_CMP_NE', value: '4294967295' }] },
        ],
      ];
      // The second pair differs only above bit 31: fine on x86_64, but x32 (32-bit for
      // libseccomp) truncates both to `!= 0xffffffff` and refuses the duplicate.
      const arches = [['SCMP_ARCH_X86_64'], ['SCMP_ARCH_X86_64'], ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']];
      const plains = [cases[0], cases[1], cases[1]].map((syscalls, i) => resolveDockerProfile({ defaultAction: 'SCMP_ACT_ERRNO', architectures: arches[i]!, syscalls }, { machine: 'x86_64', capabilities: [], kernel: '6.18' }));
      expect(buildWithLibseccomp(plains).map((r) => r.rejected)).toEqual([{ name: 'lseek', errno: 17 }, undefined, { name: 'rmdir', errno: 17 }]);
      // (Our compiler accepts all three; whether to refuse them like runc is the compiler's decision.)
    });

    it('repeated argument index: runc adds one rule per condition (OR), else one rule (AND)', () => {
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: '1' }, { index: 0, op: 'SCMP_CMP_EQ', value: '2' }] },
          { names: ['getppid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: '1' }, { index: 1, op: 'SCMP_CMP_EQ', value: '2' }] },
        ],
      };
      const p = nr('x86_64', 'getpid');
      const pp = nr('x86_64', 'getppid');
      const data = [Z6(1n), Z6(2n), Z6(3n)].map((args) => ({ arch: AUDIT.x86_64, nr: p, args }))
        .concat([Z6(1n), Z6(1n, 2n), Z6(0n, 2n)].map((args) => ({ arch: AUDIT.x86_64, nr: pp, args })));
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([ERRNO(1), ERRNO(1), ALLOW, ALLOW, ERRNO(1), ALLOW]);
      expect(r.ours).toEqual(r.runc);
    });

    it('foreign AUDIT_ARCH → KILL_THREAD in libseccomp (runc sets no bad-arch action); we kill the process', () => {
      const json: ProfileJson = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [] };
      const data = [{ arch: AUDIT.aarch64, nr: 1 }, { arch: AUDIT.x86, nr: 1 }];
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([KILL_THREAD, KILL_THREAD]);
      // Deliberate: a foreign ABI must not continue, and KILL_PROCESS cannot leave other threads running.
      expect(r.ours).toEqual([KILL_PROCESS, KILL_PROCESS]);
    });

    it('x86_64 without x32 in the filter: numbers ≥ 0x40000000 are a bad arch, except nr -1 (default action)', () => {
      const json: ProfileJson = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }] };
      const data = [{ arch: AUDIT.x86_64, nr: 0x40000027 }, { arch: AUDIT.x86_64, nr: 0x80000000 }, { arch: AUDIT.x86_64, nr: 0xffffffff }];
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([KILL_THREAD, KILL_THREAD, ERRNO(1)]);
      // (runc's ENOSYS stub, which runs first, turns all three into ENOSYS: every number above
      // x86_64's highest named one; compare.ts models it.)
      expect(r.ours.map((v) => v === KILL_PROCESS || v === KILL_THREAD)).toEqual([true, true, false]);
    });

    it('x86: a socket/ipc rule also applies to socketcall/ipc with arg0 == call number, arg0 condition replaced', () => {
      // libseccomp's abi_rule_add: the rule is added twice, once for the direct syscall and once
      // for the multiplexer with args[0] overwritten by `== SYS_xxx`; conditions on args 1..5 are
      // kept and compared with the multiplexer's own args (args[1] is a pointer there).
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
        syscalls: [
          { names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: '40' }] },
          { names: ['shmat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
          { names: ['connect'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 2, op: 'SCMP_CMP_EQ', value: '16' }] },
        ],
      };
      const x86 = (n: number, ...a: bigint[]): SeccompData => ({ arch: AUDIT.x86, nr: n, args: Z6(...a) });
      const data = [
        x86(nr('x86', 'socket'), 40n), x86(nr('x86', 'socket'), 2n), // direct socket(2): domain checked
        x86(102, 1n), x86(102, 1n, 0x1000n), // socketcall(SYS_SOCKET, …): domain cannot be seen, arg0 == 1 is all
        x86(117, 21n), x86(117, 22n), // ipc(SHMAT) / ipc(SHMDT)
        x86(102, 3n, 0n, 16n), x86(102, 3n, 0n, 15n), // socketcall(SYS_CONNECT) with args[2] of socketcall itself
      ];
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([ERRNO(1), ALLOW, ERRNO(1), ERRNO(1), ERRNO(13), ALLOW, ERRNO(22), ALLOW]);
      expect(r.libModel).toEqual(r.runc);
      // Ours: the same on the direct calls and on unconditional sub-calls; for conditional rules
      // the compiler decides differently on the multiplexer (see its resolve.ts, addMultiplexed).
      expect(r.ours.slice(0, 2)).toEqual(r.runc.slice(0, 2));
      expect(r.ours.slice(4, 6)).toEqual(r.runc.slice(4, 6));
    });

    it('x86: two rules for one socket call with different actions collide on socketcall (EEXIST)', () => {
      // Both become `socketcall: arg0 == SYS_CONNECT` (the arg0 condition is replaced), with
      // different actions: libseccomp refuses, runc fails. Without SCMP_ARCH_X86 it is accepted.
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
        syscalls: [
          { names: ['connect'], action: 'SCMP_ACT_ALLOW' },
          { names: ['connect'], action: 'SCMP_ACT_LOG', args: [{ index: 0, op: 'SCMP_CMP_LE', value: '1' }] },
        ],
      };
      const p86 = resolveDockerProfile(json, { machine: 'x86_64', capabilities: [], kernel: '6.18' });
      const p64 = resolveDockerProfile({ ...json, architectures: ['SCMP_ARCH_X86_64'] }, { machine: 'x86_64', capabilities: [], kernel: '6.18' });
      const [with86, without86] = buildWithLibseccomp([p86, p64]);
      expect(with86!.rejected).toEqual({ name: 'connect', errno: 17 });
      expect(without86!.rejected).toBeUndefined();
    });

    it('32-bit ABIs: libseccomp truncates values to 32 bits; the profile says a larger value never equals a 32-bit argument', () => {
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
        syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: String(0x1_0000_0005n) }] }],
      };
      const data = [{ arch: AUDIT.arm, nr: nr('arm', 'personality'), args: Z6(5n) }];
      const r = both(json, 'aarch64', data);
      expect(r.runc).toEqual([ERRNO(1)]); // libseccomp: 5 == (u32)0x100000005
      expect(r.plain).toEqual([ALLOW]);
      expect(r.ours).toEqual(r.plain);
    });

    it('x32: libseccomp compares only the low halves, although x32 calls carry 64-bit registers', () => {
      // libseccomp describes x32 as a 32-bit ABI (ARCH_SIZE_32). The kernel hands x32 calls to
      // the 64-bit entry with full registers, so a high half is possible and the profile's
      // 64-bit comparison is what it means.
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'],
        syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: '5' }] }],
      };
      const data = [{ arch: AUDIT.x86_64, nr: nr('x32', 'personality'), args: Z6(0x1_0000_0005n) }];
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([ERRNO(1)]);
      expect(r.plain).toEqual([ALLOW]);
      expect(r.ours).toEqual(r.plain);
    });

    it('MASKED_EQ: libseccomp masks the value too, (arg & m) == (v & m); the profile says (arg & m) == v', () => {
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_MASKED_EQ', value: '255', valueTwo: '257' }] }],
      };
      const data = [{ arch: AUDIT.x86_64, nr: nr('x86_64', 'personality'), args: Z6(1n) }];
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([ERRNO(1)]); // (1 & 0xff) == (0x101 & 0xff)
      expect(r.plain).toEqual([ALLOW]); // 1 != 0x101: never true
      expect(r.ours).toEqual(r.plain);
    });

    it('MASKED_EQ with mask 0 is dropped: the rule becomes unconditional and takes part in "first unconditional wins"', () => {
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_AARCH64'],
        syscalls: [
          { names: ['connect'], action: 'SCMP_ACT_TRACE', errnoRet: 105, args: [{ index: 4, op: 'SCMP_CMP_MASKED_EQ', value: '0', valueTwo: '0' }] },
          { names: ['connect'], action: 'SCMP_ACT_LOG' },
        ],
      };
      const data = [{ arch: AUDIT.aarch64, nr: nr('aarch64', 'connect'), args: Z6() }];
      const r = both(json, 'aarch64', data);
      expect(r.runc).toEqual([TRACE(105)]);
      expect(r.libModel).toEqual(r.runc);
      expect(r.plain).toEqual(r.runc); // (arg & 0) == 0 always holds: it is unconditional in meaning too
      expect(r.ours).toEqual(r.runc);
    });

    it('codegen bug: OR-ed 64-bit range rules compare the low half against the next rule\'s high half', () => {
      // Two rules on one argument (runc splits repeated indices into separate rules, OR).
      // libseccomp 2.6.0 emits, for arg5 < 0x66fcfeac OR arg5 >= 0xffffffff_eb3bf791:
      //   ld hi; jgt 0 → next; jeq 0 → ld lo; jge 0x66fcfeac → next: jgt 0xffffffff …
      // the "next" alternative starts with a high-half test but A still holds the LOW half.
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [{
          names: ['process_madvise'], action: 'SCMP_ACT_ALLOW',
          args: [{ index: 5, op: 'SCMP_CMP_LT', value: String(0x66fcfeacn) }, { index: 5, op: 'SCMP_CMP_GE', value: String(0xffffffffeb3bf791n) }],
        }],
      };
      const data = [{ arch: AUDIT.x86_64, nr: nr('x86_64', 'process_madvise'), args: Z6(0n, 0n, 0n, 0n, 0n, 0xffffffffn) }];
      const r = both(json, 'x86_64', data);
      expect(r.runc).toEqual([ALLOW]); // low half 0xffffffff taken for the high half
      expect(r.plain).toEqual([ERRNO(1)]); // 0xffffffff is neither < 0x66fcfeac nor ≥ 0xffffffffeb3bf791
      expect(r.ours).toEqual(r.plain);
    });

    it('codegen bug: a rule for a name the arch lacks (pseudo-syscall) can drop the syscall-number load', () => {
      // At the default optimisation level (runc: ≤ 32 rules), when the first syscall block of an
      // arch is a pseudo-syscall (here `send`, which aarch64 does not have), libseccomp omits the
      // block and with it the `ld [0]`: the next comparisons test the AUDIT_ARCH value instead
      // of the number, so nothing matches and the whole arch falls to the default action.
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_AARCH64'],
        syscalls: [
          { names: ['send'], action: 'SCMP_ACT_LOG' },
          { names: ['connect'], action: 'SCMP_ACT_TRACE', errnoRet: 33, args: [{ index: 0, op: 'SCMP_CMP_LE', value: '1' }] },
        ],
      };
      const data = [{ arch: AUDIT.aarch64, nr: nr('aarch64', 'connect'), args: Z6(0n) }];
      const r = both(json, 'aarch64', data);
      expect(r.lib.program!.some((i) => i.code === 0x20 && i.k === 0)).toBe(false); // no `ld [0]` at all
      expect(r.runc).toEqual([ERRNO(1)]);
      expect(r.plain).toEqual([TRACE(33)]);
      expect(r.ours).toEqual(r.plain);
    });

    it('codegen bug (arm): after merging rules on different arguments, a later test reads the wrong argument', () => {
      // arm: rule 1 is arg4 == X AND arg3 != Y, rule 2 is (arg3 & M) == 2. When rule 1 fails on
      // arg4, the program jumps to rule 2's `and M` without reloading arg3: it masks arg4.
      const json: ProfileJson = {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 20,
        architectures: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
        syscalls: [
          { names: ['migrate_pages'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 4, op: 'SCMP_CMP_EQ', value: String(0xfff053d8n) }, { index: 3, op: 'SCMP_CMP_NE', value: String(0x1ffffffffn) }] },
          { names: ['migrate_pages'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 3, op: 'SCMP_CMP_MASKED_EQ', value: String(0xbc23f2e7n), valueTwo: '2' }] },
        ],
      };
      const data = [{ arch: AUDIT.arm, nr: nr('arm', 'migrate_pages'), args: Z6(0n, 0n, 0n, 2n, 0n) }];
      const r = both(json, 'aarch64', data);
      expect(r.runc).toEqual([ERRNO(20)]);
      expect(r.plain).toEqual([KILL_PROCESS]); // (2 & 0xbc23f2e7) == 2
      expect(r.ours).toEqual(r.plain);
    });
  });

  const CAP_SETS: Record<string, readonly string[]> = {
    'docker default caps': DOCKER_DEFAULT_CAPS,
    'docker default + admin caps': [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_BOOT', 'CAP_SYS_MODULE', 'CAP_SYSLOG', 'CAP_SYS_NICE', 'CAP_SYS_PACCT', 'CAP_SYS_RAWIO', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_BPF', 'CAP_PERFMON', 'CAP_DAC_READ_SEARCH', 'CAP_NET_ADMIN', 'CAP_LINUX_IMMUTABLE', 'CAP_IPC_LOCK', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_MAC_ADMIN', 'CAP_CHECKPOINT_RESTORE'],
    'no caps': [],
  };
  const KERNELS = ['6.18', '4.14'];
  const MACHINES: Machine[] = ['x86_64', 'aarch64'];

  /**
   * Docker's and Podman's default profiles are not part of this repository: they are read from
   * $SECCOMP_EXEC_SHARED_PROFILES (default: the shared/ folder beside the repository, as in CI);
   * all three must be there. containerd's default, which the package carries, is always compared.
   */
  function realProfiles(): { name: string; text: string }[] {
    const dir = process.env.SECCOMP_EXEC_SHARED_PROFILES ?? fileURLToPath(new URL('../../shared/profiles/', import.meta.url));
    const out: { name: string; text: string }[] = [];
    for (const f of ['moby-default.json', 'moby-profiles-default.json', 'podman-seccomp.json']) {
      const path = join(dir, f);
      if (!existsSync(path)) throw new Error(`shared profile ${path} is missing (set SECCOMP_EXEC_SHARED_PROFILES)`);
      out.push({ name: f, text: readFileSync(path, 'utf8') });
    }
    out.push({ name: 'containerd default (built in)', text: defaultProfileText() });
    return out;
  }

  for (const argWidth of [64, 32] as const) {
    it(`real profiles × machines × capability sets × kernels, argWidth ${argWidth}`, () => {
      const cases: { label: string; plain: PlainProfile; text: string; machine: Machine; caps: readonly string[]; kernel: string }[] = [];
      const profiles = realProfiles();
      for (const { name, text } of profiles) {
        const json = JSON.parse(text) as ProfileJson;
        for (const machine of MACHINES) for (const [capName, caps] of Object.entries(CAP_SETS)) for (const kernel of KERNELS) {
          cases.push({ label: `${name} ${machine} ${capName} kernel ${kernel}`, plain: resolveDockerProfile(json, { machine, capabilities: caps, kernel }), text, machine, caps, kernel });
        }
      }
      const libs = buildWithLibseccomp(cases.map((c) => c.plain));
      const results: CompareResult[] = [];
      cases.forEach((c, i) => {
        const lib = libs[i]!;
        expect(lib.rejected, `${c.label}: libseccomp refused it`).toBeUndefined();
        const ours = compile(parseProfile(c.text, c.label), { machine: c.machine, argWidth, capabilities: c.caps, kernel: c.kernel }).program;
        results.push(compareWithRunc(c.label, c.plain, lib, ours, tables, argWidth === 32 ? zeroHighOnly : undefined));
      });
      if (process.env.LIBSECCOMP_DIFF_VERBOSE) for (const [i, r] of results.entries()) console.log(summary(cases[i]!.label, r));
      expectNoUnexpected(`real profiles, argWidth ${argWidth}`, results);
      // Real profiles never trigger libseccomp's codegen bugs.
      expect(results.reduce((n, r) => n + (r.counts.get('libseccomp codegen bug') ?? 0), 0)).toBe(0);
    });
  }

  for (const machine of MACHINES) {
    for (const argWidth of [64, 32] as const) {
      it(`200 generated profiles for ${machine}, argWidth ${argWidth}`, () => {
        const names = [...new Set(MACHINE_ABIS[machine].flatMap((a) => [...tables.get(a)!.keys()]))].sort();
        // A thinned pool keeps several rules per syscall; socket/ipc names exercise x86's
        // multiplexers and the pseudo-syscalls, plus names nobody knows.
        const extra = ['socket', 'connect', 'bind', 'send', 'recv', 'semop', 'shmat', 'ipc', 'socketcall', 'open', 'no_such_call'];
        const pool = [...names.filter((_, i) => i % 7 === 0), ...extra, ...extra];
        const jsons = randomProfiles(machine === 'x86_64' ? 1 : 2, 200, machine, pool);
        const plains = jsons.map((j) => resolveDockerProfile(j, { machine, capabilities: [], kernel: '6.18' }));
        const libs = buildWithLibseccomp(plains);
        const results: CompareResult[] = [];
        const rejections = { both: 0, runcOnly: [] as string[], oursOnly: [] as string[] };
        jsons.forEach((j, i) => {
          const label = `generated #${i} (${machine}, seed ${machine === 'x86_64' ? 1 : 2})`;
          let ours;
          try {
            ours = compile(parseProfile(profileText(j), label), { machine, argWidth, capabilities: [], kernel: '6.18' }).program;
          } catch (e) {
            if (libs[i]!.rejected) rejections.both++;
            else rejections.oursOnly.push(`${label}: ${(e as Error).message}`);
            return;
          }
          if (libs[i]!.rejected) { rejections.runcOnly.push(`${label}: ${libs[i]!.rejected!.name} errno ${libs[i]!.rejected!.errno}`); return; }
          results.push(compareWithRunc(label, plains[i]!, libs[i]!, ours, tables, argWidth === 32 ? zeroHighOnly : undefined));
        });
        if (process.env.LIBSECCOMP_DIFF_VERBOSE) {
          const total = new Map<string, number>();
          for (const r of results) for (const [c, n] of r.counts) total.set(c, (total.get(c) ?? 0) + n);
          console.log(`${machine} argWidth ${argWidth}: ${results.reduce((n, r) => n + r.inputs, 0)} inputs in ${results.length} profiles; rejected by both: ${rejections.both}; by runc only: ${rejections.runcOnly.length}; by us only: ${rejections.oursOnly.length}; differences ${JSON.stringify(Object.fromEntries(total))}`);
          for (const x of [...rejections.runcOnly, ...rejections.oursOnly]) console.log(`  rejected: ${x}`);
        }
        expect.soft(rejections.oursOnly, 'profiles we refuse but runc accepts').toEqual([]);
        expectNoUnexpected(`generated ${machine} argWidth ${argWidth}`, results);
      });
    }
  }
});

const MACHINE_ABIS: Record<Machine, readonly (keyof typeof AUDIT)[]> = { x86_64: ['x86_64', 'x86', 'x32'], aarch64: ['aarch64', 'arm'] };

/**
 * argWidth 32 must agree with runc where the 32-bit reading cannot matter: every argument's high
 * half is 0 and so is every value the syscall's rules compare with. Elsewhere differences are
 * expected and only counted.
 */
const zeroHighOnly = {
  test: (d: SeccompData, m: Model): boolean => {
    if ((d.args ?? []).some((a) => a >> 32n !== 0n)) return false;
    const abi = m.abiOf(d);
    if (abi === 'badarch' || abi === 'nr-1') return true;
    const rules = m.rules.get(abi)?.get(d.nr >>> 0) ?? [];
    return rules.every((r) => r.args.every((c) => c.value >> 32n === 0n && c.valueTwo >> 32n === 0n));
  },
  otherwise: 'argWidth 32 (high halves)' as const,
};

