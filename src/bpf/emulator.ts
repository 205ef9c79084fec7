/**
 * A fast emulator of seccomp classic BPF with the kernel's run-time semantics.
 *
 * Programs are validated once ({@link validateProgram}) and pre-decoded into typed arrays;
 * a run allocates nothing. Semantics match Linux (the classic program is converted to eBPF):
 * A, X and the 16 scratch words are unsigned 32-bit; loads read the little-endian words of
 * `struct seccomp_data`; `LD/LDX W LEN` yield 64; DIV by a register X that is 0 ends the
 * program returning 0 (SECCOMP_RET_KILL_THREAD); shifts by X use the low 5 bits of X, as the
 * interpreter and the x86-64/arm64 JITs do.
 */
import { validateProgram } from './check.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE,
  BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC,
  BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA,
  BPF_W, BPF_X, BPF_XOR, SECCOMP_DATA_SIZE,
} from './types.js';
import type { BpfProgram, SeccompData } from './types.js';

/** Outcome of one run. */
export interface RunResult {
  /** The filter's unsigned 32-bit return value (SECCOMP_RET_* | data). */
  readonly ret: number;
  /** Instructions executed, the final RET included. */
  readonly executed: number;
  /** Indexes of executed instructions, in order (only with `trace: true`). */
  readonly path?: readonly number[];
}

/** Options of {@link runProgram} and {@link PreparedProgram.run}. */
export interface RunOptions {
  /** Record the executed instruction indexes in {@link RunResult.path}. */
  readonly trace?: boolean;
}

/** A validated, pre-decoded program that can be run many times without allocating. */
export interface PreparedProgram {
  /** The program as given. */
  readonly program: BpfProgram;
  /** Run on a full `seccomp_data`. */
  run(data: SeccompData, opts?: RunOptions): RunResult;
  /**
   * Fast path: return value only, for a call with syscall number `nr` on `arch` and optional
   * arguments (u64; negative values are taken modulo 2^64). The instruction count of this
   * run is left in {@link lastExecuted}.
   */
  evaluate(nr: number, arch: number, args?: readonly bigint[], instructionPointer?: bigint): number;
  /**
   * Fastest path: run on the 16 little-endian 32-bit words of `struct seccomp_data`
   * (nr, arch, ip low, ip high, args[0] low, args[0] high, …). Returns the unsigned ret.
   */
  evaluateWords(words: Uint32Array | Int32Array): number;
  /** Instructions executed by the latest `evaluate`/`evaluateWords`/`run` call. */
  readonly lastExecuted: number;
}

// Internal opcodes (dense, for a compact switch).
const OP_LD_ABS = 0;
const OP_LD_IMM = 1;
const OP_LDX_IMM = 2;
const OP_LD_MEM = 3;
const OP_LDX_MEM = 4;
const OP_ST = 5;
const OP_STX = 6;
const OP_ADD_K = 7;
const OP_ADD_X = 8;
const OP_SUB_K = 9;
const OP_SUB_X = 10;
const OP_MUL_K = 11;
const OP_MUL_X = 12;
const OP_DIV_K = 13;
const OP_DIV_X = 14;
const OP_AND_K = 15;
const OP_AND_X = 16;
const OP_OR_K = 17;
const OP_OR_X = 18;
const OP_XOR_K = 19;
const OP_XOR_X = 20;
const OP_LSH_K = 21;
const OP_LSH_X = 22;
const OP_RSH_K = 23;
const OP_RSH_X = 24;
const OP_NEG = 25;
const OP_JA = 26;
const OP_JEQ_K = 27;
const OP_JEQ_X = 28;
const OP_JGT_K = 29;
const OP_JGT_X = 30;
const OP_JGE_K = 31;
const OP_JGE_X = 32;
const OP_JSET_K = 33;
const OP_JSET_X = 34;
const OP_RET_K = 35;
const OP_RET_A = 36;
const OP_TAX = 37;
const OP_TXA = 38;

