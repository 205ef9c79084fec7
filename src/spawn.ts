/**
 * Confined child processes: `spawn` / `execFile` in the shape of `node:child_process`, whose
 * child installs a seccomp filter before the command's first instruction.
 *
 * How: `child_process.spawn` starts the small `seccomp-launcher` executable (native/launcher.c)
 * with the raw BPF program (hex) in its arguments and one extra stdio pipe for its status. The
 * launcher sets no_new_privs, calls seccomp(2) and `execvp`s the command. The status pipe is
 * close-on-exec in the launcher, so it closes without data when the command starts; on failure
 * the launcher writes one status line first (`STAGE ERRNO`). A successful exec therefore shows
 * as end-of-file, a failure as a line: no guessing from exit codes. The program travels in
 * argv, not through the pipe, so the launcher never waits for this process to write.
 *
 * Why a launcher rather than a second Node process per child: starting Node costs tens of
 * milliseconds, the launcher (statically linked, a few system calls) about as much as one more
 * exec. The parent is never confined.
 *
 * Compile once, spawn many: profiles are compiled on first use and the raw program is cached
 * (per Profile object, per reference string and file version, per CompiledFilter object),
 * keyed by the compile options.
 */
import {
  spawn as cpSpawn,
  type ChildProcess,
  type SpawnOptions,
  type StdioOptions,
} from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { hostMachine } from './arch/index.js';
import { programReturns } from './bpf/check.js';
import { compile } from './compiler/index.js';
import type { CompileOptions, CompiledFilter } from './compiler/types.js';
import { SeccompError } from './errors.js';
import { encodeProgram, loadNative, NativeUnavailableError, packageRoot } from './native/index.js';
import { loadProfile, parseProfileReference } from './profile/index.js';
import type { Profile } from './profile/types.js';

// --- public types ------------------------------------------------------------------------------

/** How to confine a child: a profile plus compiler options. */
export interface SeccompConfig {
  /**
   * Profile reference (`runtime/default`, the default; `unconfined`; `localhost/<path>`; a
   * file path) or a loaded {@link Profile}. `unconfined` spawns the command without a filter.
   */
  readonly profile?: string | Profile;
  /** Effective capabilities of the workload for `includes.caps` / `excludes.caps` (default: the container default set). */
  readonly capabilities?: readonly string[];
  /** Capabilities added (Docker's `--cap-add`; `ALL` allowed). */
  readonly capAdd?: readonly string[];
  /** Capabilities removed (Docker's `--cap-drop`; `ALL` allowed). */
  readonly capDrop?: readonly string[];
  /** Syscalls forced to ALLOW on top of the profile. */
  readonly allow?: readonly string[];
  /** Syscalls forced to fail (errno default EPERM); a bare name means EPERM. */
  readonly deny?: readonly (string | { readonly name: string; readonly errno?: number })[];
  /** Replace the profile's default action (e.g. `SCMP_ACT_ERRNO`, `SCMP_ACT_KILL_PROCESS`). */
  readonly defaultAction?: string;
  /** SECCOMP_FILTER_FLAG_LOG: the kernel logs every action except ALLOW. */
  readonly log?: boolean;
  /** Argument comparison width, 32 (default) or 64. */
  readonly argWidth?: 32 | 64;
  /** Kernel version for `minKernel` conditions (default: the running kernel's). */
  readonly kernel?: string;
  /**
   * Set no_new_privs in the child before installing (default true). `false` only works when the
   * child holds CAP_SYS_ADMIN; the kernel refuses the filter otherwise ('error' event, EACCES).
   */
  readonly noNewPrivs?: boolean;
}

/** What `seccomp` accepts: a {@link SeccompConfig} or an already compiled filter (compile once, spawn many). */
export type SeccompSetting = SeccompConfig | CompiledFilter;

/** Options of {@link spawn}: those of `child_process.spawn` plus `seccomp`. */
export interface ConfinedSpawnOptions extends SpawnOptions {
  /** The filter for the child (default: `{ profile: 'runtime/default' }`). */
  readonly seccomp?: SeccompSetting;
}

