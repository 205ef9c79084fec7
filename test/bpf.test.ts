import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV,
  BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD,
  BPF_LDX, BPF_LEN, BPF_LSH, BPF_MAXINSNS, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG,
  BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
  BpfError, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, actionName, constAllowBitmap,
  countConstAllow, disassemble, findProgramProblem, fromJson, fromRaw, insn, isConstAllow,
  isValidProgram, jump, prepareProgram, runProgram, stmt, toC, toJson, toRaw, validateProgram,
} from '../src/bpf/index.js';
import type { BpfProgram, Instruction } from '../src/bpf/index.js';
import { SeccompError } from '../src/errors.js';

const X86_64 = AUDIT_ARCH_X86_64;
const ld = (off: number) => stmt(BPF_LD | BPF_W | BPF_ABS, off);
const ret = (k: number) => stmt(BPF_RET | BPF_K, k);
const retA = stmt(BPF_RET | BPF_A, 0);
const ldImm = (k: number) => stmt(BPF_LD | BPF_IMM, k);
const ldxImm = (k: number) => stmt(BPF_LDX | BPF_IMM, k);

/** A typical filter: arch check, x32 guard, execve -> EPERM, everything else allowed. */
const SMALL: BpfProgram = [
  ld(4),
  jump(BPF_JMP | BPF_JEQ | BPF_K, X86_64, 0, 5),
  ld(0),
  jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 3, 0),
  jump(BPF_JMP | BPF_JEQ | BPF_K, 59, 1, 0),
  ret(SECCOMP_RET_ALLOW),
  ret(SECCOMP_RET_ERRNO | 1),
  ret(SECCOMP_RET_KILL_PROCESS),
];

describe('emulator: loads', () => {
  const args = [0, 1, 2, 3, 4, 5].map((i) => (BigInt(0x100 + i) << 32n) | BigInt(0xa0000000 + i));
  const data = { nr: 231, arch: X86_64, instructionPointer: 0x7fff_1234_5678_9abcn, args };

  it('reads every 32-bit word of seccomp_data, little-endian halves', () => {
    const expected = [231, X86_64, 0x56789abc, 0x7fff1234];
    for (let i = 0; i < 6; i++) expected.push(0xa0000000 + i, 0x100 + i);
    for (let w = 0; w < 16; w++) {
      expect(runProgram([ld(w * 4), retA], data).ret, `word ${w}`).toBe(expected[w]);
    }
  });

  it('reinterprets a negative nr and negative args as unsigned', () => {
    expect(runProgram([ld(0), retA], { nr: -1, arch: X86_64 }).ret).toBe(0xffffffff);
    expect(runProgram([ld(20), retA], { nr: 0, arch: X86_64, args: [-2n] }).ret).toBe(0xffffffff);
    expect(runProgram([ld(16), retA], { nr: 0, arch: X86_64, args: [-2n] }).ret).toBe(0xfffffffe);
  });

  it('treats missing args as 0', () => {
    expect(runProgram([ld(60), retA], { nr: 0, arch: X86_64, args: [5n] }).ret).toBe(0);
  });

  it('LD/LDX W LEN give sizeof(seccomp_data), IMM and TXA/TAX move values', () => {
    expect(runProgram([stmt(BPF_LD | BPF_W | BPF_LEN, 0), retA], data).ret).toBe(64);
    expect(runProgram([stmt(BPF_LDX | BPF_W | BPF_LEN, 0), stmt(BPF_MISC | BPF_TXA, 0), retA], data).ret).toBe(64);
    expect(runProgram([ldImm(0xdeadbeef), retA], data).ret).toBe(0xdeadbeef);
    expect(runProgram([ldxImm(77), stmt(BPF_MISC | BPF_TXA, 0), retA], data).ret).toBe(77);
    expect(runProgram([ldImm(5), stmt(BPF_MISC | BPF_TAX, 0), ldImm(0), stmt(BPF_MISC | BPF_TXA, 0), retA], data).ret).toBe(5);
  });

  it('scratch memory: ST/STX then LD/LDX MEM', () => {
    const prog = [
      ldImm(11), stmt(BPF_ST, 0),
      ldxImm(22), stmt(BPF_STX, 15),
      ldImm(0), ldxImm(0),
      stmt(BPF_LDX | BPF_MEM, 0), stmt(BPF_LD | BPF_MEM, 15),
      stmt(BPF_ALU | BPF_MUL | BPF_X, 0), // 22 * 11
      retA,
    ];
    expect(runProgram(prog, data).ret).toBe(242);
  });
});