const DECODE: ReadonlyMap<number, number> = new Map([
  [BPF_LD | BPF_W | BPF_ABS, OP_LD_ABS],
  [BPF_LD | BPF_IMM, OP_LD_IMM],
  [BPF_LDX | BPF_IMM, OP_LDX_IMM],
  [BPF_LD | BPF_MEM, OP_LD_MEM],
  [BPF_LDX | BPF_MEM, OP_LDX_MEM],
  [BPF_ST, OP_ST],
  [BPF_STX, OP_STX],
  [BPF_ALU | BPF_ADD | BPF_K, OP_ADD_K],
  [BPF_ALU | BPF_ADD | BPF_X, OP_ADD_X],
  [BPF_ALU | BPF_SUB | BPF_K, OP_SUB_K],
  [BPF_ALU | BPF_SUB | BPF_X, OP_SUB_X],
  [BPF_ALU | BPF_MUL | BPF_K, OP_MUL_K],
  [BPF_ALU | BPF_MUL | BPF_X, OP_MUL_X],
  [BPF_ALU | BPF_DIV | BPF_K, OP_DIV_K],
  [BPF_ALU | BPF_DIV | BPF_X, OP_DIV_X],
  [BPF_ALU | BPF_AND | BPF_K, OP_AND_K],
  [BPF_ALU | BPF_AND | BPF_X, OP_AND_X],
  [BPF_ALU | BPF_OR | BPF_K, OP_OR_K],
  [BPF_ALU | BPF_OR | BPF_X, OP_OR_X],
  [BPF_ALU | BPF_XOR | BPF_K, OP_XOR_K],
  [BPF_ALU | BPF_XOR | BPF_X, OP_XOR_X],
  [BPF_ALU | BPF_LSH | BPF_K, OP_LSH_K],
  [BPF_ALU | BPF_LSH | BPF_X, OP_LSH_X],
  [BPF_ALU | BPF_RSH | BPF_K, OP_RSH_K],
  [BPF_ALU | BPF_RSH | BPF_X, OP_RSH_X],
  [BPF_ALU | BPF_NEG, OP_NEG],
  [BPF_JMP | BPF_JA, OP_JA],
  [BPF_JMP | BPF_JEQ | BPF_K, OP_JEQ_K],
  [BPF_JMP | BPF_JEQ | BPF_X, OP_JEQ_X],
  [BPF_JMP | BPF_JGT | BPF_K, OP_JGT_K],
  [BPF_JMP | BPF_JGT | BPF_X, OP_JGT_X],
  [BPF_JMP | BPF_JGE | BPF_K, OP_JGE_K],
  [BPF_JMP | BPF_JGE | BPF_X, OP_JGE_X],
  [BPF_JMP | BPF_JSET | BPF_K, OP_JSET_K],
  [BPF_JMP | BPF_JSET | BPF_X, OP_JSET_X],
  [BPF_RET | BPF_K, OP_RET_K],
  [BPF_RET | BPF_A, OP_RET_A],
  [BPF_MISC | BPF_TAX, OP_TAX],
  [BPF_MISC | BPF_TXA, OP_TXA],
]);

const MASK32 = 0xffffffffn;

/** Fill `words` (16 entries) from a SeccompData. */
function fillWords(
  words: Int32Array,
  nr: number,
  arch: number,
  args: readonly bigint[] | undefined,
  ip: bigint | undefined,
): void {
  words[0] = nr | 0;
  words[1] = arch | 0;
  if (ip === undefined || ip === 0n) {
    words[2] = 0;
    words[3] = 0;
  } else {
    const v = BigInt.asUintN(64, ip);
    words[2] = Number(v & MASK32) | 0;
    words[3] = Number(v >> 32n) | 0;
  }
  const n = args === undefined ? 0 : Math.min(args.length, 6);
  for (let i = 0; i < 6; i++) {
    const a = i < n ? args![i]! : 0n;
    if (a === 0n) {
      words[4 + 2 * i] = 0;
      words[5 + 2 * i] = 0;
    } else {
      const v = BigInt.asUintN(64, a);
      words[4 + 2 * i] = Number(v & MASK32) | 0;
      words[5 + 2 * i] = Number(v >> 32n) | 0;
    }
  }
}

class Prepared implements PreparedProgram {
  readonly program: BpfProgram;
  lastExecuted = 0;
  private readonly ops: Uint8Array;
  private readonly ks: Int32Array;
  private readonly jts: Uint16Array;
  private readonly jfs: Uint16Array;
  private readonly mem = new Int32Array(16);
  private readonly words = new Int32Array(16);
  private path: number[] | undefined;

  constructor(program: BpfProgram) {
    validateProgram(program);
    this.program = program;
    const n = program.length;
    this.ops = new Uint8Array(n);
    this.ks = new Int32Array(n);
    this.jts = new Uint16Array(n);
    this.jfs = new Uint16Array(n);
    for (let pc = 0; pc < n; pc++) {
      const ins = program[pc]!;
      let code = ins.code;
      let k = ins.k;
      // Like seccomp_check_filter: LEN loads become immediates of sizeof(seccomp_data).
      if (code === (BPF_LD | BPF_W | BPF_LEN)) { code = BPF_LD | BPF_IMM; k = SECCOMP_DATA_SIZE; }
      if (code === (BPF_LDX | BPF_W | BPF_LEN)) { code = BPF_LDX | BPF_IMM; k = SECCOMP_DATA_SIZE; }
      const op = DECODE.get(code);
      if (op === undefined) throw new Error(`internal: opcode 0x${code.toString(16)} passed validation but is not decoded`);
      this.ops[pc] = op;
      this.ks[pc] = op === OP_LD_ABS ? k >>> 2 : k | 0;
      if (op === OP_JA) {
        this.jts[pc] = pc + 1 + k;
      } else {
        this.jts[pc] = pc + 1 + ins.jt;
        this.jfs[pc] = pc + 1 + ins.jf;
      }
    }
  }

  run(data: SeccompData, opts?: RunOptions): RunResult {
    fillWords(this.words, data.nr, data.arch, data.args, data.instructionPointer);
    if (opts?.trace === true) {
      const path: number[] = [];
      this.path = path;
      try {
        const ret = this.exec(this.words);
        return { ret, executed: this.lastExecuted, path };
      } finally {
        this.path = undefined;
      }
    }
    const ret = this.exec(this.words);
    return { ret, executed: this.lastExecuted };
  }

