/**
 * Real-kernel tests: the C probe (test/probe/probe.c) performs one harmless system call and
 * prints the errno; the BUILT `seccomp-exec` CLI runs it confined. As root with every
 * capability, the unconfined results prove the capability is held (EPERM there would mean it
 * is not), so an EPERM under the filter is the filter's doing.
 *
 * Filters are only installed in the spawned children, never in this test process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delimiter } from 'node:path';
import { readFileSync } from 'node:fs';
import { haveCommand, kernelSkipReason, runExec, runExecAsync, runPlain, type CliResult } from './helpers/cli.js';
import { buildProbe, parseProbeLines, removeProbe } from './helpers/probe.js';

const skip = kernelSkipReason();

/** Expected probe results (shared with docker/check.mjs): unconfined as root, and under runtime/default. */
const EXPECTED = JSON.parse(readFileSync(new URL('./probe/expected.json', import.meta.url), 'utf8')) as {
  unconfined: Record<string, string>;
  machineDependent: string[];
  'runtime-default': Record<string, string>;
};
/** What each probe gives unconfined, as root with every capability, on this kernel. */
const ROOT_RESULTS: Readonly<Record<string, string>> = EXPECTED.unconfined;
/** Probes whose unconfined result depends on the machine (file system, vsock module). */
const MACHINE_DEPENDENT: readonly string[] = EXPECTED.machineDependent;
/** Under runtime/default with the container default capabilities. */
const RUNTIME_DEFAULT: Readonly<Record<string, string>> = EXPECTED['runtime-default'];