describe('emulator: ALU', () => {
  const M = 1n << 32n;
  const ref: Record<string, [number, (a: bigint, b: bigint) => bigint]> = {
    add: [BPF_ADD, (a, b) => (a + b) % M],
    sub: [BPF_SUB, (a, b) => (a - b + M) % M],
    mul: [BPF_MUL, (a, b) => (a * b) % M],
    div: [BPF_DIV, (a, b) => a / b],
    and: [BPF_AND, (a, b) => a & b],
    or: [BPF_OR, (a, b) => a | b],
    xor: [BPF_XOR, (a, b) => a ^ b],
    lsh: [BPF_LSH, (a, b) => (a << b) % M],
    rsh: [BPF_RSH, (a, b) => a >> b],
  };
  const as = [0, 1, 7, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xffffffff];
  const bs = [1, 3, 0x10001, 0x7fffffff, 0x80000000, 0xffffffff];
  const shifts = [0, 1, 5, 31];

  for (const [name, [op, f]] of Object.entries(ref)) {
    it(`${name} with K and X matches 32-bit unsigned arithmetic`, () => {
      const operands = op === BPF_LSH || op === BPF_RSH ? shifts : bs;
      for (const a of as) {
        for (const b of operands) {
          const want = Number(f(BigInt(a), BigInt(b)));
          const withK = runProgram([ldImm(a), stmt(BPF_ALU | op | BPF_K, b), retA], { nr: 0, arch: 0 });
          const withX = runProgram([ldxImm(b), ldImm(a), stmt(BPF_ALU | op | BPF_X, 0), retA], { nr: 0, arch: 0 });
          expect(withK.ret, `${a} ${name} #${b}`).toBe(want);
          expect(withX.ret, `${a} ${name} x=${b}`).toBe(want);
        }
      }
    });
  }

  it('neg is two\'s complement', () => {
    for (const a of as) {
      const r = runProgram([ldImm(a), stmt(BPF_ALU | BPF_NEG, 0), retA], { nr: 0, arch: 0 });
      expect(r.ret).toBe(Number((M - BigInt(a)) % M));
    }
  });

  it('shifts by X use the low 5 bits of X', () => {
    const r = runProgram([ldxImm(33), ldImm(1), stmt(BPF_ALU | BPF_LSH | BPF_X, 0), retA], { nr: 0, arch: 0 });
    expect(r.ret).toBe(2);
    const r2 = runProgram([ldxImm(36), ldImm(0x100), stmt(BPF_ALU | BPF_RSH | BPF_X, 0), retA], { nr: 0, arch: 0 });
    expect(r2.ret).toBe(0x10);
  });

  it('division by X = 0 ends the program returning 0 (KILL_THREAD)', () => {
    const prog = [ld(16), stmt(BPF_MISC | BPF_TAX, 0), ldImm(100), stmt(BPF_ALU | BPF_DIV | BPF_X, 0), ret(SECCOMP_RET_ALLOW)];
    expect(runProgram(prog, { nr: 0, arch: 0, args: [0n] })).toEqual({ ret: 0, executed: 4 });
    expect(runProgram(prog, { nr: 0, arch: 0, args: [4n] })).toEqual({ ret: SECCOMP_RET_ALLOW, executed: 5 });
  });
});