  evaluate(nr: number, arch: number, args?: readonly bigint[], instructionPointer?: bigint): number {
    fillWords(this.words, nr, arch, args, instructionPointer);
    return this.exec(this.words);
  }

  evaluateWords(words: Uint32Array | Int32Array): number {
    if (words.length < 16) throw new RangeError(`seccomp_data needs 16 words, got ${words.length}`);
    return this.exec(words);
  }

  private exec(words: Uint32Array | Int32Array): number {
    const { ops, ks, jts, jfs, mem } = this;
    const path = this.path;
    let a = 0;
    let x = 0;
    let pc = 0;
    let executed = 0;
    for (;;) {
      if (path !== undefined) path.push(pc);
      executed++;
      const k = ks[pc]!;
      switch (ops[pc]) {
        case OP_LD_ABS: a = words[k]! | 0; pc++; break;
        case OP_LD_IMM: a = k; pc++; break;
        case OP_LDX_IMM: x = k; pc++; break;
        case OP_LD_MEM: a = mem[k]!; pc++; break;
        case OP_LDX_MEM: x = mem[k]!; pc++; break;
        case OP_ST: mem[k] = a; pc++; break;
        case OP_STX: mem[k] = x; pc++; break;
        case OP_ADD_K: a = (a + k) | 0; pc++; break;
        case OP_ADD_X: a = (a + x) | 0; pc++; break;
        case OP_SUB_K: a = (a - k) | 0; pc++; break;
        case OP_SUB_X: a = (a - x) | 0; pc++; break;
        case OP_MUL_K: a = Math.imul(a, k); pc++; break;
        case OP_MUL_X: a = Math.imul(a, x); pc++; break;
        case OP_DIV_K: a = Math.floor((a >>> 0) / (k >>> 0)) | 0; pc++; break;
        case OP_DIV_X:
          if (x === 0) { this.lastExecuted = executed; return 0; }
          a = Math.floor((a >>> 0) / (x >>> 0)) | 0; pc++; break;
        case OP_AND_K: a &= k; pc++; break;
        case OP_AND_X: a &= x; pc++; break;
        case OP_OR_K: a |= k; pc++; break;
        case OP_OR_X: a |= x; pc++; break;
        case OP_XOR_K: a ^= k; pc++; break;
        case OP_XOR_X: a ^= x; pc++; break;
        case OP_LSH_K: a <<= k; pc++; break;
        case OP_LSH_X: a <<= x; pc++; break; // JS masks the count to 5 bits, like the kernel
        case OP_RSH_K: a = (a >>> k) | 0; pc++; break;
        case OP_RSH_X: a = (a >>> x) | 0; pc++; break;
        case OP_NEG: a = -a | 0; pc++; break;
        case OP_JA: pc = jts[pc]!; break;
        case OP_JEQ_K: pc = a === k ? jts[pc]! : jfs[pc]!; break;
        case OP_JEQ_X: pc = a === x ? jts[pc]! : jfs[pc]!; break;
        case OP_JGT_K: pc = (a >>> 0) > (k >>> 0) ? jts[pc]! : jfs[pc]!; break;
        case OP_JGT_X: pc = (a >>> 0) > (x >>> 0) ? jts[pc]! : jfs[pc]!; break;
        case OP_JGE_K: pc = (a >>> 0) >= (k >>> 0) ? jts[pc]! : jfs[pc]!; break;
        case OP_JGE_X: pc = (a >>> 0) >= (x >>> 0) ? jts[pc]! : jfs[pc]!; break;
        case OP_JSET_K: pc = (a & k) !== 0 ? jts[pc]! : jfs[pc]!; break;
        case OP_JSET_X: pc = (a & x) !== 0 ? jts[pc]! : jfs[pc]!; break;
        case OP_RET_K: this.lastExecuted = executed; return k >>> 0;
        case OP_RET_A: this.lastExecuted = executed; return a >>> 0;
        case OP_TAX: x = a; pc++; break;
        case OP_TXA: a = x; pc++; break;
        default: throw new Error(`internal: bad decoded opcode at ${pc}`);
      }
    }
  }
}

const preparedCache = new WeakMap<BpfProgram, PreparedProgram>();

/**
 * Validate and pre-decode `prog` for repeated runs. Throws {@link BpfError} for a program the
 * kernel would refuse. The same array object always yields the same prepared program
 * (instructions are treated as immutable).
 */
export function prepareProgram(prog: BpfProgram): PreparedProgram {
  let p = preparedCache.get(prog);
  if (p === undefined) {
    p = new Prepared(prog);
    preparedCache.set(prog, p);
  }
  return p;
}

/**
 * Run `prog` on `data` as the kernel would, returning the unsigned 32-bit action and the
 * number of instructions executed (the RET included). Validates the program on first use.
 */
export function runProgram(prog: BpfProgram, data: SeccompData, opts?: RunOptions): RunResult {
  return prepareProgram(prog).run(data, opts);
}
