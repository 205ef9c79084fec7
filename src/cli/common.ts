/**
 * Helpers shared by the command-line front ends (`seccomp-exec`, `seccomp`): one-line error
 * printing, exit codes, and parsers for the options both accept (capabilities, syscall names,
 * `--deny NAME[:ERRNO]`, kernel versions, argument width).
 *
 * This module stays light (no profile, compiler or native imports) so that a CLI can load it
 * before deciding whether the heavy parts are needed.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { normalizeCapability } from '../capabilities.js';
import { parseActionSpec } from '../compiler/actions.js';

/** Exit status for command-line usage errors (unknown option, missing command, bad value). */
export const EXIT_USAGE = 2;
/**
 * Exit status when the tool itself fails (profile cannot be loaded, filter cannot be built or
 * installed), chosen like `env`, `chroot` and `timeout` so it cannot be confused with 126/127.
 */
export const EXIT_FAILURE = 125;
/** Exit status when the command was found but cannot be executed (as `execvp` callers use). */
export const EXIT_CANNOT_EXECUTE = 126;
/** Exit status when the command was not found. */
export const EXIT_NOT_FOUND = 127;

/** An error carrying the exit status the CLI should end with. */
export class CliExit extends Error {
  /** The process exit status. */
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CliExit';
    this.exitCode = exitCode;
  }
}

/**
 * The message of any thrown value as ONE line: the first line of `err.message`, with further
 * non-empty lines appended after a space. Never a stack trace.
 */
export function oneLine(err: unknown): string {
  let text: string;
  if (err instanceof Error) {
    text = err.message;
  } else if (typeof err === 'string') {
    text = err;
  } else {
    text = String(err);
  }
  const parts = text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return parts.length > 0 ? parts.join(' ') : 'unknown error';
}

/** Write `PROG: MESSAGE` (one line) to stderr; a message already starting with `PROG: ` is not prefixed twice. */
export function printError(prog: string, err: unknown): void {
  let text = oneLine(err);
  while (text.startsWith(`${prog}: `)) text = text.slice(prog.length + 2);
  process.stderr.write(`${prog}: ${text}\n`);
}

/** Commander collector for repeatable options: appends `value` to the list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Commander collector that normalizes a capability name (`SYS_ADMIN` → `CAP_SYS_ADMIN`);
 * `ALL` is kept as `ALL`.
 */
export function collectCapability(value: string, previous: string[] | undefined): string[] {
  let cap: string;
  try {
    cap = value.trim().toUpperCase() === 'ALL' ? 'ALL' : normalizeCapability(value);
  } catch (err) {
    throw new InvalidArgumentError(oneLine(err));
  }
  return [...(previous ?? []), cap];
}

/** Linux errno names and numbers (asm-generic, used by x86, x86_64, arm and aarch64). */
const ERRNO_NAMES: readonly string[] = [
  '', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD',
  'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR',
  'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS',
  'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY',
  'ELOOP', '', 'ENOMSG', 'EIDRM', 'ECHRNG', 'EL2NSYNC', 'EL3HLT', 'EL3RST', 'ELNRNG', 'EUNATCH',
  'ENOCSI', 'EL2HLT', 'EBADE', 'EBADR', 'EXFULL', 'ENOANO', 'EBADRQC', 'EBADSLT', '', 'EBFONT',
  'ENOSTR', 'ENODATA', 'ETIME', 'ENOSR', 'ENONET', 'ENOPKG', 'EREMOTE', 'ENOLINK', 'EADV', 'ESRMNT',
  'ECOMM', 'EPROTO', 'EMULTIHOP', 'EDOTDOT', 'EBADMSG', 'EOVERFLOW', 'ENOTUNIQ', 'EBADFD', 'EREMCHG',
  'ELIBACC', 'ELIBBAD', 'ELIBSCN', 'ELIBMAX', 'ELIBEXEC', 'EILSEQ', 'ERESTART', 'ESTRPIPE', 'EUSERS',
  'ENOTSOCK', 'EDESTADDRREQ', 'EMSGSIZE', 'EPROTOTYPE', 'ENOPROTOOPT', 'EPROTONOSUPPORT',
  'ESOCKTNOSUPPORT', 'EOPNOTSUPP', 'EPFNOSUPPORT', 'EAFNOSUPPORT', 'EADDRINUSE', 'EADDRNOTAVAIL',
  'ENETDOWN', 'ENETUNREACH', 'ENETRESET', 'ECONNABORTED', 'ECONNRESET', 'ENOBUFS', 'EISCONN',
  'ENOTCONN', 'ESHUTDOWN', 'ETOOMANYREFS', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTDOWN', 'EHOSTUNREACH',
  'EALREADY', 'EINPROGRESS', 'ESTALE', 'EUCLEAN', 'ENOTNAM', 'ENAVAIL', 'EISNAM', 'EREMOTEIO',
  'EDQUOT', 'ENOMEDIUM', 'EMEDIUMTYPE', 'ECANCELED', 'ENOKEY', 'EKEYEXPIRED', 'EKEYREVOKED',
  'EKEYREJECTED', 'EOWNERDEAD', 'ENOTRECOVERABLE', 'ERFKILL', 'EHWPOISON',
];
const ERRNO_ALIASES: Readonly<Record<string, number>> = { EWOULDBLOCK: 11, EDEADLOCK: 35, ENOTSUP: 95 };