describe.skipIf(skip !== undefined)(`seccomp-exec on the real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let probe: string;
  let env: NodeJS.ProcessEnv;
  /** Unconfined results of every probe (`probe --all` run directly). */
  let baseline: Map<string, string>;

  /** Raw runs of `seccomp-exec OPTIONS -- probe --all` under several option sets. */
  const rawRuns: Record<string, CliResult> = {};
  /** The probe results of one option set; the run must have succeeded without a word on stderr. */
  const runs = new Proxy({} as Record<string, Map<string, string>>, {
    get(_target, config: string) {
      const r = rawRuns[config];
      if (!r) throw new Error(`no run for ${config}`);
      expect(r.stderr, `seccomp-exec ${configs[config]!.join(' ')}`).toBe('');
      expect(r.status).toBe(0);
      return parseProbeLines(r.stdout);
    },
  });
  const configs: Record<string, readonly string[]> = {
    default: [],
    sysAdmin: ['--cap-add', 'CAP_SYS_ADMIN'],
    sysAdminBare: ['--cap-add', 'SYS_ADMIN'],
    sysBoot: ['--cap-add', 'CAP_SYS_BOOT'],
    dacReadSearch: ['--cap-add', 'CAP_DAC_READ_SEARCH'],
    unconfined: ['--profile', 'unconfined'],
    wide: ['--arg-width', '64'],
  };

  beforeAll(async () => {
    const built = buildProbe();
    probe = built.path;
    // The probe is found through PATH, as `seccomp-exec -- probe NAME` is documented.
    env = { ...process.env, PATH: `${built.dir}${delimiter}${process.env.PATH ?? '/usr/bin:/bin'}` };
    const plain = runPlain(probe, ['--all']);
    expect(plain.status).toBe(0);
    baseline = parseProbeLines(plain.stdout);
    const entries = Object.entries(configs);
    const results = await Promise.all(
      entries.map(([, opts]) => runExecAsync([...opts, '--', 'probe', '--all'], { env })),
    );
    entries.forEach(([name], i) => {
      rawRuns[name] = results[i]!;
    });
  });
  afterAll(() => removeProbe());

  it('unconfined, every probe gives the root result (the capabilities are held)', () => {
    for (const [name, expected] of Object.entries(ROOT_RESULTS)) {
      expect(`${name} ${baseline.get(name)}`).toBe(`${name} ${expected}`);
    }
    for (const name of MACHINE_DEPENDENT) {
      const got = baseline.get(name);
      expect(got, name).toBeDefined();
      expect(got, name).not.toBe('EPERM');
    }
    // the wide family is truncated to int by the kernel: exactly AF_VSOCK
    expect(baseline.get('socket-vsock-wide')).toBe(baseline.get('socket-vsock'));
  });

  it('without the capabilities the same probes give EPERM (they are capability-sensitive)', () => {
    if (!haveCommand('setpriv')) return; // util-linux setpriv not installed: nothing more to show
    const r = runPlain('setpriv', ['--bounding-set', '-all', '--inh-caps', '-all', probe, '--all']);
    expect(r.status).toBe(0);
    const nocap = parseProbeLines(r.stdout);
    for (const name of ['mount-remount', 'umount2', 'reboot', 'unshare', 'clone-newns']) {
      expect(`${name} ${nocap.get(name)}`).toBe(`${name} EPERM`);
    }
  });

  it('under runtime/default: mount, umount2, reboot, unshare, clone(NEWNS), bpf, setns, open_by_handle_at EPERM; clone3 ENOSYS', () => {
    const got = runs.default!;
    for (const [name, expected] of Object.entries(RUNTIME_DEFAULT)) {
      expect(`${name} ${got.get(name)}`).toBe(`${name} ${expected}`);
    }
  });

  it('under runtime/default name_to_handle_at and personality(0xffffffff) reach the kernel', () => {
    const got = runs.default!;
    expect(got.get('name_to_handle_at')).toBe(baseline.get('name_to_handle_at'));
    expect(got.get('name_to_handle_at')).not.toBe('EPERM');
    expect(got.get('personality')).toBe('OK');
  });

  it('`seccomp-exec -- probe NAME` prints the single errno', () => {
    const r = runExec(['--', 'probe', 'reboot'], { env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('EPERM\n');
    const u = runExec(['--profile', 'unconfined', '--', 'probe', 'reboot'], { env });
    expect(u.stdout).toBe('EINVAL\n');
  });

  it('--cap-add CAP_SYS_ADMIN lets unshare, mount and the other CAP_SYS_ADMIN calls reach the kernel', () => {
    for (const config of ['sysAdmin', 'sysAdminBare'] as const) {
      const got = runs[config]!;
      for (const name of ['unshare', 'mount', 'mount-remount', 'umount2', 'clone-newns', 'setns', 'clone3', 'bpf']) {
        expect(`${config} ${name} ${got.get(name)}`).toBe(`${config} ${name} ${baseline.get(name)}`);
      }
      // still denied: not CAP_SYS_ADMIN's
      expect(got.get('reboot')).toBe('EPERM');
      expect(got.get('open_by_handle_at')).toBe('EPERM');
    }
  });

  it('--cap-add CAP_SYS_BOOT lets reboot reach the kernel (EINVAL for the bad magic)', () => {
    const got = runs.sysBoot!;
    expect(got.get('reboot')).toBe('EINVAL');
    expect(got.get('mount')).toBe('EPERM');
  });

  it('--cap-add CAP_DAC_READ_SEARCH lets open_by_handle_at reach the kernel', () => {
    expect(runs.dacReadSearch!.get('open_by_handle_at')).toBe('EBADF');
  });

  it('--profile unconfined changes nothing', () => {
    expect([...runs.unconfined!.entries()]).toEqual([...baseline.entries()]);
  });

  it('socket(0x1_0000_0028): denied with 32-bit compares, passes the rule with --arg-width 64 (as runc)', () => {
    expect(runs.default!.get('socket-vsock-wide')).toBe('EPERM');
    const wide = runs.wide!;
    expect(wide.get('socket-vsock-wide')).toBe(baseline.get('socket-vsock-wide'));
    expect(wide.get('socket-vsock-wide')).not.toBe('EPERM');
    // the plain family stays denied either way
    expect(wide.get('socket-vsock')).toBe('EPERM');
  });

  it('--deny NAME:ERRNO and --allow change single calls on top of the profile', async () => {
    const r: CliResult = await runExecAsync(
      ['--deny', 'getpid:EACCES', '--allow', 'reboot', '--deny', 'socket:97', '--', 'probe', 'getpid', 'reboot', 'socket-inet'],
      { env },
    );
    expect(r.stderr).toBe('');
    expect(parseProbeLines(r.stdout)).toEqual(
      new Map([
        ['getpid', 'EACCES'],
        ['reboot', 'EINVAL'],
        ['socket-inet', 'EAFNOSUPPORT'],
      ]),
    );
  });

  it('--allow-new-privs works with CAP_SYS_ADMIN and leaves NoNewPrivs 0', () => {
    const r = runExec(['--allow-new-privs', '--', 'grep', '-E', '^(NoNewPrivs|Seccomp):', '/proc/self/status']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^NoNewPrivs:\s+0$/m);
    expect(r.stdout).toMatch(/^Seccomp:\s+2$/m);
  });

  it('--allow-new-privs without CAP_SYS_ADMIN is refused with one line, and the command does not run', () => {
    if (!haveCommand('setpriv')) return;
    const r = runPlain('setpriv', [
      '--bounding-set', '-all', '--inh-caps', '-all',
      process.execPath, 'dist/cli/seccomp-exec.js', '--allow-new-privs', '--', 'sh', '-c', 'echo RAN',
    ]);
    expect(r.stdout).toBe('');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^seccomp-exec: .*--allow-new-privs.*CAP_SYS_ADMIN/);
  });
});