/** A program ready for the launcher (see {@link prepareSpawnFilter}). */
export interface PreparedSpawnFilter {
  /** Profile source, `compiled filter`. */
  readonly source: string;
  /** The compiled filter. */
  readonly filter: CompiledFilter;
  /** The program as raw `struct sock_filter` bytes, host byte order. */
  readonly raw: Buffer;
  /** `raw` in hexadecimal, as the launcher takes it. */
  readonly hex: string;
  /** SECCOMP_FILTER_FLAG_* bits passed to seccomp(2) (never TSYNC: the launcher is single-threaded). */
  readonly flags: number;
  /** Whether no_new_privs is set in the child before installing. */
  readonly noNewPrivs: boolean;
}

/** Stage of the launcher that failed. */
export type LaunchStage = 'usage' | 'nnp' | 'seccomp';

/**
 * The child could not be confined: the command did not run. Emitted as `'error'` by
 * {@link spawn}, rejected by {@link execFile}.
 */
export class ConfinementError extends SeccompError {
  /** errno name, e.g. `EINVAL`. */
  readonly code: string;
  /** Positive errno number. */
  readonly errno: number;
  /** What failed in the launcher. */
  readonly stage: LaunchStage;
  /** The command that was not run. */
  readonly path: string;
  constructor(message: string, fields: { code: string; errno: number; stage: LaunchStage; path: string }) {
    super(message);
    this.name = 'ConfinementError';
    this.code = fields.code;
    this.errno = fields.errno;
    this.stage = fields.stage;
    this.path = fields.path;
  }
}

// --- the launcher --------------------------------------------------------------------------------

/** File name of the launcher executable in build/Release and prebuilds/<platform>-<arch>/. */
export const LAUNCHER_NAME = 'seccomp-launcher';

let launcherCache: string | undefined;
let launcherLocator: (() => string) | undefined;

