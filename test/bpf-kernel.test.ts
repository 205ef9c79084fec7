/**
 * Cross-checks of the checker and the emulator against the running kernel. A tiny C probe,
 * built with gcc in a temporary directory, installs filters in its own (child) process only:
 *   probe check FILE…            for each raw program: fork, install it, report ok / errno
 *   probe run FILE nr a0…a5 …    install FILE, issue each syscall, print its outcome
 * Skipped unless Linux on x86-64/arm64, root, and gcc.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64, BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV,
  BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD,
  BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR,
  BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS, findProgramProblem, jump, runProgram, stmt, toRaw,
} from '../src/bpf/index.js';
import type { BpfProgram, Instruction } from '../src/bpf/index.js';

const PROBE_C = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static struct sock_filter insns[8192];

static int load(const char *path, struct sock_fprog *prog) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  size_t have = 0;
  for (;;) {
    ssize_t n = read(fd, (char *)insns + have, sizeof insns - have);
    if (n < 0) { close(fd); return -1; }
    if (n == 0) break;
    have += (size_t)n;
  }
  close(fd);
  prog->len = (unsigned short)(have / sizeof(struct sock_filter));
  prog->filter = insns;
  return 0;
}

static long install(struct sock_fprog *prog) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
}

int main(int argc, char **argv) {
  struct sock_fprog prog;
  if (argc >= 3 && strcmp(argv[1], "check") == 0) {
    for (int i = 2; i < argc; i++) {
      if (load(argv[i], &prog) != 0) { printf("load-error\n"); continue; }
      fflush(stdout);
      pid_t pid = fork();
      if (pid == 0) {
        if (install(&prog) != 0) _exit(errno);
        _exit(0);
      }
      int status;
      waitpid(pid, &status, 0);
      if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) printf("ok\n");
      else printf("errno %d\n", WEXITSTATUS(status));
    }
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "run") == 0) {
    int calls = (argc - 3) / 7;
    long *results = calloc((size_t)calls + 1, sizeof(long));
    int *errs = calloc((size_t)calls + 1, sizeof(int));
    unsigned long long a[7 * 64];
    if (calls > 64) return 2;
    for (int i = 0; i < calls * 7; i++) a[i] = strtoull(argv[3 + i], NULL, 0);
    long self = syscall(SYS_getpid);
    if (load(argv[2], &prog) != 0) return 3;
    if (install(&prog) != 0) { perror("seccomp"); return 4; }
    for (int c = 0; c < calls; c++) {
      unsigned long long *v = a + 7 * c;
      errno = 0;
      results[c] = syscall((long)v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
      errs[c] = errno;
    }
    for (int c = 0; c < calls; c++) {
      if (results[c] == self) printf("allow\n");
      else if (results[c] == -1) printf("errno %d\n", errs[c]);
      else printf("ret %ld\n", results[c]);
    }
    return 0;
  }
  fprintf(stderr, "usage: probe check FILE... | probe run FILE nr a0 a1 a2 a3 a4 a5 ...\n");
  return 2;
}
`;

const MACHINE =
  process.arch === 'x64' ? { arch: AUDIT_ARCH_X86_64, getpid: 39 }
  : process.arch === 'arm64' ? { arch: AUDIT_ARCH_AARCH64, getpid: 172 }
  : undefined;

function haveGcc(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const enabled = process.platform === 'linux' && process.getuid?.() === 0 && MACHINE !== undefined && haveGcc();

const ld = (off: number) => stmt(BPF_LD | BPF_W | BPF_ABS, off);
const ret = (k: number) => stmt(BPF_RET | BPF_K, k);
const retA = stmt(BPF_RET | BPF_A, 0);
const alu = (op: number, k = 0) => stmt(BPF_ALU | op | BPF_K, k);
const aluX = (op: number) => stmt(BPF_ALU | op | BPF_X, 0);
const tax = stmt(BPF_MISC | BPF_TAX, 0);
const txa = stmt(BPF_MISC | BPF_TXA, 0);

/** Wrap a body that ends in RET so it only judges getpid on this arch; all else is allowed. */
function forGetpid(body: Instruction[]): Instruction[] {
  const m = MACHINE!;
  return [
    ld(4), jump(BPF_JMP | BPF_JEQ | BPF_K, m.arch, 1, 0), ret(SECCOMP_RET_KILL_PROCESS),
    ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, m.getpid, 1, 0), ret(SECCOMP_RET_ALLOW),
    ...body,
  ];
}

/** End of a body: A → ERRNO(A & 0x3ff). */
const toErrno = [alu(BPF_AND, 0x3ff), alu(BPF_OR, SECCOMP_RET_ERRNO), retA];

