/**
 * Output formats of a BPF program: the raw `struct sock_filter` array (what `bwrap --seccomp FD`
 * and `seccomp(2)` read), stable JSON, and C source using the <linux/filter.h> macros.
 */
import { SeccompError } from '../errors.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA,
  BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH,
  BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST,
  BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, SECCOMP_DATA_SIZE,
} from './types.js';
import type { BpfProgram, Instruction } from './types.js';
import {
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_DATA,
  SECCOMP_RET_NAMES,
} from './seccomp.js';
import { accumulatorWords, instructionComments, type DisassembleOptions } from './disasm.js';
import { isConditionalJump } from './check.js';

/** Size of one `struct sock_filter`. */
export const SOCK_FILTER_SIZE = 8;

/**
 * Encode `prog` as an array of `struct sock_filter` (8 bytes each, little-endian:
 * u16 code, u8 jt, u8 jf, u32 k). Throws {@link SeccompError} on out-of-range fields.
 */
export function toRaw(prog: BpfProgram): Buffer {
  const buf = Buffer.alloc(prog.length * SOCK_FILTER_SIZE);
  prog.forEach((ins, i) => {
    checkFields(ins, i);
    const o = i * SOCK_FILTER_SIZE;
    buf.writeUInt16LE(ins.code, o);
    buf.writeUInt8(ins.jt, o + 2);
    buf.writeUInt8(ins.jf, o + 3);
    buf.writeUInt32LE(ins.k >>> 0, o + 4);
  });
  return buf;
}

function checkFields(ins: Instruction, i: number): void {
  const bad = (field: string, value: unknown, bits: number) =>
    new SeccompError(`instruction ${i}: ${field} ${String(value)} is not a ${bits}-bit unsigned integer`);
  if (!Number.isInteger(ins.code) || ins.code < 0 || ins.code > 0xffff) throw bad('code', ins.code, 16);
  if (!Number.isInteger(ins.jt) || ins.jt < 0 || ins.jt > 0xff) throw bad('jt', ins.jt, 8);
  if (!Number.isInteger(ins.jf) || ins.jf < 0 || ins.jf > 0xff) throw bad('jf', ins.jf, 8);
  if (!Number.isInteger(ins.k) || ins.k < -0x80000000 || ins.k > 0xffffffff) throw bad('k', ins.k, 32);
}

/**
 * Decode a `struct sock_filter` array. `source` names the input in error messages.
 * The program is not validated (use `validateProgram`).
 */
export function fromRaw(buf: Uint8Array, source = 'raw BPF program'): BpfProgram {
  if (buf.length === 0) throw new SeccompError(`${source}: empty (a program needs at least one instruction)`);
  if (buf.length % SOCK_FILTER_SIZE !== 0) {
    throw new SeccompError(`${source}: ${buf.length} bytes is not a multiple of ${SOCK_FILTER_SIZE} (sizeof struct sock_filter)`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Instruction[] = [];
  for (let o = 0; o < buf.length; o += SOCK_FILTER_SIZE) {
    out.push({
      code: view.getUint16(o, true),
      jt: view.getUint8(o + 2),
      jf: view.getUint8(o + 3),
      k: view.getUint32(o + 4, true),
    });
  }
  return out;
}

/**
 * Stable JSON: `{"instructions":[{"code":…,"jt":…,"jf":…,"k":…}, …], …meta}` with one
 * instruction per line and meta keys after `instructions`, in the order given.
 */
export function toJson(prog: BpfProgram, meta?: Readonly<Record<string, unknown>>): string {
  prog.forEach(checkFields);
  const lines = prog.map((ins) => `    {"code": ${ins.code}, "jt": ${ins.jt}, "jf": ${ins.jf}, "k": ${ins.k >>> 0}}`);
  const parts = [`  "instructions": [\n${lines.join(',\n')}\n  ]`];
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key === 'instructions') throw new SeccompError('toJson: meta must not contain the key "instructions"');
    if (value === undefined) continue;
    const text = JSON.stringify(value, null, 2);
    if (text === undefined) throw new SeccompError(`toJson: meta.${key} cannot be represented in JSON`);
    parts.push(`  ${JSON.stringify(key)}: ${text.replace(/\n/g, '\n  ')}`);
  }
  return `{\n${parts.join(',\n')}\n}\n`;
}

