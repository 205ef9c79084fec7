/**
 * Human-readable listing of a seccomp BPF program: one line per instruction with its index,
 * the raw `code jt jf k` fields, an assembler-like mnemonic with absolute jump targets and a
 * comment naming what is loaded, compared or returned.
 */
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE,
  BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC,
  BPF_MOD, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX,
  BPF_TXA, BPF_W, BPF_X, BPF_XOR, SECCOMP_DATA_SIZE,
} from './types.js';
import type { BpfProgram, Instruction } from './types.js';
import {
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, X32_SYSCALL_BIT,
} from './seccomp.js';
import { isConditionalJump, opcodeName } from './check.js';

/** Options of {@link disassemble}. */
export interface DisassembleOptions {
  /**
   * Names syscall numbers for comments on comparisons of `nr` (best effort). `arch` is the
   * AUDIT_ARCH value when the listing can tell which arch check guards the comparison.
   */
  readonly syscallNames?: (nr: number, arch?: number) => string | undefined;
  /** Start with a column header line. Default false. */
  readonly header?: boolean;
}

/** AUDIT_ARCH_* names for comments (little- and big-endian arches seccomp supports). */
export const AUDIT_ARCH_NAMES: ReadonlyMap<number, string> = new Map([
  [0xc000003e, 'AUDIT_ARCH_X86_64'],
  [0x40000003, 'AUDIT_ARCH_I386'],
  [0xc00000b7, 'AUDIT_ARCH_AARCH64'],
  [0x40000028, 'AUDIT_ARCH_ARM'],
  [0xc0000015, 'AUDIT_ARCH_PPC64LE'],
  [0x80000015, 'AUDIT_ARCH_PPC64'],
  [0x80000016, 'AUDIT_ARCH_S390X'],
  [0xc00000f3, 'AUDIT_ARCH_RISCV64'],
  [0xc0000102, 'AUDIT_ARCH_LOONGARCH64'],
]);