/** What the probe prints for a filter return value (getpid is harmless when allowed). */
function outcome(r: number): string {
  const action = (r & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW) return 'allow';
  if (action === SECCOMP_RET_ERRNO) {
    const data = Math.min(r & SECCOMP_RET_DATA, 4095);
    return data === 0 ? 'ret 0' : `errno ${data}`;
  }
  return `action 0x${r.toString(16)}`;
}

const INTERESTING = [
  0n, 1n, 2n, 5n, 7n, 31n, 32n, 33n, 64n, 0xffn, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn,
  1n << 32n, 5n << 32n, 0xffffffff00000000n, 0xffffffffffffffffn, 0x123456789abcdef0n, 0x8000000000000000n,
];

/** Deterministic argument vectors mixing interesting values. */
function vectors(count: number, seed: number): bigint[][] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s;
  };
  const out: bigint[][] = [];
  for (let i = 0; i < count; i++) {
    const v: bigint[] = [];
    for (let j = 0; j < 6; j++) {
      const r = next();
      v.push(r % 3 === 0 ? (BigInt(next()) << 32n) | BigInt(next()) : INTERESTING[r % INTERESTING.length]!);
    }
    out.push(v);
  }
  return out;
}

describe.skipIf(!enabled)('kernel cross-check (child processes only)', () => {
  let dir = '';
  let probe = '';
  let fileNo = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpf-kernel-'));
    writeFileSync(join(dir, 'probe.c'), PROBE_C);
    probe = join(dir, 'probe');
    execFileSync('gcc', ['-O1', '-Wall', '-o', probe, join(dir, 'probe.c')], { stdio: 'pipe' });
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const writeProg = (prog: BpfProgram): string => {
    const file = join(dir, `p${fileNo++}.bpf`);
    writeFileSync(file, toRaw(prog));
    return file;
  };

  /** Run getpid with each argument vector under `prog` in the probe, and in the emulator. */
  const compareRun = (prog: BpfProgram, vecs: bigint[][]) => {
    const file = writeProg(prog);
    const argv = ['run', file];
    for (const v of vecs) argv.push(String(MACHINE!.getpid), ...v.map((x) => '0x' + x.toString(16)));
    const kernel = execFileSync(probe, argv, { encoding: 'utf8' }).trim().split('\n');
    const emulated = vecs.map((args) => outcome(runProgram(prog, { nr: MACHINE!.getpid, arch: MACHINE!.arch, args }).ret));
    expect(kernel).toEqual(emulated);
    return emulated;
  };

  it('arithmetic (ADD SUB MUL XOR OR AND LSH RSH, K and X, TAX/TXA) matches', () => {
    const prog = forGetpid([
      ld(20), tax, ld(16), aluX(BPF_ADD), alu(BPF_MUL, 3), stmt(BPF_ST, 0),
      ld(24), tax, stmt(BPF_LD | BPF_MEM, 0), aluX(BPF_SUB), alu(BPF_XOR, 0x5a5),
      stmt(BPF_ST, 1), ld(28), alu(BPF_AND, 7), tax, stmt(BPF_LD | BPF_MEM, 1), aluX(BPF_RSH),
      alu(BPF_LSH, 3), aluX(BPF_MUL), alu(BPF_RSH, 5), alu(BPF_SUB, 9), stmt(BPF_ST, 2),
      txa, alu(BPF_LSH, 4), tax, stmt(BPF_LD | BPF_MEM, 2), aluX(BPF_OR), alu(BPF_ADD, 0xfffffff0),
      ...toErrno,
    ]);
    const seen = new Set(compareRun(prog, vectors(60, 1)));
    expect(seen.size).toBeGreaterThan(10); // the vectors really exercise different values
  });

  it('division, negation, scratch memory and LEN loads match', () => {
    const prog = forGetpid([
      ld(32), alu(BPF_OR, 1), tax, stmt(BPF_STX, 4),                   // X = a2lo | 1 (never 0)
      ld(16), aluX(BPF_DIV), stmt(BPF_ST, 3),                          // M3 = a0lo / X
      ld(20), alu(BPF_NEG), stmt(BPF_LDX | BPF_MEM, 3), aluX(BPF_ADD), // -a0hi + M3
      alu(BPF_DIV, 7), stmt(BPF_LDX | BPF_W | BPF_LEN, 0), aluX(BPF_ADD),
      stmt(BPF_LD | BPF_W | BPF_LEN, 0) /* dead store to A is fine */, stmt(BPF_LD | BPF_MEM, 3), aluX(BPF_XOR),
      stmt(BPF_LDX | BPF_MEM, 4), aluX(BPF_SUB),
      ...toErrno,
    ]);
    compareRun(prog, vectors(60, 2));
  });

  it('shifts by a register of 32 or more behave as the emulator says (count & 31)', () => {
    // X = (u32)args[1] (the count), A = (u32)args[0].
    const counts = [0n, 1n, 5n, 9n, 32n, 33n, 37n, 41n, 63n, 64n, 65n, 0xffffffe1n];
    const left = forGetpid([ld(24), tax, ld(16), aluX(BPF_LSH), ...toErrno]);
    const l = compareRun(left, counts.map((c) => [0x2bn, c, 0n, 0n, 0n, 0n]));
    expect(l[5]).toBe(l[1]); // 33 shifts like 1
    const right = forGetpid([ld(24), tax, ld(16), aluX(BPF_RSH), ...toErrno]);
    compareRun(right, counts.map((c) => [0xdeadbeefn, c, 0n, 0n, 0n, 0n]));
  });

  it('comparisons (JEQ JGT JGE JSET, K and X), JA and 64-bit halves match', () => {
    const E = (n: number) => ret(SECCOMP_RET_ERRNO | n);
    const prog = forGetpid([
      /* 6 */ ld(20),
      /* 7 */ jump(BPF_JMP | BPF_JGT | BPF_K, 5, 0, 1),
      /* 8 */ stmt(BPF_JMP | BPF_JA, 14), // -> 23: E1
      /* 9 */ jump(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 3),
      /* 10 */ ld(16),
      /* 11 */ jump(BPF_JMP | BPF_JGE | BPF_K, 0x80000000, 13, 12), // -> 25 E3 : 24 E2
      /* 12 */ stmt(BPF_JMP | BPF_JA, 0),
      /* 13 */ ld(16),
      /* 14 */ tax,
      /* 15 */ ld(24),
      /* 16 */ jump(BPF_JMP | BPF_JGT | BPF_X, 0, 9, 0), // -> 26 E4
      /* 17 */ jump(BPF_JMP | BPF_JEQ | BPF_X, 0, 9, 0), // -> 27 E5
      /* 18 */ jump(BPF_JMP | BPF_JSET | BPF_X, 0, 9, 0), // -> 28 E6
      /* 19 */ jump(BPF_JMP | BPF_JGE | BPF_X, 0, 9, 0), // never taken (A < X here) -> 29 E7
      /* 20 */ jump(BPF_JMP | BPF_JSET | BPF_K, 0xf0, 8, 0), // -> 29 E7
      /* 21 */ jump(BPF_JMP | BPF_JGE | BPF_K, 3, 8, 0), // -> 30 E8
      /* 22 */ ret(SECCOMP_RET_ALLOW),
      /* 23 */ E(1), /* 24 */ E(2), /* 25 */ E(3), /* 26 */ E(4), /* 27 */ E(5), /* 28 */ E(6),
      /* 29 */ E(7), /* 30 */ E(8),
    ]);
    const vecs = vectors(50, 3);
    vecs.push([0n, 0n], [5n << 32n, 0n], [(5n << 32n) | 0x80000000n, 0n], [7n, 7n], [7n, 9n], [0xf1n, 0x100n], [0x100n, 4n]);
    const seen = new Set(compareRun(prog, vecs.map((v) => [...v, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6))));
    expect(seen.size).toBeGreaterThanOrEqual(7);
  });

  it('ERRNO data above 4095 is capped and ERRNO(0) returns 0', () => {
    const prog = forGetpid([ld(16), alu(BPF_AND, 0xffff), alu(BPF_OR, SECCOMP_RET_ERRNO), retA]);
    compareRun(prog, [[0n], [1n], [4095n], [4096n], [0xffffn]].map((v) => [...v, 0n, 0n, 0n, 0n, 0n]));
  });

  it('division by a zero register returns 0: the thread is killed', () => {
    const prog = forGetpid([ld(16), tax, stmt(BPF_LD | BPF_IMM, 100), aluX(BPF_DIV), ret(SECCOMP_RET_ALLOW)]);
    expect(runProgram(prog, { nr: MACHINE!.getpid, arch: MACHINE!.arch, args: [0n] }).ret).toBe(0);
    const file = writeProg(prog);
    const r = spawnSync(probe, ['run', file, String(MACHINE!.getpid), '0', '0', '0', '0', '0', '0']);
    expect(r.signal).toBe('SIGSYS');
    expect(execFileSync(probe, ['run', file, String(MACHINE!.getpid), '4', '0', '0', '0', '0', '0'], { encoding: 'utf8' }).trim()).toBe('allow');
  });

  it('the kernel accepts exactly the programs the checker accepts', () => {
    const A = ret(SECCOMP_RET_ALLOW);
    const cases: [string, Instruction[]][] = [
      ['minimal', [A]],
      ['all loads', [ld(0), ld(4), ld(8), ld(12), ld(16), ld(60), stmt(BPF_LD | BPF_W | BPF_LEN, 0), stmt(BPF_LDX | BPF_W | BPF_LEN, 0), A]],
      ['ld offset 64', [ld(64), A]],
      ['ld misaligned', [ld(2), A]],
      ['ld ancillary', [ld(0xfffff000), A]],
      ['ld h abs', [stmt(BPF_LD | BPF_H | BPF_ABS, 0), A]],
      ['ld b abs', [stmt(BPF_LD | BPF_B | BPF_ABS, 0), A]],
      ['ld w ind', [stmt(BPF_LD | BPF_W | BPF_IND, 0), A]],
      ['ldx msh', [stmt(BPF_LDX | BPF_B | BPF_MSH, 0), A]],
      ['ldx w abs', [stmt(BPF_LDX | BPF_W | BPF_ABS, 0), A]],
      ['mod k', [stmt(BPF_LD | BPF_IMM, 9), alu(BPF_MOD, 4), A]],
      ['mod x', [stmt(BPF_LD | BPF_IMM, 9), aluX(BPF_MOD), A]],
      ['div k 0', [alu(BPF_DIV, 0), A]],
      ['div x', [aluX(BPF_DIV), A]],
      ['lsh 31', [alu(BPF_LSH, 31), A]],
      ['lsh 32', [alu(BPF_LSH, 32), A]],
      ['rsh 32', [alu(BPF_RSH, 32), A]],
      ['xor/neg', [alu(BPF_XOR, 1), alu(BPF_NEG), A]],
      ['st 15', [stmt(BPF_ST, 15), A]],
      ['st 16', [stmt(BPF_ST, 16), A]],
      ['ld mem unwritten', [stmt(BPF_LD | BPF_MEM, 0), A]],
      ['ldx mem written', [stmt(BPF_STX, 3), stmt(BPF_LDX | BPF_MEM, 3), A]],
      ['mem one branch', [ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), stmt(BPF_ST, 0), stmt(BPF_LD | BPF_MEM, 0), A]],
      ['mem both branches', [ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2), stmt(BPF_ST, 0), stmt(BPF_JMP | BPF_JA, 1), stmt(BPF_ST, 0), stmt(BPF_LD | BPF_MEM, 0), A]],
      ['mem after ret', [stmt(BPF_LD | BPF_IMM, 0), jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), A, stmt(BPF_LD | BPF_MEM, 0), A]],
      ['ja to last', [stmt(BPF_JMP | BPF_JA, 1), A, A]],
      ['ja past end', [stmt(BPF_JMP | BPF_JA, 1), A]],
      ['jt past end', [jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), A]],
      ['jf past end', [jump(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1), A]],
      ['no final ret', [A, stmt(BPF_LD | BPF_IMM, 0)]],
      ['ret x', [{ code: BPF_RET | BPF_X, jt: 0, jf: 0, k: 0 }]],
      ['unknown 0xff', [{ code: 0xff, jt: 0, jf: 0, k: 0 }, A]],
      ['ret a', [stmt(BPF_LD | BPF_IMM, SECCOMP_RET_ALLOW), retA]],
      ['4096', Array.from({ length: 4096 }, () => A)],
      ['4097', Array.from({ length: 4097 }, () => A)],
      ['tax/txa/imm', [stmt(BPF_LDX | BPF_IMM, 1), tax, txa, A]],
      ['misc other', [{ code: BPF_MISC | 0x08, jt: 0, jf: 0, k: 0 }, A]],
      ['jmp op 0x50', [{ code: BPF_JMP | 0x50, jt: 0, jf: 0, k: 0 }, A]],
    ];
    // Sanity: the list contains both kinds.
    const expected = cases.map(([, p]) => (findProgramProblem(p) === undefined ? 'ok' : 'errno 22'));
    expect(expected).toContain('ok');
    expect(expected).toContain('errno 22');
    const files = cases.map(([, p]) => writeProg(p));
    const kernel = execFileSync(probe, ['check', ...files], { encoding: 'utf8' }).trim().split('\n');
    const got = cases.map(([name], i) => `${name}: ${kernel[i]}`);
    expect(got).toEqual(cases.map(([name], i) => `${name}: ${expected[i]}`));
  });
});