describe('emulator: jumps, returns, counts', () => {
  const cmp = (code: number, a: number, k: number) =>
    runProgram([ldImm(a), jump(BPF_JMP | code | BPF_K, k, 1, 0), ret(0), ret(1)], { nr: 0, arch: 0 }).ret === 1;
  const cmpX = (code: number, a: number, x: number) =>
    runProgram([ldxImm(x), ldImm(a), jump(BPF_JMP | code | BPF_X, 0, 1, 0), ret(0), ret(1)], { nr: 0, arch: 0 }).ret === 1;

  it('compares unsigned', () => {
    for (const f of [cmp, cmpX]) {
      expect(f(BPF_JEQ, 0xffffffff, 0xffffffff)).toBe(true);
      expect(f(BPF_JEQ, 5, 6)).toBe(false);
      expect(f(BPF_JGT, 0x80000000, 1)).toBe(true);
      expect(f(BPF_JGT, 1, 0x80000000)).toBe(false);
      expect(f(BPF_JGT, 7, 7)).toBe(false);
      expect(f(BPF_JGE, 7, 7)).toBe(true);
      expect(f(BPF_JGE, 0xffffffff, 0)).toBe(true);
      expect(f(BPF_JGE, 0, 0xffffffff)).toBe(false);
      expect(f(BPF_JSET, 0x80000001, 0x80000000)).toBe(true);
      expect(f(BPF_JSET, 0x7fffffff, 0x80000000)).toBe(false);
    }
  });

  it('JA skips forward by k', () => {
    const prog = [stmt(BPF_JMP | BPF_JA, 2), ret(1), ret(2), ret(3)];
    expect(runProgram(prog, { nr: 0, arch: 0 })).toEqual({ ret: 3, executed: 2 });
  });

  it('RET K returns k unchanged, RET A returns A', () => {
    expect(runProgram([ret(SECCOMP_RET_TRACE | 0xffff)], { nr: 0, arch: 0 }).ret).toBe(0x7ff0ffff);
    expect(runProgram([ret(SECCOMP_RET_KILL_PROCESS)], { nr: 0, arch: 0 }).ret).toBe(0x80000000);
    expect(runProgram([ldImm(SECCOMP_RET_LOG), retA], { nr: 0, arch: 0 }).ret).toBe(SECCOMP_RET_LOG);
  });

  it('counts executed instructions including the RET, and traces the path', () => {
    expect(runProgram(SMALL, { nr: 59, arch: X86_64 }, { trace: true })).toEqual({
      ret: SECCOMP_RET_ERRNO | 1, executed: 6, path: [0, 1, 2, 3, 4, 6],
    });
    expect(runProgram(SMALL, { nr: 0, arch: X86_64 })).toEqual({ ret: SECCOMP_RET_ALLOW, executed: 6 });
    expect(runProgram(SMALL, { nr: 0x40000001, arch: X86_64 })).toEqual({ ret: SECCOMP_RET_KILL_PROCESS, executed: 5 });
    expect(runProgram(SMALL, { nr: 0, arch: AUDIT_ARCH_I386 })).toEqual({ ret: SECCOMP_RET_KILL_PROCESS, executed: 3 });
  });

  it('prepared programs: evaluate, evaluateWords and lastExecuted agree with run', () => {
    const p = prepareProgram(SMALL);
    expect(prepareProgram(SMALL)).toBe(p);
    expect(p.evaluate(59, X86_64)).toBe(SECCOMP_RET_ERRNO | 1);
    expect(p.lastExecuted).toBe(6);
    const words = new Uint32Array(16);
    words[0] = 0x40000000;
    words[1] = X86_64;
    expect(p.evaluateWords(words)).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(p.lastExecuted).toBe(5);
    expect(() => p.evaluateWords(new Uint32Array(4))).toThrow(RangeError);
  });

  it('refuses to run an invalid program', () => {
    expect(() => runProgram([ld(0)], { nr: 0, arch: 0 })).toThrow(BpfError);
  });
});