/** Map of Linux errno names (including the aliases EWOULDBLOCK, EDEADLOCK, ENOTSUP) to numbers. */
export const ERRNO: ReadonlyMap<string, number> = new Map<string, number>([
  ...ERRNO_NAMES.flatMap((name, n): [string, number][] => (name ? [[name, n]] : [])),
  ...Object.entries(ERRNO_ALIASES),
]);

/** The name of a Linux errno number (`1` → `EPERM`), or undefined if it has none. */
export function errnoName(n: number): string | undefined {
  const name = ERRNO_NAMES[n];
  return name ? name : undefined;
}

/**
 * Parse an errno given by name (`EPERM`, `eacces`) or number (`13`, 0..65535, the range a
 * SECCOMP_RET_ERRNO action can carry). Throws with a message naming `where` and the value.
 */
export function parseErrno(spec: string, where?: string): number {
  const prefix = where ? `${where}: ` : '';
  const s = spec.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n > 0xffff) throw new InvalidArgumentError(`${prefix}errno ${s} out of range (0..65535)`);
    return n;
  }
  const n = ERRNO.get(s.toUpperCase());
  if (n === undefined) throw new InvalidArgumentError(`${prefix}unknown errno "${spec}"`);
  return n;
}

/** Syntax of a syscall name (existence is checked against the arch tables by the compiler). */
const SYSCALL_NAME = /^[a-z_][a-z0-9_]*$/;

/** Check the spelling of a syscall name given on the command line. */
export function parseSyscallName(spec: string, where?: string): string {
  const s = spec.trim();
  if (!SYSCALL_NAME.test(s)) {
    throw new InvalidArgumentError(`${where ? `${where}: ` : ''}invalid syscall name "${spec}"`);
  }
  return s;
}

/** Commander collector for `--allow SYSCALL`. */
export function collectAllow(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), parseSyscallName(value)];
}

/** One `--deny` entry. */
export interface DenySpec {
  readonly name: string;
  readonly errno?: number;
}

/** Parse `SYSCALL[:ERRNO]` (errno by name or number). */
export function parseDenySpec(spec: string): DenySpec {
  const i = spec.indexOf(':');
  if (i < 0) return { name: parseSyscallName(spec) };
  const name = parseSyscallName(spec.slice(0, i));
  const errno = parseErrno(spec.slice(i + 1));
  return { name, errno };
}

/** Commander collector for `--deny SYSCALL[:ERRNO]`. */
export function collectDeny(value: string, previous: DenySpec[] | undefined): DenySpec[] {
  return [...(previous ?? []), parseDenySpec(value)];
}

/**
 * Check an action given on the command line (`errno`, `ERRNO(13)`, `kill-process`,
 * `SCMP_ACT_LOG` …) and return it unchanged for the compiler.
 */
export function parseDefaultAction(value: string): string {
  try {
    parseActionSpec(value, 'default action');
  } catch (err) {
    throw new InvalidArgumentError(oneLine(err).replace(/^default action: /, ''));
  }
  return value;
}

/** Parse `--kernel X.Y[.Z]`. */
export function parseKernelVersion(value: string): string {
  const s = value.trim();
  if (!/^\d+\.\d+(\.\d+)?$/.test(s)) {
    throw new InvalidArgumentError('expected X.Y or X.Y.Z');
  }
  return s;
}

/** Parse `--arg-width 32|64`. */
export function parseArgWidth(value: string): 32 | 64 {
  if (value === '32') return 32;
  if (value === '64') return 64;
  throw new InvalidArgumentError('expected 32 or 64');
}

/**
 * Make a commander program report errors our way: nothing is printed by commander itself,
 * every parse error becomes a {@link CliExit} with status {@link EXIT_USAGE} and a one-line
 * message; `--help` and `--version` become a {@link CliExit} with status 0 and empty message.
 */
export function configureCommand(program: Command): Command {
  program.exitOverride();
  program.configureOutput({
    outputError: () => {
      /* reported by runCli as one line */
    },
  });
  return program;
}

/**
 * Parse `argv` with `program` (configured by {@link configureCommand}) and run `action`,
 * turning every outcome into an exit status: commander errors → 2 with one line, a thrown
 * {@link CliExit} → its status, anything else → {@link EXIT_FAILURE} with `PROG: message`.
 * Never prints a stack trace.
 */
export async function runCli(
  prog: string,
  program: Command,
  argv: readonly string[],
  action: () => Promise<number> | number,
): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return await action();
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.help' ||
        err.code === 'commander.version'
      ) {
        return 0;
      }
      printError(prog, err.message.replace(/^error: /, ''));
      return EXIT_USAGE;
    }
    if (err instanceof CliExit) {
      if (err.message) printError(prog, err);
      return err.exitCode;
    }
    printError(prog, err);
    return EXIT_FAILURE;
  }
}
