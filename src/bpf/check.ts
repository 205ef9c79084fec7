/**
 * Static checks a seccomp classic-BPF program must pass before the kernel accepts it.
 *
 * The order and the rules follow what Linux does on seccomp(SECCOMP_SET_MODE_FILTER):
 *   1. the length is 1..BPF_MAXINSNS;
 *   2. the generic classic-BPF checker (`bpf_check_classic`, net/core/filter.c) walks every
 *      instruction: the opcode must be a known classic opcode, DIV/MOD by a constant 0 and
 *      shifts by a constant >= 32 are refused, scratch slots are < 16, jumps stay inside
 *      the program; then the last instruction must be a RET and no path may read a scratch
 *      slot it has not written (`check_load_and_stores`);
 *   3. the seccomp whitelist (`seccomp_check_filter`, kernel/seccomp.c) then refuses every
 *      opcode seccomp does not support (packet loads, MOD, LDX MSH …) and every absolute
 *      load that is not a 32-bit aligned word inside `struct seccomp_data`.
 * The first failure in that order is reported, with the instruction index where there is one.
 */
import { SeccompError } from '../errors.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA,
  BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH,
  BPF_MAXINSNS, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR,
  BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
  SECCOMP_DATA_SIZE,
} from './types.js';
import type { BpfProgram, Instruction } from './types.js';
import { SECCOMP_RET_ACTION_FULL } from './seccomp.js';

/** A program the kernel would refuse (EINVAL). */
export class BpfError extends SeccompError {
  /** Index of the offending instruction, or undefined for whole-program problems. */
  readonly index: number | undefined;
  /** The reason alone, without the index prefix. */
  readonly reason: string;

  constructor(index: number | undefined, reason: string) {
    super(
      index === undefined
        ? `invalid seccomp BPF program: ${reason}`
        : `invalid seccomp BPF program: instruction ${index}: ${reason}`,
    );
    this.name = 'BpfError';
    this.index = index;
    this.reason = reason;
  }
}

/** Where and why a program is refused. */
export interface BpfProblem {
  readonly index: number | undefined;
  readonly reason: string;
}