describe('checker', () => {
  const reject = (prog: readonly Instruction[], index: number | undefined, reason: RegExp) => {
    const p = findProgramProblem(prog);
    expect(p, JSON.stringify(prog)).toBeDefined();
    expect(p!.index).toBe(index);
    expect(p!.reason).toMatch(reason);
    expect(() => validateProgram(prog)).toThrow(BpfError);
    expect(isValidProgram(prog)).toBe(false);
  };

  it('accepts programs using every seccomp instruction', () => {
    const prog: Instruction[] = [
      ld(0), stmt(BPF_LD | BPF_W | BPF_LEN, 0), stmt(BPF_LDX | BPF_W | BPF_LEN, 0), ldImm(1), ldxImm(2),
      stmt(BPF_ST, 0), stmt(BPF_STX, 1), stmt(BPF_LD | BPF_MEM, 0), stmt(BPF_LDX | BPF_MEM, 1),
      ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH].flatMap((op) => [
        stmt(BPF_ALU | op | BPF_K, 1), stmt(BPF_ALU | op | BPF_X, 0),
      ]),
      stmt(BPF_ALU | BPF_NEG, 0), stmt(BPF_MISC | BPF_TAX, 0), stmt(BPF_MISC | BPF_TXA, 0),
      ...[BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].flatMap((op) => [
        jump(BPF_JMP | op | BPF_K, 1, 0, 0), jump(BPF_JMP | op | BPF_X, 0, 0, 0),
      ]),
      stmt(BPF_JMP | BPF_JA, 0),
      ld(60), retA,
    ];
    expect(findProgramProblem(prog)).toBeUndefined();
    expect(() => validateProgram(prog)).not.toThrow();
    expect(isValidProgram([ret(SECCOMP_RET_ALLOW)])).toBe(true);
  });

  it('rejects bad lengths', () => {
    reject([], undefined, /length 0 is outside 1\.\.4096/);
    reject(Array.from({ length: BPF_MAXINSNS + 1 }, () => ret(0)), undefined, /length 4097/);
    expect(isValidProgram(Array.from({ length: BPF_MAXINSNS }, () => ret(0)))).toBe(true);
  });

  it('rejects malformed fields', () => {
    reject([{ code: 6, jt: 256, jf: 0, k: 0 }], 0, /jt 256/);
    reject([ret(0), { code: 6, jt: 0, jf: 0, k: -1 }], 1, /k -1/);
    reject([{ code: 0x10006, jt: 0, jf: 0, k: 0 }], 0, /code 65542/);
  });

  it('rejects unknown opcodes', () => {
    reject([ldImm(0), { code: 0x0e, jt: 0, jf: 0, k: 0 }], 1, /unknown opcode 0xe/); // RET X
    reject([{ code: 0xffff, jt: 0, jf: 0, k: 0 }, ret(0)], 0, /unknown opcode 0xffff/);
    reject([stmt(BPF_LDX | BPF_W | BPF_ABS, 0), ret(0)], 0, /unknown opcode 0x21/);
  });

  it('rejects division by constant zero and oversized constant shifts', () => {
    reject([ldImm(1), stmt(BPF_ALU | BPF_DIV | BPF_K, 0), retA], 1, /division by constant zero/);
    reject([ldImm(1), stmt(BPF_ALU | BPF_MOD | BPF_K, 0), retA], 1, /division by constant zero/);
    reject([ldImm(1), stmt(BPF_ALU | BPF_LSH | BPF_K, 32), retA], 1, /shift by 32/);
    reject([ldImm(1), stmt(BPF_ALU | BPF_RSH | BPF_K, 0xffffffff), retA], 1, /shift by 4294967295/);
  });

  it('rejects scratch slots >= 16', () => {
    reject([ldImm(0), stmt(BPF_ST, 16), retA], 1, /scratch memory slot 16/);
    reject([ldxImm(0), stmt(BPF_STX, 99), retA], 1, /slot 99/);
  });

  it('rejects jumps past the end', () => {
    reject([stmt(BPF_JMP | BPF_JA, 1), ret(0)], 0, /ja \+1 jumps to 2/);
    reject([jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret(0)], 0, /jt \+1 jumps to 2/);
    reject([jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2), ret(0), ret(0)], 0, /jf \+2 jumps to 3/);
    expect(isValidProgram([jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret(0), ret(0)])).toBe(true);
  });

  it('requires a final RET', () => {
    reject([ret(0), ldImm(0)], 1, /last instruction must be a RET/);
  });

  it('rejects reads of scratch memory not written on every path (check_load_and_stores)', () => {
    reject([stmt(BPF_LD | BPF_MEM, 3), retA], 0, /M\[3\]/);
    reject([ldImm(0), stmt(BPF_ST, 2), stmt(BPF_LDX | BPF_MEM, 3), retA], 2, /M\[3\]/);
    // Written on only one branch, read after the join.
    const oneBranch = [
      ld(0),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
      stmt(BPF_ST, 0),
      stmt(BPF_LD | BPF_MEM, 0),
      retA,
    ];
    reject(oneBranch, 3, /M\[0\]/);
    // Written on both branches: fine.
    const bothBranches = [
      ld(0),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2),
      stmt(BPF_ST, 0),
      stmt(BPF_JMP | BPF_JA, 1),
      stmt(BPF_ST, 0),
      stmt(BPF_LD | BPF_MEM, 0),
      retA,
    ];
    expect(findProgramProblem(bothBranches)).toBeUndefined();
    // Like the kernel, the instruction after a RET inherits the RET's state (conservative).
    const afterRet = [ldImm(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret(0), stmt(BPF_LD | BPF_MEM, 0), retA];
    reject(afterRet, 3, /M\[0\]/);
  });

  it('applies the seccomp whitelist after the classic checks', () => {
    reject([ldImm(7), stmt(BPF_ALU | BPF_MOD | BPF_K, 3), retA], 1, /0x94 \(alu mod k\) is not allowed in seccomp/);
    reject([ldImm(7), stmt(BPF_ALU | BPF_MOD | BPF_X, 0), retA], 1, /alu mod x/);
    reject([stmt(BPF_LD | BPF_H | BPF_ABS, 0), retA], 0, /ld h abs/);
    reject([stmt(BPF_LD | BPF_B | BPF_ABS, 0), retA], 0, /ld b abs/);
    reject([stmt(BPF_LD | BPF_W | BPF_IND, 0), retA], 0, /ld w ind/);
    reject([stmt(BPF_LDX | BPF_B | BPF_MSH, 0), retA], 0, /ldx b msh/);
    reject([ld(64), retA], 0, /load offset 64/);
    reject([ld(2), retA], 0, /load offset 2/);
    reject([ld(0xfffff000), retA], 0, /load offset 4294963200/);
    // The classic checks win over the seccomp whitelist, even at a later index.
    reject([stmt(BPF_LD | BPF_H | BPF_ABS, 0), stmt(BPF_ST, 20), retA], 1, /slot 20/);
  });

  it('throws a one-line SeccompError naming the instruction', () => {
    try {
      validateProgram([ret(0), stmt(BPF_ST, 16), retA]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SeccompError);
      expect(e).toBeInstanceOf(BpfError);
      const err = e as BpfError;
      expect(err.index).toBe(1);
      expect(err.message).toBe('invalid seccomp BPF program: instruction 1: scratch memory slot 16 out of range 0..15');
      expect(err.message).not.toContain('\n');
    }
  });
});

