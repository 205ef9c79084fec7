/**
 * Classic BPF as seccomp uses it: instruction encoding, opcode constants and the
 * `struct seccomp_data` a filter reads.
 */

/** One `struct sock_filter`: 16-bit opcode, two 8-bit jump offsets, 32-bit constant. */
export interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** A complete classic BPF program. */
export type BpfProgram = readonly Instruction[];

// Instruction classes
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;
// ld/ldx sizes
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
// ld/ldx modes
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;
// alu/jmp operations
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
// sources
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;
// misc
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** Kernel limit on program length (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;
/** Number of scratch memory words (BPF_MEMWORDS). */
export const BPF_MEMWORDS = 16;

/** Byte offsets inside `struct seccomp_data`. */
export const SECCOMP_DATA_NR = 0;
export const SECCOMP_DATA_ARCH = 4;
export const SECCOMP_DATA_IP = 8;
/** Offset of args[i] is 16 + 8 * i; on little-endian the low 32-bit half comes first. */
export const SECCOMP_DATA_ARGS = 16;
/** sizeof(struct seccomp_data). */
export const SECCOMP_DATA_SIZE = 64;

/** The input of a seccomp filter (`struct seccomp_data`). */
export interface SeccompData {
  /** System call number, as a 32-bit signed value reinterpreted unsigned by loads. */
  readonly nr: number;
  /** AUDIT_ARCH_* value. */
  readonly arch: number;
  /** Instruction pointer at the time of the call. */
  readonly instructionPointer?: bigint;
  /** Up to six 64-bit arguments (missing ones are 0). */
  readonly args?: readonly bigint[];
}

/** Build one instruction. */
export function insn(code: number, k: number, jt = 0, jf = 0): Instruction {
  return { code, jt, jf, k: k >>> 0 };
}

/** `BPF_STMT(code, k)`. */
export function stmt(code: number, k: number): Instruction {
  return insn(code, k, 0, 0);
}

/** `BPF_JUMP(code, k, jt, jf)`. */
export function jump(code: number, k: number, jt: number, jf: number): Instruction {
  return insn(code, k, jt, jf);
}
