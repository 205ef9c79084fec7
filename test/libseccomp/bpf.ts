/**
 * Test-side helpers for the libseccomp differential tests: decoding libseccomp's exported BPF,
 * a small independent classic-BPF interpreter (seccomp subset), and a disassembler for messages.
 * The interpreter is deliberately separate from src/bpf so that the differential test checks
 * our emitted program with code that did not produce it.
 */
import type { BpfProgram, Instruction, SeccompData } from '../../src/bpf/types.js';

/** Decode `struct sock_filter[]` bytes (little-endian) from a hex string. */
export function decodeBpfHex(hex: string): Instruction[] {
  const buf = Buffer.from(hex, 'hex');
  if (buf.length % 8 !== 0) throw new Error(`BPF byte length ${buf.length} is not a multiple of 8`);
  const out: Instruction[] = [];
  for (let o = 0; o < buf.length; o += 8) {
    out.push({ code: buf.readUInt16LE(o), jt: buf[o + 2]!, jf: buf[o + 3]!, k: buf.readUInt32LE(o + 4) });
  }
  return out;
}

/** Result of running a program. */
export interface RunResult {
  readonly ret: number;
  readonly executed: number;
}

function dataWord(data: SeccompData, off: number): number {
  if (off === 0) return data.nr >>> 0;
  if (off === 4) return data.arch >>> 0;
  if (off % 4 !== 0 || off < 8 || off >= 64) throw new Error(`bad seccomp_data load offset ${off}`);
  const q = off < 16 ? (data.instructionPointer ?? 0n) : (data.args?.[(off - 16) >> 3] ?? 0n);
  const high = (off & 4) !== 0;
  return Number(high ? (q >> 32n) & 0xffffffffn : q & 0xffffffffn);
}

/**
 * Accumulator hazards of a program: conditional jumps (and ALU operations) that can be reached
 * with A loaded from different places (different `ld [k]` offsets, or an arch value compared with
 * something other than an AUDIT_ARCH constant). A correct generator never produces one: the
 * comparison means something different on each path. libseccomp 2.6.0 does (see the facts in
 * test/libseccomp.test.ts); inputs whose path crosses a hazard are miscompiled there.
 */
export function accumulatorHazards(prog: BpfProgram, auditArches: readonly number[]): Set<number> {
  const sources: (Set<string> | undefined)[] = new Array(prog.length);
  const hazards = new Set<number>();
  const flow = (pc: number, src: Set<string>): void => {
    if (pc >= prog.length) return;
    let s = sources[pc];
    if (!s) sources[pc] = s = new Set();
    for (const x of src) s.add(x);
  };
  flow(0, new Set(['none']));
  for (let pc = 0; pc < prog.length; pc++) {
    const src = sources[pc];
    if (!src) continue; // unreachable
    const { code, k } = prog[pc]!;
    const cls = code & 7;
    if (cls === 0x00) { flow(pc + 1, new Set([code === 0x20 ? `ld ${k}` : `ld? ${code}/${k}`])); continue; }
    if (cls === 0x06) continue;
    if (cls === 0x04 || (cls === 0x05 && (code & 0xf0) !== 0)) {
      if (src.size > 1) hazards.add(pc);
      if (cls === 0x05 && src.has('ld 4') && src.size === 1 && !auditArches.includes(k >>> 0)) hazards.add(pc);
    }
    if (cls === 0x05) {
      if ((code & 0xf0) === 0) flow(pc + 1 + (k >>> 0), src);
      else { flow(pc + 1 + prog[pc]!.jt, src); flow(pc + 1 + prog[pc]!.jf, src); }
    } else {
      flow(pc + 1, cls === 0x04 ? new Set([...src].map((x) => `${x} alu`)) : src);
    }
  }
  return hazards;
}

