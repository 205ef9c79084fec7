/**
 * The container path of the real-kernel tests: runs docker/test.sh (Docker daemon — its own
 * from Debian's docker.io when none answers —, local base image, image build, then the probes
 * and test/kernel.test.ts inside a container) and turns its results into tests here.
 *
 * Skipped with a reason when Docker cannot be used on this machine, except under CI
 * (`process.env.CI`), where it must run: a missing package then shows up as a failure.
 * The filters are only ever installed inside the container, never in this process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = join(ROOT, 'docker', 'test.sh');
/** Whole run measured here: cold (debootstrap, npm ci) about 2.5 minutes, warm about 40 s. */
const RUN_TIMEOUT_MS = 15 * 60_000;

/** One result line of docker/test.sh (DOCKER_TEST_RESULTS, one JSON object per line). */
interface DockerResult {
  readonly platform: string;
  readonly group: string;
  readonly status: 'ok' | 'FAIL' | 'skip';
  readonly name: string;
  readonly message: string;
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** A Docker daemon of the current environment answers (then test.sh uses it). */
function daemonAnswers(): boolean {
  if (!hasCommand('docker')) return false;
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

/** Reason the Docker tests cannot run here, or undefined. Never skipped under CI. */
function dockerSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (process.platform !== 'linux') return `seccomp needs Linux (this is ${process.platform})`;
  if (daemonAnswers()) return undefined;
  if (!hasCommand('dockerd')) {
    return 'no Docker daemon answers and docker.io is not installed (apt-get install -y --no-install-recommends docker.io debootstrap)';
  }
  if (process.getuid?.() !== 0) return 'docker/test.sh starts its own dockerd, which needs root';
  const cache = join(ROOT, '.cache', 'docker');
  const cachedBase = existsSync(cache) && readdirSync(cache).some((f) => f.startsWith('base-') && f.endsWith('.tar'));
  if (!cachedBase && !hasCommand('debootstrap')) {
    return 'the local base image needs debootstrap (apt-get install -y --no-install-recommends debootstrap)';
  }
  return undefined;
}

/** The Docker host's own platform as docker/test.sh names it, assuming a local daemon. */
const NATIVE = process.arch === 'arm64' ? 'linux/arm64' : 'linux/amd64';
const OTHER = NATIVE === 'linux/amd64' ? 'linux/arm64' : 'linux/amd64';

const skip = dockerSkipReason();

describe.skipIf(skip !== undefined)(`docker/test.sh: the kernel tests in a container${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let status: number | null = null;
  let stdout = '';
  let stderr = '';
  let results: DockerResult[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seccomp-exec-docker-test-'));
    const resultsFile = join(dir, 'results.jsonl');
    writeFileSync(resultsFile, '');
    status = await new Promise<number | null>((resolvePromise, reject) => {
      const child = spawn('bash', [SCRIPT], {
        cwd: ROOT,
        env: { ...process.env, DOCKER_TEST_RESULTS: resultsFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => {
        // test.sh stops its daemon and cleans up on SIGTERM
        child.kill('SIGTERM');
        stderr += `\n(docker.test.ts: docker/test.sh timed out after ${RUN_TIMEOUT_MS / 1000} s)\n`;
      }, RUN_TIMEOUT_MS);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise(code);
      });
    });
    results = readFileSync(resultsFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as DockerResult);
    writeFileSync(join(dir, 'output.log'), `${stdout}\n--- stderr ---\n${stderr}`);
  }, RUN_TIMEOUT_MS + 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The failures of one group, as readable lines; the group must have produced results. */
  function failuresOf(platform: string, group: string): string[] {
    const rows = results.filter((r) => r.platform === platform && r.group === group);
    expect(rows.length, `no ${group} results for ${platform}; stderr:\n${stderr.slice(-2000)}`).toBeGreaterThan(0);
    return rows.filter((r) => r.status !== 'ok').map((r) => `${r.status} ${r.name}: ${r.message}`);
  }

  it('setup: Docker daemon, local base image and image build succeed', () => {
    expect(failuresOf('setup', 'setup'), stderr.slice(-3000)).toEqual([]);
    expect(results.some((r) => r.group === 'setup' && r.name === 'build' && r.status === 'ok')).toBe(true);
  });

  it(`${NATIVE}: baseline — no seccomp filter on the container, every probe reaches the kernel unconfined`, () => {
    expect(failuresOf(NATIVE, 'baseline')).toEqual([]);
    expect(results.some((r) => r.platform === NATIVE && r.group === 'baseline' && r.name === 'reboot' && r.message === 'EINVAL')).toBe(true);
  });

  it(`${NATIVE}: control — with Docker's own seccomp profile and capabilities mount, reboot and unshare are already EPERM`, () => {
    expect(failuresOf(NATIVE, 'docker-defaults')).toEqual([]);
  });

  it(`${NATIVE}: under runtime/default mount, umount2, reboot, unshare, clone(NEWNS), bpf, open_by_handle_at give EPERM, clone3 ENOSYS, and Node runs`, () => {
    expect(failuresOf(NATIVE, 'runtime-default')).toEqual([]);
    const got = new Map(results.filter((r) => r.platform === NATIVE && r.group === 'runtime-default').map((r) => [r.name, r.message]));
    for (const name of ['mount', 'umount2', 'reboot', 'unshare', 'clone-newns', 'bpf', 'open_by_handle_at']) {
      expect(`${name} ${got.get(name)}`).toBe(`${name} EPERM`);
    }
    expect(got.get('clone3')).toBe('ENOSYS');
    expect(got.get('node runs under runtime/default')).toMatch(/^node (x64|arm64) ok$/);
  });

  it(`${NATIVE}: --cap-add CAP_SYS_ADMIN lets unshare and mount reach the kernel`, () => {
    expect(failuresOf(NATIVE, 'cap-sys-admin')).toEqual([]);
  });

  it(`${NATIVE}: --cap-add CAP_SYS_BOOT lets reboot reach the kernel`, () => {
    expect(failuresOf(NATIVE, 'cap-sys-boot')).toEqual([]);
  });

  it(`${NATIVE}: test/kernel.test.ts passes inside the container, every test run`, () => {
    expect(failuresOf(NATIVE, 'kernel.test.ts')).toEqual([]);
    const passed = results.filter((r) => r.platform === NATIVE && r.group === 'kernel.test.ts' && r.status === 'ok');
    expect(passed.length).toBeGreaterThanOrEqual(5);
  });

  it(`${OTHER} is reported as not testable here (qemu-user answers seccomp() with ENOSYS)`, () => {
    const row = results.find((r) => r.platform === OTHER);
    expect(row?.status).toBe('skip');
    expect(row?.message).toMatch(/qemu-user.*ENOSYS/);
    if (OTHER === 'linux/arm64') expect(row?.message).toContain('npm run test:arm64');
  });

  it('docker/test.sh exits 0 with its closing count line', () => {
    expect(stdout).toMatch(/^docker-test: \d+ passed, 0 failed, \d+ skipped$/m);
    expect(status, stderr.slice(-2000)).toBe(0);
  });
});