function executable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Places the launcher is looked for, in order (the add-on's order: build/ first, then prebuilds/). */
export function launcherCandidates(root: string = packageRoot()): string[] {
  return [
    join(root, 'build', 'Release', LAUNCHER_NAME),
    join(root, 'build', 'Debug', LAUNCHER_NAME),
    join(root, 'prebuilds', `${process.platform}-${process.arch}`, LAUNCHER_NAME),
  ];
}

/** Inputs of {@link locateLauncher} (defaults: this process and package). */
export interface LauncherLookup {
  /** `process.platform`. */
  readonly platform?: string;
  /** Package root holding build/ and prebuilds/. */
  readonly root?: string;
  /** `$SECCOMP_EXEC_LAUNCHER`: an explicit launcher path. */
  readonly override?: string;
}

/**
 * Find the launcher without caching: `override` when given (it must be executable), else the
 * first executable of {@link launcherCandidates}.
 * @throws NativeUnavailableError when `platform` is not Linux or no launcher is found.
 */
export function locateLauncher(lookup: LauncherLookup = {}): string {
  const platform = lookup.platform ?? process.platform;
  if (platform !== 'linux') {
    throw new NativeUnavailableError(
      `seccomp-exec: confined spawn unavailable on ${platform}: seccomp filters need Linux (the compiler and toolbox still work)`,
    );
  }
  const override = lookup.override;
  if (override !== undefined && override !== '') {
    if (!executable(override)) {
      throw new NativeUnavailableError(`seccomp-exec: SECCOMP_EXEC_LAUNCHER=${override} is not an executable file`);
    }
    return override;
  }
  const candidates = launcherCandidates(lookup.root ?? packageRoot());
  const found = candidates.find(executable);
  if (found === undefined) {
    throw new NativeUnavailableError(
      `seccomp-exec: the ${LAUNCHER_NAME} executable is missing (looked in ${candidates.join(', ')}); build it with \`npm rebuild seccomp-exec\`, which needs a C compiler`,
    );
  }
  return found;
}

/**
 * Path of the `seccomp-launcher` executable, as {@link locateLauncher} finds it for this process
 * (`$SECCOMP_EXEC_LAUNCHER` first); cached after the first success.
 * @throws NativeUnavailableError when not on Linux or when no launcher is found.
 */
export function findLauncher(): string {
  if (launcherLocator) return launcherLocator();
  if (launcherCache !== undefined) return launcherCache;
  const override = process.env.SECCOMP_EXEC_LAUNCHER;
  launcherCache = locateLauncher(override !== undefined ? { override } : {});
  return launcherCache;
}

/**
 * Replace the launcher lookup (tests only): the function returns a path or throws. `undefined`
 * restores the real lookup and clears its cache.
 */
export function setLauncherLocatorForTesting(locator: (() => string) | undefined): void {
  launcherLocator = locator;
  launcherCache = undefined;
}

// --- compile cache -------------------------------------------------------------------------------

const MAX_STRING_KEYS = 256;
const byProfile = new WeakMap<Profile, Map<string, PreparedSpawnFilter>>();
const byReference = new Map<string, PreparedSpawnFilter>();
const byCompiled = new WeakMap<CompiledFilter, Map<string, PreparedSpawnFilter>>();
const actionChecked = new Set<number>();

function isCompiledFilter(s: unknown): s is CompiledFilter {
  return typeof s === 'object' && s !== null && Array.isArray((s as { program?: unknown }).program) &&
    typeof (s as { machine?: unknown }).machine === 'string';
}

function isProfileObject(p: unknown): p is Profile {
  return typeof p === 'object' && p !== null && typeof (p as { defaultAction?: unknown }).defaultAction === 'string' &&
    Array.isArray((p as { syscalls?: unknown }).syscalls);
}

const CONFIG_KEYS = new Set([
  'profile', 'capabilities', 'capAdd', 'capDrop', 'allow', 'deny', 'defaultAction', 'log', 'argWidth', 'kernel', 'noNewPrivs',
]);

function stringList(value: unknown, field: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new SeccompError(`seccomp.${field}: expected an array of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/** Validated compiler options of a {@link SeccompConfig}. */
function compileOptionsOf(config: SeccompConfig): CompileOptions {
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) throw new SeccompError(`seccomp: unknown option ${JSON.stringify(key)}`);
  }
  const capabilities = stringList(config.capabilities, 'capabilities');
  const capAdd = stringList(config.capAdd, 'capAdd');
  const capDrop = stringList(config.capDrop, 'capDrop');
  const allow = stringList(config.allow, 'allow');
  let deny: { name: string; errno?: number }[] | undefined;
  if (config.deny !== undefined) {
    if (!Array.isArray(config.deny)) throw new SeccompError(`seccomp.deny: expected an array, got ${JSON.stringify(config.deny)}`);
    deny = config.deny.map((d, i) => {
      if (typeof d === 'string') return { name: d };
      if (typeof d === 'object' && d !== null && typeof d.name === 'string') {
        if (d.errno !== undefined && (!Number.isInteger(d.errno) || d.errno < 0)) {
          throw new SeccompError(`seccomp.deny[${i}].errno: expected a non-negative integer, got ${JSON.stringify(d.errno)}`);
        }
        return d.errno === undefined ? { name: d.name } : { name: d.name, errno: d.errno };
      }
      throw new SeccompError(`seccomp.deny[${i}]: expected a syscall name or { name, errno }, got ${JSON.stringify(d)}`);
    });
  }
  for (const key of ['log', 'noNewPrivs'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'boolean') {
      throw new SeccompError(`seccomp.${key}: expected a boolean, got ${JSON.stringify(config[key])}`);
    }
  }
  if (config.defaultAction !== undefined && typeof config.defaultAction !== 'string') {
    throw new SeccompError(`seccomp.defaultAction: expected a string, got ${JSON.stringify(config.defaultAction)}`);
  }
  if (config.kernel !== undefined && typeof config.kernel !== 'string') {
    throw new SeccompError(`seccomp.kernel: expected a version string, got ${JSON.stringify(config.kernel)}`);
  }
  return {
    ...(capabilities ? { capabilities } : {}),
    ...(capAdd ? { capAdd } : {}),
    ...(capDrop ? { capDrop } : {}),
    ...(allow ? { allow } : {}),
    ...(deny ? { deny } : {}),
    ...(config.defaultAction !== undefined ? { defaultAction: config.defaultAction } : {}),
    ...(config.log !== undefined ? { log: config.log } : {}),
    ...(config.argWidth !== undefined ? { argWidth: config.argWidth } : {}),
    ...(config.kernel !== undefined ? { kernel: config.kernel } : {}),
  };
}

function remember(key: string, value: PreparedSpawnFilter): PreparedSpawnFilter {
  if (byReference.size >= MAX_STRING_KEYS) {
    const oldest = byReference.keys().next().value;
    if (oldest !== undefined) byReference.delete(oldest);
  }
  byReference.set(key, value);
  return value;
}

/**
 * Checks that the running kernel supports every action the program returns (an unknown one
 * would act as KILL_PROCESS), once per action per process. Skipped when the add-on is not
 * available (the launcher does not need it).
 */
function checkActions(filter: CompiledFilter): void {
  const pending = programReturns(filter.program).actions.filter((a) => !actionChecked.has(a));
  if (pending.length === 0) return;
  let native;
  try {
    native = loadNative();
  } catch (e) {
    if (e instanceof NativeUnavailableError) return;
    throw e;
  }
  for (const action of pending) {
    if (!native.getActionAvail(action)) {
      throw new SeccompError(
        `spawn: the running kernel does not support the action 0x${action.toString(16).padStart(8, '0')} the filter returns; nothing spawned`,
      );
    }
    actionChecked.add(action);
  }
}

function prepareCompiled(filter: CompiledFilter, source: string, noNewPrivs: boolean): PreparedSpawnFilter {
  const host = hostMachine();
  if (filter.machine !== host) {
    throw new SeccompError(`spawn: the filter was compiled for ${filter.machine}, this machine is ${host ?? 'unsupported'}; nothing spawned`);
  }
  if (filter.program.length === 0 || filter.program.length > 4096) {
    throw new SeccompError(`spawn: the filter has ${filter.program.length} instructions (the kernel takes 1 to 4096); nothing spawned`);
  }
  checkActions(filter);
  const raw = encodeProgram(filter.program);
  return {
    source,
    filter,
    raw,
    hex: raw.toString('hex'),
    flags: filter.flags >>> 0,
    noNewPrivs,
  };
}

/**
 * Compile (or fetch from the cache) the program {@link spawn} would install for `setting`.
 * Identical settings give the same object: a Profile object and options, a reference string
 * (a file reference also keyed by the file's size and modification time) and options, or a
 * CompiledFilter object.
 * @returns `unconfined` for the `unconfined` profile.
 * @throws SeccompError (bad profile, unknown syscall name, bad option, wrong machine).
 */
export function prepareSpawnFilter(setting: SeccompSetting = {}): PreparedSpawnFilter | 'unconfined' {
  if (typeof setting !== 'object' || setting === null) {
    throw new SeccompError(`seccomp: expected an options object or a compiled filter, got ${JSON.stringify(setting)}`);
  }
  if (isCompiledFilter(setting)) {
    let perFilter = byCompiled.get(setting);
    if (!perFilter) byCompiled.set(setting, (perFilter = new Map()));
    const hit = perFilter.get('nnp');
    if (hit) return hit;
    const prepared = prepareCompiled(setting, 'compiled filter', true);
    perFilter.set('nnp', prepared);
    return prepared;
  }
  const config = setting;
  const options = compileOptionsOf(config);
  const noNewPrivs = config.noNewPrivs ?? true;
  const optionsKey = JSON.stringify([options, noNewPrivs]);
  const ref = config.profile ?? 'runtime/default';

  if (typeof ref === 'string') {
    const parsed = parseProfileReference(ref);
    if (parsed.kind === 'unconfined') return 'unconfined';
    let version = '';
    if (parsed.kind === 'file') {
      const path = isAbsolute(parsed.path) ? parsed.path : resolvePath(parsed.path);
      try {
        const st = statSync(path);
        version = `${path}\0${st.size}\0${st.mtimeMs}`;
      } catch {
        version = `${path}\0missing`; // loadProfile reports the problem
      }
    } else {
      version = parsed.kind;
    }
    const key = `${version}\0${optionsKey}`;
    const hit = byReference.get(key);
    if (hit) return hit;
    const profile = loadProfile(ref);
    if (profile === 'unconfined') return 'unconfined';
    return remember(key, prepareCompiled(compile(profile, options), profile.source, noNewPrivs));
  }
  if (!isProfileObject(ref)) {
    throw new SeccompError('seccomp.profile: expected a profile reference string or a loaded Profile');
  }
  let perProfile = byProfile.get(ref);
  if (!perProfile) byProfile.set(ref, (perProfile = new Map()));
  const hit = perProfile.get(optionsKey);
  if (hit) return hit;
  const prepared = prepareCompiled(compile(ref, options), ref.source, noNewPrivs);
  perProfile.set(optionsKey, prepared);
  return prepared;
}

/** Empty every compile cache of {@link prepareSpawnFilter} (Profile- and filter-keyed entries go with their objects). */
export function clearSpawnCache(): void {
  byReference.clear();
  actionChecked.clear();
}

// --- spawn ----------------------------------------------------------------------------------------

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(osConstants.errno).map(([name, n]) => [n, name] as const),
);

function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

const STAGE_TEXT: Readonly<Record<LaunchStage, string>> = {
  usage: 'the launcher was called wrongly',
  nnp: 'prctl(PR_SET_NO_NEW_PRIVS) failed',
  seccomp: 'seccomp(SECCOMP_SET_MODE_FILTER) failed',
};

/** Turns the launcher's status line into the error the child emits, or undefined when garbled. */
function statusError(line: string, file: string, args: readonly string[]): Error {
  const m = /^(usage|nnp|seccomp|exec) (\d+)\n?$/.exec(line);
  if (!m) {
    return new ConfinementError(`spawn ${file}: the launcher reported ${JSON.stringify(line.slice(0, 80))}; the command did not run`, {
      code: 'EPROTO', errno: osConstants.errno.EPROTO, stage: 'usage', path: file,
    });
  }
  const errno = Number(m[2]);
  const code = errnoName(errno);
  if (m[1] === 'exec') {
    // The shape of child_process's own spawn errors (e.g. `spawn foo ENOENT`).
    const err = new Error(`spawn ${file} ${code}`) as NodeJS.ErrnoException & { spawnargs?: string[] };
    err.errno = -errno;
    err.code = code;
    err.syscall = `spawn ${file}`;
    err.path = file;
    err.spawnargs = [...args];
    return err;
  }
  const stage = m[1] as LaunchStage;
  return new ConfinementError(`spawn ${file}: cannot confine the child: ${STAGE_TEXT[stage]}: ${code}; the command did not run`, {
    code, errno, stage, path: file,
  });
}

function normalizeStdio(stdio: StdioOptions | undefined): Exclude<StdioOptions, string> {
  if (stdio === undefined || stdio === null) return ['pipe', 'pipe', 'pipe'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  if (!Array.isArray(stdio)) throw new TypeError(`spawn: options.stdio must be a string or an array, got ${String(stdio)}`);
  const out = [...stdio];
  while (out.length < 3) out.push(undefined);
  return out;
}

type SpawnArgs = [args: readonly string[], options: ConfinedSpawnOptions];

function splitArgs(a?: readonly string[] | ConfinedSpawnOptions, b?: ConfinedSpawnOptions): SpawnArgs {
  if (Array.isArray(a)) return [a as readonly string[], b ?? {}];
  if (a === undefined || a === null) return [[], b ?? {}];
  if (typeof a === 'object') return [[], a as ConfinedSpawnOptions];
  throw new TypeError(`spawn: args must be an array of strings, got ${typeof a}`);
}

/**
 * Start `command` confined by a seccomp filter, like `child_process.spawn`: same options
 * (stdio, cwd, env, uid/gid, detached, signal, timeout, killSignal, shell, argv0 …) and a real
 * `ChildProcess`, plus `seccomp` (default `{ profile: 'runtime/default' }`). The filter is
 * installed in the child before the command's first instruction (no_new_privs set); this
 * process is never confined.
 *
 * Events follow child_process: `'spawn'` once the command itself is running (confined), or
 * `'error'` instead: a {@link ConfinementError} when the filter could not be installed, a
 * `spawn CMD ENOENT`-style error (code `ENOENT`, `EACCES` …) when the command could not be
 * executed; the command never runs in either case and no `'exit'` is emitted ('close' is).
 * `child.stdio` holds one extra entry after yours: the launcher's status pipe.
 * @throws SeccompError synchronously, nothing started: bad profile or option, unknown syscall
 *   name, wrong machine; NativeUnavailableError when not on Linux or the launcher is missing.
 */
export function spawn(command: string, options?: ConfinedSpawnOptions): ChildProcess;
export function spawn(command: string, args?: readonly string[], options?: ConfinedSpawnOptions): ChildProcess;
export function spawn(command: string, a?: readonly string[] | ConfinedSpawnOptions, b?: ConfinedSpawnOptions): ChildProcess {
  if (typeof command !== 'string' || command === '') {
    throw new TypeError(`spawn: command must be a non-empty string, got ${JSON.stringify(command)}`);
  }
  const [args, options] = splitArgs(a, b);
  if (args.some((x) => typeof x !== 'string')) throw new TypeError('spawn: every argument must be a string');
  const { seccomp, shell, argv0, stdio, ...rest } = options;

  const prepared = prepareSpawnFilter(seccomp ?? {});
  if (prepared === 'unconfined') return cpSpawn(command, [...args], options);
  const launcher = findLauncher();

  let file = command;
  let argv = [...args];
  if (shell !== undefined && shell !== false) {
    file = typeof shell === 'string' ? shell : '/bin/sh';
    argv = ['-c', [command, ...args].join(' ')];
  }
  const arg0 = argv0 ?? file;

  const fds = normalizeStdio(stdio);
  const statusFd = fds.length;
  const launcherArgs = [
    String(statusFd), prepared.hex, String(prepared.flags), prepared.noNewPrivs ? '1' : '0', file, arg0, ...argv,
  ];
  const child = cpSpawn(launcher, launcherArgs, { ...rest, stdio: [...fds, 'pipe'] });
  if (child.pid === undefined) {
    // The launcher itself did not start: child_process reports it with its own 'error' event.
    return child;
  }
  const status = child.stdio[statusFd] as Readable | null | undefined;
  if (!status) return child;

  // Hold 'spawn' and 'exit' until the status pipe says whether the command runs.
  type Held = { event: string | symbol; args: unknown[] };
  const held: Held[] = [];
  let outcome: 'pending' | 'running' | Error = 'pending';
  const emit = child.emit.bind(child);
  child.emit = function emitConfined(this: ChildProcess, event: string | symbol, ...eventArgs: unknown[]): boolean {
    if (event === 'spawn' || event === 'exit' || event === 'close') {
      if (outcome === 'pending') {
        held.push({ event, args: eventArgs });
        return true;
      }
      // failed: 'error' replaces 'spawn' and 'exit' (child_process does the same)
      if (outcome !== 'running' && event !== 'close') return false;
    }
    return emit(event, ...eventArgs);
  } as unknown as ChildProcess['emit'];

  const chunks: Buffer[] = [];
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    const text = Buffer.concat(chunks).toString('latin1');
    outcome = text === '' ? 'running' : statusError(text, file, argv);
    if (outcome !== 'running') emit('error', outcome);
    for (const h of held.splice(0)) {
      if (outcome === 'running' || h.event === 'close') emit(h.event, ...h.args);
    }
  };
  status.on('data', (chunk: Buffer) => {
    if (chunks.length < 4) chunks.push(chunk);
  });
  status.on('end', settle);
  status.on('close', settle);
  status.on('error', () => {
    // A broken status pipe: whatever was read decides.
    settle();
  });
  return child;
}

// --- execFile --------------------------------------------------------------------------------------

/** Options of {@link execFile}: {@link spawn}'s (without stdio) plus output handling. */
export interface ConfinedExecFileOptions extends Omit<ConfinedSpawnOptions, 'stdio'> {
  /** `utf8` (default) or any Buffer encoding for strings; `buffer` for Buffers. */
  readonly encoding?: BufferEncoding | 'buffer';
  /** Largest amount of stdout or stderr kept (bytes, default 1 MiB); more kills the child. */
  readonly maxBuffer?: number;
  /** Written to the child's stdin, which is then closed (default: stdin closed at once). */
  readonly input?: string | Uint8Array;
}

/** Result of {@link execFile}: the child exited with status 0. */
export interface ConfinedExecFileResult<T extends string | Buffer = string> {
  readonly stdout: T;
  readonly stderr: T;
  /** Exit status (0). */
  readonly code: number;
  /** Always null here: a signal-terminated child rejects. */
  readonly signal: NodeJS.Signals | null;
}

/** Rejection of {@link execFile} when the child exited non-zero, was killed, or output overflowed. */
export interface ConfinedExecFileError<T extends string | Buffer = string> extends Error {
  /** Exit status, or an errno name (`ENOENT`, `ERR_CHILD_PROCESS_STDIO_MAXBUFFER`, a ConfinementError's code). */
  code?: number | string | null;
  signal?: NodeJS.Signals | null;
  /** True when this side killed the child (timeout, maxBuffer, AbortSignal). */
  killed?: boolean;
  /** The command line. */
  cmd?: string;
  stdout: T;
  stderr: T;
}

/**
 * Run `command` confined (see {@link spawn}) and collect its output, like
 * `util.promisify(child_process.execFile)`: resolves `{ stdout, stderr, code: 0, signal: null }`;
 * rejects on a non-zero exit or a signal (`Command failed: …`, with `code`, `signal`, `stdout`,
 * `stderr`), on a confinement failure ({@link ConfinementError}), a command that cannot be
 * executed (code `ENOENT`, `EACCES` …), or a bad profile / option (SeccompError).
 */
export function execFile(command: string, args?: readonly string[], options?: ConfinedExecFileOptions & { encoding?: BufferEncoding }): Promise<ConfinedExecFileResult<string>>;
export function execFile(command: string, args: readonly string[], options: ConfinedExecFileOptions & { encoding: 'buffer' }): Promise<ConfinedExecFileResult<Buffer>>;
export function execFile(
  command: string,
  args: readonly string[] = [],
  options: ConfinedExecFileOptions = {},
): Promise<ConfinedExecFileResult<string | Buffer>> {
  return new Promise((resolve, reject) => {
    const { encoding = 'utf8', maxBuffer = 1024 * 1024, input, ...spawnOptions } = options;
    let child: ChildProcess;
    try {
      child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      reject(e);
      return;
    }
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let killed = false;
    let failure: (Error & { code?: string | number | null }) | undefined;
    const decode = (parts: Buffer[]): string | Buffer => {
      const buf = Buffer.concat(parts);
      return encoding === 'buffer' ? buf : buf.toString(encoding);
    };
    const collect = (parts: Buffer[], which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const size = which === 'stdout' ? (outLen += chunk.length) : (errLen += chunk.length);
      if (size > maxBuffer) {
        const keep = chunk.subarray(0, chunk.length - (size - maxBuffer));
        if (keep.length > 0) parts.push(keep);
        if (!failure) {
          failure = Object.assign(new RangeError(`${which} maxBuffer length exceeded`), { code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' });
          killed = true;
          child.kill(spawnOptions.killSignal ?? 'SIGTERM');
        }
        return;
      }
      parts.push(chunk);
    };
    child.stdout?.on('data', collect(out, 'stdout'));
    child.stderr?.on('data', collect(errOut, 'stderr'));
    child.stdin?.on('error', () => {
      // EPIPE when the command does not read its input: the exit status tells the story.
    });
    child.stdin?.end(input);

    let launchError: Error | undefined;
    child.on('error', (e: Error) => {
      launchError = e;
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      const stdout = decode(out);
      const stderr = decode(errOut);
      const cmd = [command, ...args].join(' ');
      if (launchError) {
        // Confinement failure, command not executable, AbortSignal: the error as emitted.
        reject(Object.assign(launchError, { stdout, stderr, cmd, killed: killed || child.killed }));
        return;
      }
      if (failure || code !== 0 || signal !== null) {
        const err = (failure ?? new Error(`Command failed: ${cmd}${stderr.length > 0 ? `\n${stderr.toString()}` : ''}`)) as ConfinedExecFileError<string | Buffer>;
        if (!failure) err.code = code;
        err.signal = signal;
        err.killed = killed || child.killed;
        err.cmd = cmd;
        err.stdout = stdout;
        err.stderr = stderr;
        reject(err);
        return;
      }
      resolve({ stdout, stderr, code: 0, signal: null });
    });
  });
}
