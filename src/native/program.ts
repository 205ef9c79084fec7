/** The raw `struct sock_filter` array the kernel takes, as the native add-on expects it. */
import { endianness } from 'node:os';
import { SeccompError } from '../errors.js';
import type { BpfProgram, Instruction } from '../bpf/types.js';

/** sizeof(struct sock_filter): u16 code, u8 jt, u8 jf, u32 k. */
export const SOCK_FILTER_SIZE = 8;

function checkField(i: number, name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new SeccompError(`BPF program: instruction ${i}: ${name} ${String(value)} out of range (0..${max})`);
  }
}

/**
 * Encode a program as a `struct sock_filter` array in the host's byte order (`le` / `be` to
 * force one, e.g. for a foreign machine). Field ranges are checked; the program itself is not
 * (the kernel and `src/bpf/check.ts` do that).
 */
export function encodeProgram(program: BpfProgram, byteOrder: 'le' | 'be' = endianness() === 'LE' ? 'le' : 'be'): Buffer {
  const buf = Buffer.alloc(program.length * SOCK_FILTER_SIZE);
  program.forEach((ins, i) => {
    checkField(i, 'code', ins.code, 0xffff);
    checkField(i, 'jt', ins.jt, 0xff);
    checkField(i, 'jf', ins.jf, 0xff);
    if (!Number.isInteger(ins.k) || ins.k < -0x80000000 || ins.k > 0xffffffff) {
      throw new SeccompError(`BPF program: instruction ${i}: k ${String(ins.k)} is not a 32-bit value`);
    }
    const off = i * SOCK_FILTER_SIZE;
    if (byteOrder === 'le') {
      buf.writeUInt16LE(ins.code, off);
      buf.writeUInt32LE(ins.k >>> 0, off + 4);
    } else {
      buf.writeUInt16BE(ins.code, off);
      buf.writeUInt32BE(ins.k >>> 0, off + 4);
    }
    buf.writeUInt8(ins.jt, off + 2);
    buf.writeUInt8(ins.jf, off + 3);
  });
  return buf;
}

/** Decode a `struct sock_filter` array (inverse of {@link encodeProgram}). */
export function decodeProgram(raw: Uint8Array, byteOrder: 'le' | 'be' = endianness() === 'LE' ? 'le' : 'be'): Instruction[] {
  if (raw.length % SOCK_FILTER_SIZE !== 0) {
    throw new SeccompError(`BPF program: ${raw.length} bytes is not a multiple of ${SOCK_FILTER_SIZE}`);
  }
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Instruction[] = [];
  for (let off = 0; off < buf.length; off += SOCK_FILTER_SIZE) {
    const le = byteOrder === 'le';
    out.push({
      code: le ? buf.readUInt16LE(off) : buf.readUInt16BE(off),
      jt: buf.readUInt8(off + 2),
      jf: buf.readUInt8(off + 3),
      k: le ? buf.readUInt32LE(off + 4) : buf.readUInt32BE(off + 4),
    });
  }
  return out;
}
