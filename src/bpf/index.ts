/** Classic BPF for seccomp: types, kernel checks, emulator, allow-cache analysis, listings, formats. */
export * from './types.js';
export * from './seccomp.js';
export { BpfError, findProgramProblem, isValidProgram, validateProgram, opcodeName, isConditionalJump, programReturns } from './check.js';
export type { BpfProblem, ProgramReturns } from './check.js';
export { prepareProgram, runProgram } from './emulator.js';
export type { PreparedProgram, RunOptions, RunResult } from './emulator.js';
export { constAllowBitmap, constResult, countConstAllow, isConstAllow } from './cache.js';
export {
  AUDIT_ARCH_NAMES, accumulatorWords, actionName, disassemble, instructionComments, seccompDataWordName,
} from './disasm.js';
export type { DisassembleOptions } from './disasm.js';
export { SOCK_FILTER_SIZE, fromJson, fromRaw, toC, toJson, toRaw } from './format.js';
export type { ToCOptions } from './format.js';