/** Run a seccomp classic-BPF program on one input. Throws on instructions seccomp rejects. */
export function runBpf(prog: BpfProgram, data: SeccompData, hazards?: ReadonlySet<number>): RunResult & { hazard?: boolean } {
  let hazard = false;
  let a = 0;
  let x = 0;
  const mem = new Array<number>(16).fill(0);
  let pc = 0;
  let executed = 0;
  for (;;) {
    const ins = prog[pc];
    if (ins === undefined) throw new Error(`fell off the end of the program at ${pc}`);
    executed++;
    if (hazards?.has(pc)) hazard = true;
    const { code, k } = ins;
    const cls = code & 7;
    switch (cls) {
      case 0x00: // LD
        if (code === 0x20) a = dataWord(data, k);
        else if (code === 0x00) a = k >>> 0;
        else if (code === 0x60) a = mem[k]!;
        else if (code === 0x80) a = 64;
        else throw new Error(`unsupported ld 0x${code.toString(16)} at ${pc}`);
        pc++;
        break;
      case 0x01: // LDX
        if (code === 0x01) x = k >>> 0;
        else if (code === 0x61) x = mem[k]!;
        else if (code === 0x81) x = 64;
        else throw new Error(`unsupported ldx 0x${code.toString(16)} at ${pc}`);
        pc++;
        break;
      case 0x02: mem[k] = a; pc++; break;
      case 0x03: mem[k] = x; pc++; break;
      case 0x04: { // ALU
        const src = code & 0x08 ? x : k >>> 0;
        switch (code & 0xf0) {
          case 0x00: a = (a + src) >>> 0; break;
          case 0x10: a = (a - src) >>> 0; break;
          case 0x20: a = Number((BigInt(a) * BigInt(src)) & 0xffffffffn); break;
          case 0x30: if (src === 0) return { ret: 0, executed }; a = Math.floor(a / src) >>> 0; break;
          case 0x40: a = (a | src) >>> 0; break;
          case 0x50: a = (a & src) >>> 0; break;
          case 0x60: a = src >= 32 ? 0 : (a << src) >>> 0; break;
          case 0x70: a = src >= 32 ? 0 : a >>> src; break;
          case 0x80: a = (-a) >>> 0; break;
          case 0x90: if (src === 0) return { ret: 0, executed }; a = (a % src) >>> 0; break;
          case 0xa0: a = (a ^ src) >>> 0; break;
          default: throw new Error(`unsupported alu 0x${code.toString(16)} at ${pc}`);
        }
        pc++;
        break;
      }
      case 0x05: { // JMP
        const op = code & 0xf0;
        if (op === 0x00) { pc += 1 + (k >>> 0); break; }
        const src = code & 0x08 ? x : k >>> 0;
        let cond: boolean;
        if (op === 0x10) cond = a === src;
        else if (op === 0x20) cond = a > src;
        else if (op === 0x30) cond = a >= src;
        else if (op === 0x40) cond = (a & src) !== 0;
        else throw new Error(`unsupported jmp 0x${code.toString(16)} at ${pc}`);
        pc += 1 + (cond ? ins.jt : ins.jf);
        break;
      }
      case 0x06: // RET
        if ((code & 0x18) === 0x10) return { ret: a >>> 0, executed, hazard };
        return { ret: k >>> 0, executed, hazard };
      case 0x07:
        if ((code & 0xf8) === 0x00) x = a; else a = x;
        pc++;
        break;
      default:
        throw new Error(`unsupported opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
}

const JOPS: Record<number, string> = { 0x10: 'jeq', 0x20: 'jgt', 0x30: 'jge', 0x40: 'jset' };
const AOPS: Record<number, string> = { 0x00: 'add', 0x10: 'sub', 0x20: 'mul', 0x30: 'div', 0x40: 'or', 0x50: 'and', 0x60: 'lsh', 0x70: 'rsh', 0x80: 'neg', 0x90: 'mod', 0xa0: 'xor' };

/** One line per instruction, for failure messages. */
export function disassemble(prog: BpfProgram): string[] {
  return prog.map((ins, pc) => {
    const h = (n: number): string => '0x' + (n >>> 0).toString(16);
    const { code, k } = ins;
    let s: string;
    if (code === 0x20) s = `ld [${k}]`;
    else if (code === 0x00) s = `ld #${h(k)}`;
    else if ((code & 7) === 5 && (code & 0xf0) === 0) s = `ja ${pc + 1 + k}`;
    else if ((code & 7) === 5) s = `${JOPS[code & 0xf0] ?? '?'} ${code & 8 ? 'x' : h(k)} ? ${pc + 1 + ins.jt} : ${pc + 1 + ins.jf}`;
    else if ((code & 7) === 4) s = `${AOPS[code & 0xf0] ?? '?'} ${code & 8 ? 'x' : h(k)}`;
    else if ((code & 7) === 6) s = `ret ${(code & 0x18) === 0x10 ? 'a' : h(k)}`;
    else if (code === 0x02) s = `st M[${k}]`;
    else if (code === 0x60) s = `ld M[${k}]`;
    else s = `op ${h(code)} k=${h(k)} jt=${ins.jt} jf=${ins.jf}`;
    return `${String(pc).padStart(4)}: ${s}`;
  });
}
