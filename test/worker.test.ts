/**
 * Worker threads on the real kernel: confinedWorker() and apply({ threads: 'current' }).
 * Every scenario runs in its own `node` child (test/fixtures/spawn-worker-main.mjs, using the
 * BUILT dist/): no filter is ever installed in the test runner.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'test', 'fixtures', 'spawn-worker-main.mjs');
const DIST = join(ROOT, 'dist', 'worker.js');
const ADDON = join(ROOT, 'build', 'Release', 'seccomp_exec.node');

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return `seccomp needs Linux (this is ${process.platform})`;
  if (!existsSync(DIST)) return `${DIST} is missing: run \`npm run build\` first`;
  if (!existsSync(ADDON) && !existsSync(join(ROOT, 'prebuilds'))) return 'the native add-on is not built';
  return undefined;
}
const skip = skipReason();

interface Outcome {
  message?: Record<string, unknown>;
  error?: string;
  exit?: number;
}
interface ScenarioResult {
  scenario: string;
  worker?: Outcome;
  sibling?: Outcome;
  mainMkdir?: string;
  mainThreadMode?: number;
  processMode?: number;
  userRan?: boolean;
  thrown?: string;
  started?: boolean;
}

let scratch: string;

let runs = 0;

function run(scenario: string): { result: ScenarioResult; dir: string } {
  const dir = join(scratch, `${scenario}-${runs++}`);
  mkdirSync(dir);
  const r = spawnSync(process.execPath, [MAIN, scenario, dir], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return { result: JSON.parse(r.stdout) as ScenarioResult, dir };
}

describe.skipIf(skip !== undefined)(`worker threads on the real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'seccomp-worker-'));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('confinedWorker confines its thread before user code runs; the main thread and a sibling worker are untouched', () => {
    const { result, dir } = run('confined');
    expect(result.worker?.error).toBeUndefined();
    const msg = result.worker?.message;
    expect(msg?.mode).toBe(2); // the user module already runs under the filter
    expect(msg?.syncMkdir).toBe('EPERM');
    expect(existsSync(join(dir, 'worker-sync'))).toBe(false);
    expect(msg?.echo).toBe('data passes'); // workerData passes through unchanged
    expect(result.mainMkdir).toBe('ok');
    expect(existsSync(join(dir, 'main'))).toBe(true);
    expect(result.mainThreadMode).toBe(0);
    expect(result.processMode).toBe(0);
    expect(result.sibling?.message).toEqual({ mode: 0, mkdir: 'ok' });
  });

  it('does not cover libuv\'s thread pool: an asynchronous mkdir in the confined worker succeeds', () => {
    const { result, dir } = run('confined');
    expect(result.worker?.message?.asyncMkdir).toBe('ok');
    expect(existsSync(join(dir, 'worker-async'))).toBe(true);
  });

  it("apply(profile, { threads: 'current' }) inside a plain Worker confines only that thread", () => {
    const { result, dir } = run('apply-current');
    expect(result.worker?.message).toMatchObject({ threads: 'current', mode: 2, mkdir: 'EPERM' });
    expect(result.worker?.message?.flagNames).not.toContain('TSYNC');
    expect(existsSync(join(dir, 'applied'))).toBe(false);
    expect(result.mainMkdir).toBe('ok');
    expect(result.mainThreadMode).toBe(0);
  });

  it('a filter the kernel refuses makes the worker emit an error; the user module never runs', () => {
    const { result } = run('install-fails');
    expect(result.worker?.error).toMatch(/seccomp\(SECCOMP_SET_MODE_FILTER\) failed: EINVAL/);
    expect(result.userRan).toBe(false);
    expect(result.mainThreadMode).toBe(0);
  });

  it('an add-on that cannot be loaded in the worker is an error naming the cause; the user module never runs', () => {
    const { result } = run('loader-fails');
    expect(result.worker?.error).toMatch(/^NativeUnavailableError: .*native add-on unavailable: cannot load SECCOMP_EXEC_NATIVE_PATH=/);
    expect(result.userRan).toBe(false);
  });

  it('a bad profile throws synchronously and starts nothing', () => {
    const { result } = run('bad-profile');
    expect(result.started).toBeUndefined();
    expect(result.thrown).toMatch(/^SeccompError: cannot read profile ".*no-such-profile\.json": ENOENT/);
  });

  it('an unknown syscall name in deny throws synchronously and starts nothing', () => {
    const { result } = run('unknown-syscall');
    expect(result.started).toBeUndefined();
    expect(result.thrown).toMatch(/^SeccompError: .*unknown syscall name "no_such_syscall"/);
  });
});