/** Parse the `instructions` of {@link toJson} output (or any `{instructions:[…]}` / bare array). */
export function fromJson(text: string, source = 'BPF JSON'): BpfProgram {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SeccompError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { instructions?: unknown } | null)?.instructions;
  if (!Array.isArray(list)) throw new SeccompError(`${source}: expected an "instructions" array`);
  return list.map((item: unknown, i): Instruction => {
    if (item === null || typeof item !== 'object') throw new SeccompError(`${source}: instructions[${i}] is not an object`);
    const rec = item as Record<string, unknown>;
    const field = (name: string, max: number): number => {
      const v = rec[name];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
        throw new SeccompError(`${source}: instructions[${i}].${name} ${JSON.stringify(v)} is not an integer in 0..${max}`);
      }
      return v;
    };
    return { code: field('code', 0xffff), jt: field('jt', 0xff), jf: field('jf', 0xff), k: field('k', 0xffffffff) };
  });
}

// ---- C source -------------------------------------------------------------------------------

const ALU_OPS: ReadonlyMap<number, string> = new Map([
  [BPF_ADD, 'BPF_ADD'], [BPF_SUB, 'BPF_SUB'], [BPF_MUL, 'BPF_MUL'], [BPF_DIV, 'BPF_DIV'],
  [BPF_OR, 'BPF_OR'], [BPF_AND, 'BPF_AND'], [BPF_LSH, 'BPF_LSH'], [BPF_RSH, 'BPF_RSH'],
  [BPF_MOD, 'BPF_MOD'], [BPF_XOR, 'BPF_XOR'],
]);
const JMP_OPS: ReadonlyMap<number, string> = new Map([
  [BPF_JEQ, 'BPF_JEQ'], [BPF_JGT, 'BPF_JGT'], [BPF_JGE, 'BPF_JGE'], [BPF_JSET, 'BPF_JSET'],
]);
const SIZES: ReadonlyMap<number, string> = new Map([[BPF_W, 'BPF_W'], [BPF_H, 'BPF_H'], [BPF_B, 'BPF_B']]);
const LOAD_MODES: ReadonlyMap<number, string> = new Map([
  [BPF_ABS, 'BPF_ABS'], [BPF_IND, 'BPF_IND'], [BPF_LEN, 'BPF_LEN'], [BPF_MSH, 'BPF_MSH'],
]);

/** Arch constants every <linux/audit.h> we target defines. */
const C_AUDIT_ARCHES: ReadonlyMap<number, string> = new Map([
  [0xc000003e, 'AUDIT_ARCH_X86_64'],
  [0x40000003, 'AUDIT_ARCH_I386'],
  [0xc00000b7, 'AUDIT_ARCH_AARCH64'],
  [0x40000028, 'AUDIT_ARCH_ARM'],
]);

function cHex(v: number): string {
  const u = v >>> 0;
  return `0x${u.toString(16)}${u > 0x7fffffff ? 'U' : ''}`;
}

function cNumber(v: number): string {
  const u = v >>> 0;
  return u < 0x10000 ? String(u) : cHex(u);
}

/** The opcode as an OR of <linux/filter.h> macros (a hex literal when not recognisable). */
function cCode(code: number): string {
  const cls = code & 0x07;
  const sizeBits = code & 0x18;
  const modeBits = code & 0xe0;
  const src = (code & BPF_X) !== 0 ? 'BPF_X' : 'BPF_K';
  switch (code) {
    case BPF_LD | BPF_IMM: return 'BPF_LD | BPF_IMM';
    case BPF_LD | BPF_MEM: return 'BPF_LD | BPF_MEM';
    case BPF_LDX | BPF_IMM: return 'BPF_LDX | BPF_IMM';
    case BPF_LDX | BPF_MEM: return 'BPF_LDX | BPF_MEM';
    case BPF_ST: return 'BPF_ST';
    case BPF_STX: return 'BPF_STX';
    case BPF_ALU | BPF_NEG: return 'BPF_ALU | BPF_NEG';
    case BPF_JMP | BPF_JA: return 'BPF_JMP | BPF_JA';
    case BPF_RET | BPF_K: return 'BPF_RET | BPF_K';
    case BPF_RET | BPF_A: return 'BPF_RET | BPF_A';
    case BPF_MISC | BPF_TAX: return 'BPF_MISC | BPF_TAX';
    case BPF_MISC | BPF_TXA: return 'BPF_MISC | BPF_TXA';
    default: break;
  }
  if ((cls === BPF_LD || cls === BPF_LDX) && SIZES.has(sizeBits) && LOAD_MODES.has(modeBits)) {
    return `${cls === BPF_LD ? 'BPF_LD' : 'BPF_LDX'} | ${SIZES.get(sizeBits)!} | ${LOAD_MODES.get(modeBits)!}`;
  }
  if (cls === BPF_ALU && (code & 0x07) === BPF_ALU && ALU_OPS.has(code & 0xf0) && (code & ~0xf8) === BPF_ALU) {
    return `BPF_ALU | ${ALU_OPS.get(code & 0xf0)!} | ${src}`;
  }
  if (isConditionalJump(code)) return `BPF_JMP | ${JMP_OPS.get(code & 0xf0)!} | ${src}`;
  return `0x${code.toString(16).padStart(2, '0')}`;
}