describe('allow-cache analysis (seccomp_is_const_allow)', () => {
  it('proves constant ALLOW through arch/nr checks only', () => {
    expect(isConstAllow(SMALL, X86_64, 0)).toBe(true);
    expect(isConstAllow(SMALL, X86_64, 60)).toBe(true);
    expect(isConstAllow(SMALL, X86_64, 59)).toBe(false); // ERRNO
    expect(isConstAllow(SMALL, X86_64, 0x40000000)).toBe(false); // KILL
    expect(isConstAllow(SMALL, AUDIT_ARCH_I386, 0)).toBe(false); // wrong arch
  });

  it('a path that loads an argument is not cacheable for that nr only', () => {
    const prog = [
      ld(0),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 16, 0, 3),
      ld(24),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 0x5401, 1, 0),
      ret(SECCOMP_RET_ALLOW),
      ret(SECCOMP_RET_ALLOW),
    ];
    expect(isConstAllow(prog, X86_64, 16)).toBe(false);
    expect(isConstAllow(prog, X86_64, 15)).toBe(true);
    // The emulator says ALLOW for every argument; the kernel's walk still gives up.
    expect(runProgram(prog, { nr: 16, arch: X86_64, args: [0n, 0x5401n] }).ret).toBe(SECCOMP_RET_ALLOW);
    // Loading instruction_pointer is not constant either.
    expect(isConstAllow([ld(8), ret(SECCOMP_RET_ALLOW)], X86_64, 0)).toBe(false);
  });

  it('follows JSET, JGT, JA and AND K', () => {
    const jset = [ld(0), jump(BPF_JMP | BPF_JSET | BPF_K, 1, 1, 0), ret(SECCOMP_RET_ALLOW), ret(SECCOMP_RET_ERRNO | 1)];
    expect(isConstAllow(jset, X86_64, 2)).toBe(true);
    expect(isConstAllow(jset, X86_64, 3)).toBe(false);
    const masked = [
      ld(0), stmt(BPF_ALU | BPF_AND | BPF_K, 0xff), jump(BPF_JMP | BPF_JGT | BPF_K, 10, 0, 1),
      stmt(BPF_JMP | BPF_JA, 1), ret(SECCOMP_RET_ALLOW), ret(SECCOMP_RET_TRAP),
    ];
    expect(isConstAllow(masked, X86_64, 0x105)).toBe(true); // 0x105 & 0xff = 5 <= 10
    expect(isConstAllow(masked, X86_64, 11)).toBe(false);
  });

  it('gives up on instructions outside the kernel\'s small set', () => {
    const allowAll = (mid: Instruction[]) => [...mid, ret(SECCOMP_RET_ALLOW)];
    expect(isConstAllow(allowAll([]), X86_64, 1)).toBe(true);
    expect(isConstAllow(allowAll([ldImm(0)]), X86_64, 1)).toBe(false);
    expect(isConstAllow(allowAll([ld(0), stmt(BPF_ALU | BPF_ADD | BPF_K, 1)]), X86_64, 1)).toBe(false);
    expect(isConstAllow(allowAll([ld(0), stmt(BPF_ST, 0)]), X86_64, 1)).toBe(false);
    expect(isConstAllow(allowAll([ld(0), stmt(BPF_MISC | BPF_TAX, 0)]), X86_64, 1)).toBe(false);
    expect(isConstAllow([ldImm(SECCOMP_RET_ALLOW), retA], X86_64, 1)).toBe(false); // RET A
    expect(isConstAllow([ld(0), jump(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 0), ret(SECCOMP_RET_ALLOW)], X86_64, 1)).toBe(false);
    expect(isConstAllow([ret(SECCOMP_RET_ALLOW | 1)], X86_64, 1)).toBe(false); // data bits
    expect(isConstAllow([ret(SECCOMP_RET_LOG)], X86_64, 1)).toBe(false);
    // An unsupported instruction on a path not taken does not matter.
    const skip = [ld(0), jump(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1), ldImm(0), ret(SECCOMP_RET_ALLOW)];
    expect(isConstAllow(skip, X86_64, 8)).toBe(true);
    expect(isConstAllow(skip, X86_64, 7)).toBe(false);
  });

  it('agrees with the emulator on programs made only of cacheable instructions', () => {
    const prog = [
      ld(4), jump(BPF_JMP | BPF_JEQ | BPF_K, X86_64, 0, 10),
      ld(0), jump(BPF_JMP | BPF_JGE | BPF_K, 200, 6, 0),
      jump(BPF_JMP | BPF_JSET | BPF_K, 4, 0, 2),
      stmt(BPF_ALU | BPF_AND | BPF_K, 0x30), jump(BPF_JMP | BPF_JEQ | BPF_K, 0x10, 3, 0),
      jump(BPF_JMP | BPF_JGT | BPF_K, 100, 1, 0), stmt(BPF_JMP | BPF_JA, 1),
      ret(SECCOMP_RET_ERRNO | 38), ret(SECCOMP_RET_ALLOW),
      ret(SECCOMP_RET_ALLOW), ret(SECCOMP_RET_KILL_PROCESS),
    ];
    validateProgram(prog);
    let allowed = 0;
    for (let nr = 0; nr < 300; nr++) {
      const emu = runProgram(prog, { nr, arch: X86_64 }).ret === SECCOMP_RET_ALLOW;
      if (emu) allowed++;
      expect(isConstAllow(prog, X86_64, nr), `nr ${nr}`).toBe(emu);
    }
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThan(300);
    expect(countConstAllow(prog, X86_64, Array.from({ length: 300 }, (_, i) => i))).toBe(allowed);
    const bitmap = constAllowBitmap(prog, X86_64, 300);
    expect(bitmap.reduce((n, b) => n + b, 0)).toBe(allowed);
    expect(countConstAllow(prog, AUDIT_ARCH_I386, [0, 1, 2])).toBe(0);
  });

  it('refuses invalid programs', () => {
    expect(() => isConstAllow([ld(0)], X86_64, 0)).toThrow(BpfError);
  });
});