/** Name of a filter return value: `ALLOW`, `ERRNO(1)`, `TRACE(5)`, `KILL_PROCESS` … */
export function actionName(ret: number): string {
  const r = ret >>> 0;
  const action = (r & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = r & SECCOMP_RET_DATA;
  const ignored = data === 0 ? '' : ` (data ${data} ignored)`;
  switch (action) {
    case SECCOMP_RET_KILL_PROCESS: return 'KILL_PROCESS' + ignored;
    case SECCOMP_RET_KILL_THREAD: return 'KILL_THREAD' + ignored;
    case SECCOMP_RET_TRAP: return `TRAP(${data})`;
    case SECCOMP_RET_ERRNO: return `ERRNO(${data})`;
    case SECCOMP_RET_USER_NOTIF: return 'USER_NOTIF' + ignored;
    case SECCOMP_RET_TRACE: return `TRACE(${data})`;
    case SECCOMP_RET_LOG: return 'LOG' + ignored;
    case SECCOMP_RET_ALLOW: return 'ALLOW' + ignored;
    default: return `unknown action 0x${r.toString(16)} (acts as KILL_PROCESS)`;
  }
}

/** Name of the 32-bit word of `struct seccomp_data` at byte offset `off` (aligned, < 64). */
export function seccompDataWordName(off: number): string {
  switch (off) {
    case 0: return 'seccomp_data.nr';
    case 4: return 'seccomp_data.arch';
    case 8: return '(u32)seccomp_data.instruction_pointer';
    case 12: return 'seccomp_data.instruction_pointer >> 32';
    default: {
      const i = (off - 16) >> 3;
      return (off & 4) === 0 ? `(u32)seccomp_data.args[${i}]` : `seccomp_data.args[${i}] >> 32`;
    }
  }
}

/** Short operand names used in comparison comments. */
function shortWordName(word: number): string {
  switch (word) {
    case 0: return 'nr';
    case 1: return 'arch';
    case 2: return '(u32)ip';
    case 3: return 'ip >> 32';
    default: {
      const i = (word - 4) >> 1;
      return (word & 1) === 0 ? `(u32)args[${i}]` : `args[${i}] >> 32`;
    }
  }
}

const ALU_NAMES: ReadonlyMap<number, string> = new Map([
  [BPF_ADD, 'add'], [BPF_SUB, 'sub'], [BPF_MUL, 'mul'], [BPF_DIV, 'div'], [BPF_OR, 'or'],
  [BPF_AND, 'and'], [BPF_LSH, 'lsh'], [BPF_RSH, 'rsh'], [BPF_MOD, 'mod'], [BPF_XOR, 'xor'],
]);
const ALU_SYMBOLS: ReadonlyMap<number, string> = new Map([
  [BPF_ADD, '+='], [BPF_SUB, '-='], [BPF_MUL, '*='], [BPF_DIV, '/='], [BPF_OR, '|='],
  [BPF_AND, '&='], [BPF_LSH, '<<='], [BPF_RSH, '>>='], [BPF_MOD, '%='], [BPF_XOR, '^='],
]);
const JMP_NAMES: ReadonlyMap<number, string> = new Map([
  [BPF_JEQ, 'jeq'], [BPF_JGT, 'jgt'], [BPF_JGE, 'jge'], [BPF_JSET, 'jset'],
]);
const JMP_SYMBOLS: ReadonlyMap<number, string> = new Map([
  [BPF_JEQ, '=='], [BPF_JGT, '>'], [BPF_JGE, '>='], [BPF_JSET, '&'],
]);

function hex(v: number, width = 0): string {
  return (v >>> 0).toString(16).padStart(width, '0');
}

/** Immediate operand: decimal when small, hex when large (or for bit masks). */
function imm(k: number, preferHex: boolean): string {
  const v = k >>> 0;
  return preferHex || v >= 0x10000 ? `#0x${v.toString(16)}` : `#${v}`;
}

const UNKNOWN = -1;
const NONE = -2;

interface Flow {
  /** Word index of seccomp_data A holds before each instruction, UNKNOWN, or NONE (unreachable). */
  readonly aWord: Int8Array;
  /** AUDIT_ARCH known to hold on every path to each instruction, or NaN. */
  readonly arch: Float64Array;
}

/**
 * For each instruction, the 32-bit word of `struct seccomp_data` (0 nr, 1 arch, 2/3 ip low/high,
 * 4+2i/5+2i args[i] low/high) the accumulator holds on every path reaching it; -1 when it
 * varies or is computed, -2 when the instruction is unreachable.
 */
export function accumulatorWords(prog: BpfProgram): Int8Array {
  return analyse(prog).aWord;
}

/** Forward data flow (jumps only go forward, so one pass in index order is exact). */
function analyse(prog: BpfProgram): Flow {
  const n = prog.length;
  const aWord = new Int8Array(n).fill(NONE);
  const arch = new Float64Array(n).fill(NaN);
  const seen = new Uint8Array(n);
  const merge = (t: number, a: number, ar: number): void => {
    if (t < 0 || t >= n) return;
    if (seen[t] === 0) {
      seen[t] = 1;
      aWord[t] = a;
      arch[t] = ar;
      return;
    }
    if (aWord[t] !== a) aWord[t] = UNKNOWN;
    if (!(arch[t] === ar)) arch[t] = NaN;
  };
  if (n > 0) merge(0, UNKNOWN, NaN);
  for (let pc = 0; pc < n; pc++) {
    if (seen[pc] === 0) continue; // unreachable
    const { code, jt, jf, k } = prog[pc]!;
    const a = aWord[pc]!;
    const ar = arch[pc]!;
    const cls = code & 0x07;
    if (code === (BPF_LD | BPF_W | BPF_ABS) && k < SECCOMP_DATA_SIZE && (k & 3) === 0) {
      merge(pc + 1, k >> 2, ar);
    } else if (cls === BPF_LD || cls === BPF_ALU || code === (BPF_MISC | BPF_TXA)) {
      merge(pc + 1, UNKNOWN, ar);
    } else if (code === (BPF_JMP | BPF_JA)) {
      merge(pc + 1 + k, a, ar);
    } else if (isConditionalJump(code)) {
      const archHit = a === 1 && code === (BPF_JMP | BPF_JEQ | BPF_K) ? k >>> 0 : ar;
      merge(pc + 1 + jt, a, archHit);
      merge(pc + 1 + jf, a, ar);
    } else if (cls === BPF_RET) {
      // no successor
    } else {
      merge(pc + 1, a, ar);
    }
  }
  return { aWord, arch };
}

function mnemonic(ins: Instruction, pc: number): string {
  const { code, jt, jf, k } = ins;
  const cls = code & 0x07;
  const op = code & 0xf0;
  const x = (code & BPF_X) !== 0;
  switch (code) {
    case BPF_LD | BPF_W | BPF_ABS: return `ld [${k}]`;
    case BPF_LD | BPF_W | BPF_LEN: return 'ld #len';
    case BPF_LDX | BPF_W | BPF_LEN: return 'ldx #len';
    case BPF_LD | BPF_IMM: return `ld ${imm(k, false)}`;
    case BPF_LDX | BPF_IMM: return `ldx ${imm(k, false)}`;
    case BPF_LD | BPF_MEM: return `ld M[${k}]`;
    case BPF_LDX | BPF_MEM: return `ldx M[${k}]`;
    case BPF_ST: return `st M[${k}]`;
    case BPF_STX: return `stx M[${k}]`;
    case BPF_ALU | BPF_NEG: return 'neg';
    case BPF_JMP | BPF_JA: return `ja ${pc + 1 + k}`;
    case BPF_RET | BPF_K: return `ret #0x${hex(k)}`;
    case BPF_RET | BPF_A: return 'ret a';
    case BPF_MISC | BPF_TAX: return 'tax';
    case BPF_MISC | BPF_TXA: return 'txa';
    default: break;
  }
  if (cls === BPF_ALU && ALU_NAMES.has(op) && (code & ~0xf8) === BPF_ALU) {
    const bitwise = op === BPF_AND || op === BPF_OR || op === BPF_XOR;
    return `${ALU_NAMES.get(op)!} ${x ? 'x' : imm(k, bitwise)}`;
  }
  if (isConditionalJump(code)) {
    return `${JMP_NAMES.get(op)!} ${x ? 'x' : imm(k, op === BPF_JSET)}, jt ${pc + 1 + jt}, jf ${pc + 1 + jf}`;
  }
  return `.insn ${opcodeName(code)}`;
}

function comment(ins: Instruction, flow: Flow, pc: number, opts: DisassembleOptions | undefined): string {
  const { code, k } = ins;
  if (flow.aWord[pc] === NONE) return 'unreachable';
  const a = flow.aWord[pc]!;
  const arch = flow.arch[pc]!;
  const op = code & 0xf0;
  switch (code) {
    case BPF_LD | BPF_W | BPF_ABS:
      return k < SECCOMP_DATA_SIZE && (k & 3) === 0 ? `A = ${seccompDataWordName(k)}` : 'invalid seccomp_data offset';
    case BPF_LD | BPF_W | BPF_LEN: return `A = sizeof(seccomp_data) = ${SECCOMP_DATA_SIZE}`;
    case BPF_LDX | BPF_W | BPF_LEN: return `X = sizeof(seccomp_data) = ${SECCOMP_DATA_SIZE}`;
    case BPF_LD | BPF_IMM: return `A = ${k >>> 0}`;
    case BPF_LDX | BPF_IMM: return `X = ${k >>> 0}`;
    case BPF_LD | BPF_MEM: return `A = M[${k}]`;
    case BPF_LDX | BPF_MEM: return `X = M[${k}]`;
    case BPF_ST: return `M[${k}] = A`;
    case BPF_STX: return `M[${k}] = X`;
    case BPF_ALU | BPF_NEG: return 'A = -A';
    case BPF_MISC | BPF_TAX: return 'X = A';
    case BPF_MISC | BPF_TXA: return 'A = X';
    case BPF_RET | BPF_K: return actionName(k);
    case BPF_RET | BPF_A: return 'return A';
    case BPF_JMP | BPF_JA: return '';
    default: break;
  }
  if ((code & 0x07) === BPF_ALU && ALU_SYMBOLS.has(op) && (code & ~0xf8) === BPF_ALU) {
    const bitwise = op === BPF_AND || op === BPF_OR || op === BPF_XOR;
    return `A ${ALU_SYMBOLS.get(op)!} ${(code & BPF_X) !== 0 ? 'X' : bitwise ? '0x' + hex(k) : String(k >>> 0)}`;
  }
  if (isConditionalJump(code)) {
    const sym = JMP_SYMBOLS.get(op)!;
    if ((code & BPF_X) !== 0) return a >= 0 ? `${shortWordName(a)} ${sym} X` : `A ${sym} X`;
    const v = k >>> 0;
    if (a === 1) return `arch ${sym} ${AUDIT_ARCH_NAMES.get(v) ?? '0x' + hex(v)}`;
    if (a === 0) {
      let text = `nr ${sym} ${op === BPF_JSET || v >= 0x10000 ? '0x' + hex(v) : String(v)}`;
      if (op === BPF_JSET || v === X32_SYSCALL_BIT) {
        if (v === X32_SYSCALL_BIT) text += ' (x32 bit)';
      } else {
        const name = opts?.syscallNames?.(v, Number.isNaN(arch) ? undefined : arch);
        if (name !== undefined) text += ` (${name})`;
      }
      return text;
    }
    if (a >= 2) return `${shortWordName(a)} ${sym} ${op === BPF_JSET || v >= 0x10000 ? '0x' + hex(v) : String(v)}`;
    const archName = AUDIT_ARCH_NAMES.get(v);
    return archName !== undefined ? `A ${sym} ${archName}?` : '';
  }
  return 'not a seccomp instruction';
}

/** The comment {@link disassemble} prints for each instruction ('' for none). */
export function instructionComments(prog: BpfProgram, opts?: DisassembleOptions): string[] {
  const flow = analyse(prog);
  return prog.map((ins, pc) => comment(ins, flow, pc, opts));
}

/**
 * Disassemble `prog`: one line per instruction, e.g.
 * `0004  0015 01 00 0000003b  jeq #59, jt 6, jf 5        ; nr == 59 (execve)`.
 * Works on any program, valid or not (invalid opcodes are shown as `.insn`).
 */
export function disassemble(prog: BpfProgram, opts?: DisassembleOptions): string {
  const notes = instructionComments(prog, opts);
  const width = Math.max(4, String(Math.max(0, prog.length - 1)).length);
  const lines: string[] = [];
  if (opts?.header === true) {
    lines.push(`${'pc'.padStart(width)}  code jt jf k         instruction                     comment`);
  }
  for (let pc = 0; pc < prog.length; pc++) {
    const ins = prog[pc]!;
    const raw = `${hex(ins.code, 4)} ${hex(ins.jt, 2)} ${hex(ins.jf, 2)} ${hex(ins.k, 8)}`;
    const text = mnemonic(ins, pc);
    const note = notes[pc]!;
    const idx = String(pc).padStart(width, '0');
    lines.push(note === '' ? `${idx}  ${raw}  ${text}` : `${idx}  ${raw}  ${text.padEnd(30)}  ; ${note}`);
  }
  return lines.join('\n') + '\n';
}