function cReturn(k: number): string {
  const r = k >>> 0;
  const action = (r & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = r & SECCOMP_RET_DATA;
  const name = SECCOMP_RET_NAMES.get(action);
  if (name === undefined) return cHex(r);
  return data === 0 ? name : `${name} | ${data}`;
}

function cLoadOffset(k: number): string {
  if (k >= SECCOMP_DATA_SIZE || (k & 3) !== 0) return cNumber(k);
  switch (k) {
    case 0: return 'offsetof(struct seccomp_data, nr)';
    case 4: return 'offsetof(struct seccomp_data, arch)';
    case 8: return 'offsetof(struct seccomp_data, instruction_pointer)';
    case 12: return 'offsetof(struct seccomp_data, instruction_pointer) + 4';
    default: {
      const i = (k - 16) >> 3;
      return `offsetof(struct seccomp_data, args[${i}])${(k & 4) !== 0 ? ' + 4' : ''}`;
    }
  }
}

/** Options of {@link toC}. */
export interface ToCOptions extends DisassembleOptions {
  /** Emit the `#include` lines (default true). */
  readonly includes?: boolean;
}

/**
 * C source declaring `struct sock_filter NAME[]` (with BPF_STMT/BPF_JUMP and symbolic
 * constants where recognisable) and `struct sock_fprog NAME_prog`. Compiles with
 * `gcc -Wall -Wextra -Werror` against <stddef.h>, <linux/filter.h>, <linux/seccomp.h> and
 * <linux/audit.h>. High argument halves are written `offsetof(…, args[i]) + 4`, which is
 * the little-endian layout every arch we compile for uses.
 */
export function toC(prog: BpfProgram, name = 'filter', opts?: ToCOptions): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new SeccompError(`toC: "${name}" is not a C identifier`);
  prog.forEach(checkFields);
  const words = accumulatorWords(prog);
  const notes = instructionComments(prog, opts);
  const width = Math.max(4, String(Math.max(0, prog.length - 1)).length);
  const out: string[] = [];
  out.push(`/* seccomp BPF program, ${prog.length} instruction${prog.length === 1 ? '' : 's'} (generated by seccomp-exec). */`);
  if (opts?.includes !== false) {
    out.push('#include <stddef.h>', '#include <linux/filter.h>', '#include <linux/seccomp.h>', '#include <linux/audit.h>');
  }
  out.push('', `struct sock_filter ${name}[] = {`);
  prog.forEach((ins, pc) => {
    const { code, jt, jf, k } = ins;
    let kText: string;
    if (code === (BPF_LD | BPF_W | BPF_ABS)) kText = cLoadOffset(k);
    else if (code === (BPF_RET | BPF_K)) kText = cReturn(k);
    else if (code === (BPF_JMP | BPF_JEQ | BPF_K) && words[pc] === 1 && C_AUDIT_ARCHES.has(k >>> 0)) kText = C_AUDIT_ARCHES.get(k >>> 0)!;
    else if ((code & 0x07) === BPF_ALU || (isConditionalJump(code) && (code & 0xf0) === BPF_JSET)) kText = (k >>> 0) < 10 ? String(k >>> 0) : cHex(k);
    else kText = cNumber(k);
    const macro = isConditionalJump(code)
      ? `BPF_JUMP(${cCode(code)}, ${kText}, ${jt}, ${jf})`
      : jt === 0 && jf === 0
        ? `BPF_STMT(${cCode(code)}, ${kText})`
        : `{ ${cCode(code)}, ${jt}, ${jf}, ${kText} }`;
    const note = notes[pc]!.replace(/\*\//g, '* /');
    out.push(`\t/* ${String(pc).padStart(width, '0')} */ ${macro},${note === '' ? '' : ` /* ${note} */`}`);
  });
  out.push('};', '');
  out.push(`struct sock_fprog ${name}_prog = {`);
  out.push(`\t(unsigned short)(sizeof(${name}) / sizeof(${name}[0])), /* len */`);
  out.push(`\t${name}, /* filter */`);
  out.push('};', '');
  return out.join('\n');
}
