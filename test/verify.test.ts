// The verifier must reject programs that disagree with the profile: a compiler bug never ships.
import { describe, it, expect } from 'vitest';
import { resolveFor } from '../src/compiler/index.js';
import { emitProgram } from '../src/compiler/emit.js';
import { verifyProgram, VerificationError } from '../src/compiler/verify.js';
import { defaultProfile } from '../src/profile/default.js';
import { BPF_JMP, BPF_JGE, BPF_K, BPF_RET, BPF_LD, BPF_W, BPF_ABS, type Instruction } from '../src/bpf/types.js';
import { SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS } from '../src/bpf/seccomp.js';

for (const machine of ['x86_64', 'aarch64'] as const) {
  describe(`verification on ${machine}`, () => {
    const resolved = resolveFor(defaultProfile(), { machine, kernel: '6.8' });
    const good = emitProgram(resolved);

    it('accepts the emitted program', () => {
      expect(verifyProgram(good, resolved).checked).toBeGreaterThan(1500);
    });

    it('rejects every single-instruction corruption that changes a decision', () => {
      let rejected = 0;
      let tried = 0;
      good.forEach((ins, i) => {
        let bad: Instruction | undefined;
        if (ins.code === (BPF_RET | BPF_K)) {
          bad = { ...ins, k: ins.k === SECCOMP_RET_ALLOW ? (SECCOMP_RET_ERRNO | 1) >>> 0 : SECCOMP_RET_ALLOW };
        } else if (ins.code === (BPF_JMP | BPF_JGE | BPF_K)) {
          bad = { ...ins, k: ins.k + 1 };
        }
        if (!bad) return;
        tried++;
        const prog = good.map((x, j) => (j === i ? bad! : x));
        try {
          verifyProgram(prog, resolved);
        } catch (e) {
          expect(e).toBeInstanceOf(VerificationError);
          expect((e as Error).message).toMatch(/^internal compiler error, program rejected: /);
          rejected++;
        }
      });
      // Every RET flip changes some decision; a JGE bound moved by one changes the number at the bound.
      expect(tried).toBeGreaterThan(50);
      expect(rejected).toBe(tried);
    });

    it('rejects a program whose unconditional decisions read arguments, even when the answers agree', () => {
      // Prefix a load of args[0]: the first real instruction reloads A, so every answer is unchanged,
      // but no path is decided by nr and arch alone any more (nor cacheable by the kernel).
      const prog: Instruction[] = [{ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 16 }, ...good];
      expect(() => verifyProgram(prog, resolved)).toThrow(/the profile decides it without arguments .* but the program's path depends on them/);
    });

    it('rejects a foreign-arch verdict that is not a kill', () => {
      const killAt = good.findIndex((x) => x.code === (BPF_RET | BPF_K) && x.k === SECCOMP_RET_KILL_PROCESS);
      expect(killAt).toBeGreaterThanOrEqual(0);
      const prog = good.map((x, i) => (i === killAt ? { ...x, k: SECCOMP_RET_ALLOW } : x));
      expect(() => verifyProgram(prog, resolved)).toThrow(VerificationError);
    });
  });
}