describe('disassembler', () => {
  it('pins the listing of a small program', () => {
    const prog = [
      ld(4),
      jump(BPF_JMP | BPF_JEQ | BPF_K, X86_64, 1, 0),
      ret(SECCOMP_RET_KILL_PROCESS),
      ld(0),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 16, 0, 4),
      ld(28),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
      ld(24),
      jump(BPF_JMP | BPF_JSET | BPF_K, 0x80000000, 1, 0),
      ret(SECCOMP_RET_ALLOW),
      ret(SECCOMP_RET_ERRNO | 1),
    ];
    const names: Record<number, string> = { 1: 'write', 16: 'ioctl' };
    const seen: (number | undefined)[] = [];
    const text = disassemble(prog, {
      syscallNames: (nr, arch) => {
        seen.push(arch);
        return names[nr];
      },
    });
    expect(text).toBe(
      [
        '0000  0020 00 00 00000004  ld [4]                          ; A = seccomp_data.arch',
        '0001  0015 01 00 c000003e  jeq #0xc000003e, jt 3, jf 2     ; arch == AUDIT_ARCH_X86_64',
        '0002  0006 00 00 80000000  ret #0x80000000                 ; KILL_PROCESS',
        '0003  0020 00 00 00000000  ld [0]                          ; A = seccomp_data.nr',
        '0004  0015 05 00 00000001  jeq #1, jt 10, jf 5             ; nr == 1 (write)',
        '0005  0015 00 04 00000010  jeq #16, jt 6, jf 10            ; nr == 16 (ioctl)',
        '0006  0020 00 00 0000001c  ld [28]                         ; A = seccomp_data.args[1] >> 32',
        '0007  0015 00 03 00000000  jeq #0, jt 8, jf 11             ; args[1] >> 32 == 0',
        '0008  0020 00 00 00000018  ld [24]                         ; A = (u32)seccomp_data.args[1]',
        '0009  0045 01 00 80000000  jset #0x80000000, jt 11, jf 10  ; (u32)args[1] & 0x80000000',
        '0010  0006 00 00 7fff0000  ret #0x7fff0000                 ; ALLOW',
        '0011  0006 00 00 00050001  ret #0x50001                    ; ERRNO(1)',
        '',
      ].join('\n'),
    );
    expect(seen).toEqual([X86_64, X86_64]);
  });

  it('pins ALU, memory, register jumps, RET A and unreachable code', () => {
    const prog = [
      stmt(BPF_LD | BPF_W | BPF_LEN, 0),
      ldxImm(3),
      stmt(BPF_ALU | BPF_ADD | BPF_X, 0),
      stmt(BPF_ST, 2),
      stmt(BPF_MISC | BPF_TAX, 0),
      stmt(BPF_LD | BPF_MEM, 2),
      stmt(BPF_ALU | BPF_NEG, 0),
      stmt(BPF_ALU | BPF_AND | BPF_K, 0xff),
      jump(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1),
      stmt(BPF_JMP | BPF_JA, 1),
      ret(SECCOMP_RET_TRACE | 5),
      retA,
      ret(SECCOMP_RET_USER_NOTIF),
    ];
    expect(disassemble(prog, { header: true })).toBe(
      [
        '  pc  code jt jf k         instruction                     comment',
        '0000  0080 00 00 00000000  ld #len                         ; A = sizeof(seccomp_data) = 64',
        '0001  0001 00 00 00000003  ldx #3                          ; X = 3',
        '0002  000c 00 00 00000000  add x                           ; A += X',
        '0003  0002 00 00 00000002  st M[2]                         ; M[2] = A',
        '0004  0007 00 00 00000000  tax                             ; X = A',
        '0005  0060 00 00 00000002  ld M[2]                         ; A = M[2]',
        '0006  0084 00 00 00000000  neg                             ; A = -A',
        '0007  0054 00 00 000000ff  and #0xff                       ; A &= 0xff',
        '0008  002d 00 01 00000000  jgt x, jt 9, jf 10              ; A > X',
        '0009  0005 00 00 00000001  ja 11',
        '0010  0006 00 00 7ff00005  ret #0x7ff00005                 ; TRACE(5)',
        '0011  0016 00 00 00000000  ret a                           ; return A',
        '0012  0006 00 00 7fc00000  ret #0x7fc00000                 ; unreachable',
        '',
      ].join('\n'),
    );
  });

  it('shows invalid instructions without throwing', () => {
    const text = disassemble([stmt(BPF_LD | BPF_H | BPF_ABS, 0), { code: 0xff, jt: 0, jf: 0, k: 0 }]);
    expect(text).toContain('.insn ld h abs');
    expect(text).toContain('not a seccomp instruction');
  });

  it('names return actions', () => {
    expect(actionName(SECCOMP_RET_ALLOW)).toBe('ALLOW');
    expect(actionName(SECCOMP_RET_ERRNO | 1)).toBe('ERRNO(1)');
    expect(actionName(SECCOMP_RET_KILL_PROCESS)).toBe('KILL_PROCESS');
    expect(actionName(0)).toBe('KILL_THREAD');
    expect(actionName(SECCOMP_RET_TRACE | 5)).toBe('TRACE(5)');
    expect(actionName(SECCOMP_RET_TRAP | 2)).toBe('TRAP(2)');
    expect(actionName(SECCOMP_RET_USER_NOTIF)).toBe('USER_NOTIF');
    expect(actionName(SECCOMP_RET_LOG)).toBe('LOG');
    expect(actionName(0x00010000)).toMatch(/unknown action 0x10000/);
  });
});

