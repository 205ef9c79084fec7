/**
 * Runs the BUILT `seccomp-exec` CLI (dist/cli/seccomp-exec.js) in a child process, and tells
 * the kernel tests whether they can run here. Filters are only ever installed in these
 * children, never in the test runner.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, findCompiler } from './probe.js';

/** The built CLI. */
export const CLI = join(ROOT, 'dist', 'cli', 'seccomp-exec.js');

/** Result of one CLI run. */
export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** PID of the spawned process (the node running the CLI, which CMD replaces). */
  readonly pid: number;
}

/** Options of {@link runExec}. */
export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string;
  readonly timeoutMs?: number;
}

function toResult(r: SpawnSyncReturns<string>): CliResult {
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, pid: r.pid ?? -1 };
}

/** `node dist/cli/seccomp-exec.js ...args`, synchronously. */
export function runExec(args: readonly string[], opts: RunOptions = {}): CliResult {
  return toResult(
    spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? ROOT,
      input: opts.input ?? '',
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 16 * 1024 * 1024,
    }),
  );
}

/** Same as {@link runExec}, asynchronously (several runs can overlap). */
export function runExecAsync(args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      resolvePromise({ status, signal, stdout, stderr, pid: child.pid ?? -1 });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Run a plain command (no seccomp-exec), synchronously. */
export function runPlain(file: string, args: readonly string[], opts: RunOptions = {}): CliResult {
  return toResult(
    spawnSync(file, [...args], {
      encoding: 'utf8',
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? ROOT,
      input: opts.input ?? '',
      timeout: opts.timeoutMs ?? 60_000,
    }),
  );
}

/** Whether `file --version` runs (the command exists). */
export function haveCommand(file: string): boolean {
  const r = spawnSync(file, ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** Effective capability mask of the test runner, from /proc/self/status. */
export function effectiveCapabilities(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]!}`) : 0n;
  } catch {
    return 0n;
  }
}

/** Whether the test runner holds capability number `bit`. */
export function holds(bit: number): boolean {
  return ((effectiveCapabilities() >> BigInt(bit)) & 1n) === 1n;
}

/** Reason the CLI tests cannot run here (dist not built, not Linux), or undefined. */
export function cliSkipReason(): string | undefined {
  if (process.platform !== 'linux') return `seccomp filters need Linux (this is ${process.platform})`;
  if (!existsSync(CLI)) return `${CLI} is missing: run \`npm run build\` first`;
  return undefined;
}

/**
 * Reason the real-kernel tests cannot run here, or undefined: they need Linux, root, the
 * capabilities the probes prove (CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_DAC_READ_SEARCH), a built
 * CLI and a C compiler for the probe.
 */
export function kernelSkipReason(): string | undefined {
  const cli = cliSkipReason();
  if (cli) return cli;
  if (process.getuid?.() !== 0) return 'the kernel tests run as root (they prove capabilities are held)';
  for (const [bit, name] of [[21, 'CAP_SYS_ADMIN'], [22, 'CAP_SYS_BOOT'], [2, 'CAP_DAC_READ_SEARCH']] as const) {
    if (!holds(bit)) return `the kernel tests need ${name} in the effective set`;
  }
  if (!findCompiler()) return 'no C compiler to build the probe';
  return undefined;
}