/** Opcodes `chk_code_allowed` knows (classic BPF as a whole, sockets included). */
const CLASSIC_CODES: ReadonlySet<number> = new Set([
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH]
    .flatMap((op) => [BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
  BPF_LD | BPF_IMM, BPF_LD | BPF_MEM,
  BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH, BPF_LDX | BPF_IMM, BPF_LDX | BPF_MEM,
  BPF_ST, BPF_STX,
  BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
  BPF_RET | BPF_K, BPF_RET | BPF_A,
  BPF_JMP | BPF_JA,
  ...[BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
]);

/** Opcodes `seccomp_check_filter` lets through (LD W ABS is checked separately). */
const SECCOMP_CODES: ReadonlySet<number> = new Set([
  BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN,
  BPF_RET | BPF_K, BPF_RET | BPF_A,
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH]
    .flatMap((op) => [BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM,
  BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
  BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX,
  BPF_JMP | BPF_JA,
  ...[BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
]);

/** True for the eight conditional jump opcodes. */
export function isConditionalJump(code: number): boolean {
  return (code & 0x07) === BPF_JMP && code !== (BPF_JMP | BPF_JA) && CLASSIC_CODES.has(code);
}

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

function fieldProblem(ins: Instruction | undefined): string | undefined {
  if (ins === null || typeof ins !== 'object') return 'not an instruction object';
  const { code, jt, jf, k } = ins;
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) return `code ${String(code)} is not a 16-bit unsigned integer`;
  if (!Number.isInteger(jt) || jt < 0 || jt > 0xff) return `jt ${String(jt)} is not an 8-bit unsigned integer`;
  if (!Number.isInteger(jf) || jf < 0 || jf > 0xff) return `jf ${String(jf)} is not an 8-bit unsigned integer`;
  if (!Number.isInteger(k) || k < 0 || k > 0xffffffff) return `k ${String(k)} is not a 32-bit unsigned integer`;
  return undefined;
}

/**
 * The first reason the kernel would refuse `prog`, or undefined when it would accept it.
 * Same rules and order as {@link validateProgram}, without throwing.
 */
export function findProgramProblem(prog: BpfProgram): BpfProblem | undefined {
  if (!Array.isArray(prog)) return { index: undefined, reason: 'program is not an array of instructions' };
  const flen = prog.length;
  if (flen === 0 || flen > BPF_MAXINSNS) {
    return { index: undefined, reason: `length ${flen} is outside 1..${BPF_MAXINSNS}` };
  }
  for (let pc = 0; pc < flen; pc++) {
    const bad = fieldProblem(prog[pc]);
    if (bad !== undefined) return { index: pc, reason: bad };
  }

  // bpf_check_classic
  for (let pc = 0; pc < flen; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    if (!CLASSIC_CODES.has(code)) return { index: pc, reason: `unknown opcode ${hex(code)}` };
    switch (code) {
      case BPF_ALU | BPF_DIV | BPF_K:
      case BPF_ALU | BPF_MOD | BPF_K:
        if (k === 0) return { index: pc, reason: 'division by constant zero' };
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
      case BPF_ALU | BPF_RSH | BPF_K:
        if (k >= 32) return { index: pc, reason: `shift by ${k} (must be < 32)` };
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
      case BPF_ST:
      case BPF_STX:
        if (k >= BPF_MEMWORDS) return { index: pc, reason: `scratch memory slot ${k} out of range 0..${BPF_MEMWORDS - 1}` };
        break;
      case BPF_JMP | BPF_JA:
        if (k >= flen - pc - 1) return { index: pc, reason: `ja +${k} jumps to ${pc + 1 + k}, past the last instruction ${flen - 1}` };
        break;
      default:
        if (isConditionalJump(code)) {
          if (pc + jt + 1 >= flen) return { index: pc, reason: `jt +${jt} jumps to ${pc + 1 + jt}, past the last instruction ${flen - 1}` };
          if (pc + jf + 1 >= flen) return { index: pc, reason: `jf +${jf} jumps to ${pc + 1 + jf}, past the last instruction ${flen - 1}` };
        }
        break;
    }
    // Packet loads at SKF_AD_OFF and above are socket ancillary data; seccomp refuses them
    // later anyway (seccomp_check_filter), so they need no special case here.
  }
  const last = prog[flen - 1]!.code;
  if (last !== (BPF_RET | BPF_K) && last !== (BPF_RET | BPF_A)) {
    return { index: flen - 1, reason: `last instruction must be a RET, found opcode ${hex(last)}` };
  }
  const mem = findUninitialisedRead(prog);
  if (mem !== undefined) return mem;

  // seccomp_check_filter
  for (let pc = 0; pc < flen; pc++) {
    const { code, k } = prog[pc]!;
    if (!SECCOMP_CODES.has(code)) return { index: pc, reason: `opcode ${hex(code)} (${opcodeName(code)}) is not allowed in seccomp filters` };
    if (code === (BPF_LD | BPF_W | BPF_ABS) && (k >= SECCOMP_DATA_SIZE || (k & 3) !== 0)) {
      return { index: pc, reason: `load offset ${k} is not an aligned 32-bit word inside seccomp_data (0..60, multiple of 4)` };
    }
  }
  return undefined;
}

/** The kernel's check_load_and_stores: a conservative forward data-flow over 16 slot bits. */
function findUninitialisedRead(prog: BpfProgram): BpfProblem | undefined {
  const flen = prog.length;
  const masks = new Uint16Array(flen).fill(0xffff);
  let memvalid = 0;
  for (let pc = 0; pc < flen; pc++) {
    memvalid &= masks[pc]!;
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case BPF_ST:
      case BPF_STX:
        memvalid |= 1 << k;
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if ((memvalid & (1 << k)) === 0) {
          return { index: pc, reason: `reads scratch memory M[${k}] which is not written on every path to it` };
        }
        break;
      case BPF_JMP | BPF_JA:
        masks[pc + 1 + k] = masks[pc + 1 + k]! & memvalid;
        memvalid = 0xffff;
        break;
      default:
        if (isConditionalJump(code)) {
          masks[pc + 1 + jt] = masks[pc + 1 + jt]! & memvalid;
          masks[pc + 1 + jf] = masks[pc + 1 + jf]! & memvalid;
          memvalid = 0xffff;
        }
        break;
    }
  }
  return undefined;
}

/** A short name for an opcode, for messages (`ld h abs`, `alu mod x`, …). */
export function opcodeName(code: number): string {
  const cls = code & 0x07;
  const size = ['w', 'h', 'b', '?'][(code >> 3) & 3]!;
  const mode = ['imm', 'abs', 'ind', 'mem', 'len', 'msh', 'mode6', 'mode7'][(code >> 5) & 7]!;
  const src = (code & BPF_X) !== 0 ? 'x' : 'k';
  const aluOps = ['add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'xor'];
  const jmpOps = ['ja', 'jeq', 'jgt', 'jge', 'jset'];
  switch (cls) {
    case BPF_LD: return `ld ${size} ${mode}`;
    case BPF_LDX: return `ldx ${size} ${mode}`;
    case BPF_ST: return 'st';
    case BPF_STX: return 'stx';
    case BPF_ALU: return `alu ${aluOps[code >> 4] ?? 'op' + (code >> 4)} ${src}`;
    case BPF_JMP: return `jmp ${jmpOps[code >> 4] ?? 'op' + (code >> 4)} ${src}`;
    case BPF_RET: return `ret ${(code & 0x18) === BPF_A ? 'a' : (code & 0x18) === BPF_X ? 'x' : 'k'}`;
    default: return (code & 0xf8) === BPF_TXA ? 'misc txa' : (code & 0xf8) === BPF_TAX ? 'misc tax' : 'misc';
  }
}

/** Programs already found valid (programs are treated as immutable once used). */
const knownValid = new WeakSet<BpfProgram>();

/**
 * Throw {@link BpfError} unless the kernel would accept `prog` as a seccomp filter.
 * Reproduces `bpf_check_classic`, `check_load_and_stores` and `seccomp_check_filter`.
 * The same array object is checked once: the compiler's verifier, the emulator and the
 * allow-cache walk all validate the program they get.
 */
export function validateProgram(prog: BpfProgram): void {
  if (knownValid.has(prog)) return;
  const problem = findProgramProblem(prog);
  if (problem !== undefined) throw new BpfError(problem.index, problem.reason);
  knownValid.add(prog);
}

/** True when the kernel would accept `prog`. */
export function isValidProgram(prog: BpfProgram): boolean {
  return findProgramProblem(prog) === undefined;
}

/** What a program can return: the distinct actions of its `RET K` and where it returns a computed value. */
export interface ProgramReturns {
  /** Distinct SECCOMP_RET_* actions (upper 16 bits, data dropped) of `RET K` instructions, ascending. */
  readonly actions: readonly number[];
  /** Indexes of `RET A` / `RET X` instructions, whose action cannot be known without running. */
  readonly computed: readonly number[];
}

/** The actions `prog` can return (see {@link ProgramReturns}). */
export function programReturns(prog: BpfProgram): ProgramReturns {
  const actions = new Set<number>();
  const computed: number[] = [];
  prog.forEach((ins, i) => {
    if ((ins.code & 0x07) !== BPF_RET) return;
    if (ins.code === (BPF_RET | BPF_K)) actions.add(((ins.k >>> 0) & SECCOMP_RET_ACTION_FULL) >>> 0);
    else computed.push(i);
  });
  return { actions: [...actions].sort((a, b) => a - b), computed };
}