describe('formats', () => {
  it('toRaw writes struct sock_filter little-endian and fromRaw reads it back', () => {
    const raw = toRaw(SMALL);
    expect(raw.length).toBe(SMALL.length * 8);
    expect(raw.subarray(8, 16).toString('hex')).toBe('150000053e0000c0');
    expect(fromRaw(raw)).toEqual(SMALL);
    // Works on a view into a larger buffer too.
    const big = Buffer.concat([Buffer.alloc(3), raw]);
    expect(fromRaw(big.subarray(3))).toEqual(SMALL);
  });

  it('fromRaw rejects sizes that are not whole instructions', () => {
    expect(() => fromRaw(Buffer.alloc(13), 'prog.bpf')).toThrow(
      'prog.bpf: 13 bytes is not a multiple of 8 (sizeof struct sock_filter)',
    );
    expect(() => fromRaw(Buffer.alloc(0))).toThrow(/empty/);
    expect(() => toRaw([{ code: 6, jt: 300, jf: 0, k: 0 }])).toThrow(/instruction 0: jt 300/);
  });

  it('toJson is stable and parses back', () => {
    const json = toJson(SMALL.slice(0, 2), { arch: 'x86_64', flags: 2 });
    expect(json).toBe(
      '{\n' +
        '  "instructions": [\n' +
        '    {"code": 32, "jt": 0, "jf": 0, "k": 4},\n' +
        '    {"code": 21, "jt": 0, "jf": 5, "k": 3221225534}\n' +
        '  ],\n' +
        '  "arch": "x86_64",\n' +
        '  "flags": 2\n' +
        '}\n',
    );
    expect(JSON.parse(json).instructions).toHaveLength(2);
    expect(fromJson(toJson(SMALL))).toEqual(SMALL);
    expect(() => fromJson('{"instructions":[{"code":1,"jt":0,"jf":0,"k":-1}]}', 'x.json')).toThrow(
      'x.json: instructions[0].k -1 is not an integer in 0..4294967295',
    );
    expect(() => toJson(SMALL, { instructions: 1 })).toThrow(/instructions/);
  });

  it('toC uses symbolic names and rejects bad identifiers', () => {
    const c = toC(SMALL, 'small');
    expect(c).toContain('BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch))');
    expect(c).toContain('BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5)');
    expect(c).toContain('BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1)');
    expect(c).toContain('struct sock_fprog small_prog = {');
    expect(() => toC(SMALL, '1bad')).toThrow(SeccompError);
  });

  const hasGcc = (() => {
    try {
      execFileSync('gcc', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasGcc)('toC output compiles with -Wall -Wextra -Werror and equals toRaw byte for byte', () => {
    const progs: [string, BpfProgram][] = [
      ['small', SMALL],
      ['every', [
        ld(4), ld(12), ld(16), ld(60), stmt(BPF_LD | BPF_W | BPF_LEN, 0), stmt(BPF_LDX | BPF_W | BPF_LEN, 0),
        ldImm(0xfffffffe), ldxImm(7), stmt(BPF_ST, 1), stmt(BPF_STX, 15), stmt(BPF_LD | BPF_MEM, 1), stmt(BPF_LDX | BPF_MEM, 15),
        ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH].flatMap((op) => [
          stmt(BPF_ALU | op | BPF_K, 3), stmt(BPF_ALU | op | BPF_X, 0),
        ]),
        stmt(BPF_ALU | BPF_AND | BPF_K, 0xffff0000), stmt(BPF_ALU | BPF_NEG, 0), stmt(BPF_MISC | BPF_TAX, 0), stmt(BPF_MISC | BPF_TXA, 0),
        jump(BPF_JMP | BPF_JSET | BPF_K, 0x80000000, 0, 1), jump(BPF_JMP | BPF_JGT | BPF_X, 0, 1, 0),
        jump(BPF_JMP | BPF_JGE | BPF_K, 100000, 0, 0), stmt(BPF_JMP | BPF_JA, 0),
        ret(SECCOMP_RET_TRACE | 9), ret(SECCOMP_RET_TRAP), ret(SECCOMP_RET_USER_NOTIF), ret(SECCOMP_RET_LOG),
        ret(0), ret(0x12345678), retA,
        insn(BPF_LD | BPF_IMM, 1, 2, 3), // stray jt/jf on a non-jump
      ]],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'bpf-c-'));
    try {
      for (const [name, prog] of progs) {
        writeFileSync(join(dir, `${name}.c`), toC(prog, name));
        execFileSync('gcc', ['-std=c99', '-pedantic', '-Wall', '-Wextra', '-Werror', '-c', '-o', join(dir, `${name}.o`), join(dir, `${name}.c`)], { stdio: 'pipe' });
        writeFileSync(
          join(dir, `${name}_main.c`),
          [
            '#include <stdio.h>',
            '#include <linux/filter.h>',
            `extern struct sock_fprog ${name}_prog;`,
            'int main(void) {',
            `  const unsigned char *p = (const unsigned char *)${name}_prog.filter;`,
            `  for (unsigned i = 0; i < ${name}_prog.len * sizeof(struct sock_filter); i++) printf("%02x", p[i]);`,
            '  printf("\\n");',
            '  return 0;',
            '}',
            '',
          ].join('\n'),
        );
        const exe = join(dir, name);
        execFileSync('gcc', ['-Wall', '-Wextra', '-Werror', '-o', exe, join(dir, `${name}_main.c`), join(dir, `${name}.o`)], { stdio: 'pipe' });
        const out = execFileSync(exe, { encoding: 'utf8' }).trim();
        expect(out, name).toBe(toRaw(prog).toString('hex'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
