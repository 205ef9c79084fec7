/**
 * The BUILT `seccomp-exec` CLI (dist/cli/seccomp-exec.js) end to end: real programs under
 * runtime/default, what the kernel reports for the confined process, exit status, signals and
 * PID passing through, and one-line errors. Every filter is installed in a spawned child.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, cliSkipReason, runExec, runPlain } from './helpers/cli.js';
import { ROOT } from './helpers/probe.js';

const skip = cliSkipReason();

/** Expect a failure reported as exactly one `seccomp-exec: …` line on stderr and nothing on stdout. */
function expectOneLineError(r: { status: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.stdout).toBe('');
  expect(r.status).not.toBe(0);
  expect(r.status).not.toBeNull();
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^seccomp-exec: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
}

function statusField(text: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
}

describe.skipIf(skip !== undefined)(`seccomp-exec CLI${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'seccomp-exec-cli-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  describe('real programs under runtime/default', () => {
    it('sh -c with a pipeline', () => {
      const r = runExec(['--', 'sh', '-c', 'echo hello | tr a-z A-Z']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('HELLO\n');
    });

    it('ls', () => {
      const r = runExec(['--', 'ls', '-a', ROOT]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n')).toContain('package.json');
    });

    it('node with worker threads, fs, child_process and a loopback TCP server', () => {
      const source = readFileSync(join(ROOT, 'test', 'helpers', 'workload.mjs'), 'utf8');
      const r = runExec(['--', process.execPath, '--input-type=module', '-e', source], {
        env: { ...process.env, WORKLOAD_TMP: tmp },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({
        worker: 5050,
        fs: 'written and read back',
        child: 'child says hi',
        tcp: 'echo: ping',
      });
    });

    it('the child sees Seccomp: 2, one filter more than its parent, and NoNewPrivs: 1', () => {
      const plain = runPlain('cat', ['/proc/self/status']);
      const before = Number(statusField(plain.stdout, 'Seccomp_filters') ?? '0');
      const r = runExec(['--', 'cat', '/proc/self/status']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(statusField(r.stdout, 'Seccomp')).toBe('2');
      expect(statusField(r.stdout, 'NoNewPrivs')).toBe('1');
      expect(Number(statusField(r.stdout, 'Seccomp_filters'))).toBe(before + 1);
      if (before === 0) expect(statusField(r.stdout, 'Seccomp_filters')).toBe('1');
    });

    it('--profile unconfined installs nothing and leaves no_new_privs alone', () => {
      const plain = runPlain('cat', ['/proc/self/status']);
      const r = runExec(['--profile', 'unconfined', '--', 'cat', '/proc/self/status']);
      expect(r.status).toBe(0);
      for (const f of ['Seccomp', 'Seccomp_filters', 'NoNewPrivs']) {
        expect(statusField(r.stdout, f)).toBe(statusField(plain.stdout, f));
      }
    });

    it('a blocked call fails with EPERM inside the command (unshare -U fails, the command goes on)', () => {
      const r = runExec(['--', 'sh', '-c', 'unshare -U true 2>/dev/null; echo "unshare=$?"']);
      expect(r.stdout).toMatch(/^unshare=[1-9]/);
    });
  });

  describe('the command keeps the process', () => {
    it('exit status passes through', () => {
      expect(runExec(['--', 'sh', '-c', 'exit 42']).status).toBe(42);
      expect(runExec(['--', 'false']).status).toBe(1);
    });

    it('a signal passes through (kill -TERM: killed by SIGTERM, 143 in a shell)', () => {
      const r = runExec(['--', 'sh', '-c', 'kill -TERM $$']);
      expect(r.signal).toBe('SIGTERM');
      expect(r.status).toBeNull();
      const viaShell = runPlain('sh', [
        '-c',
        `"$0" "$1" -- sh -c 'kill -TERM $$'; echo "status=$?"`,
        process.execPath,
        CLI,
      ]);
      expect(viaShell.stdout).toBe('status=143\n');
    });

    it('the PID is kept: $$ in the command equals the pid spawn saw', () => {
      const r = runExec(['--', 'sh', '-c', 'echo $$']);
      expect(r.status).toBe(0);
      expect(Number(r.stdout.trim())).toBe(r.pid);
    });

    it('argv[0], arguments with spaces, stdin and the environment pass through', () => {
      const r = runExec(['--', 'sh', '-c', 'printf "%s|" "$0" "$1" "$SECCOMP_EXEC_TEST_VAR"; cat', 'zero', 'one two'], {
        env: { ...process.env, SECCOMP_EXEC_TEST_VAR: 'v a l' },
        input: 'from stdin',
      });
      expect(r.stdout).toBe('zero|one two|v a l|from stdin');
    });

    it('SIGPIPE is back to its default: `yes | head -1` ends quietly', () => {
      const r = runPlain('sh', ['-c', `"$0" "$1" -- yes | head -1`, process.execPath, CLI]);
      expect(r.stdout).toBe('y\n');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    it('options after CMD belong to CMD', () => {
      const r = runExec(['echo', '--profile', 'x', '--verbose']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('--profile x --verbose\n');
    });
  });

  describe('errors: one clear line, non-zero exit, the command not run', () => {
    it('command not found → 127', () => {
      const r = runExec(['--', 'no-such-command-seccomp-exec']);
      expectOneLineError(r, /^seccomp-exec: no-such-command-seccomp-exec: command not found$/);
      expect(r.status).toBe(127);
      const p = runExec(['--', join(tmp, 'missing')]);
      expectOneLineError(p, /No such file or directory/);
      expect(p.status).toBe(127);
    });

    it('not executable → 126', () => {
      const file = join(tmp, 'not-executable');
      writeFileSync(file, '#!/bin/sh\necho RAN\n');
      chmodSync(file, 0o644);
      const r = runExec(['--', file]);
      expectOneLineError(r, /not-executable: Permission denied$/);
      expect(r.status).toBe(126);
      const d = runExec(['--', tmp]);
      expectOneLineError(d, /Is a directory/);
      expect(d.status).toBe(126);
    });

    it('an executable script runs', () => {
      const file = join(tmp, 'script');
      writeFileSync(file, '#!/bin/sh\necho RAN "$@"\n');
      chmodSync(file, 0o755);
      const r = runExec(['--', file, 'x']);
      expect(r.stdout).toBe('RAN x\n');
      expect(r.status).toBe(0);
    });

    it('an executable file without #! is run by /bin/sh (as execvp), under the filter', () => {
      const file = join(tmp, 'no-shebang');
      writeFileSync(file, 'echo "no shebang $1"; grep -E "^Seccomp_filters" /proc/self/status\n');
      chmodSync(file, 0o755);
      const base = Number(statusField(runPlain('cat', ['/proc/self/status']).stdout, 'Seccomp_filters') ?? '0');
      const r = runExec(['--', file, 'arg']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^no shebang arg\nSeccomp_filters:\s+(\d+)\n$/);
      expect(Number(/(\d+)\n$/.exec(r.stdout)![1])).toBe(base + 1);
    });

    it('bad profile path', () => {
      const r = runExec(['--profile', join(tmp, 'nope.json'), '--', 'sh', '-c', 'echo RAN']);
      expectOneLineError(r, /nope\.json/);
    });

    it('invalid JSON in a profile names the file and position', () => {
      const file = join(tmp, 'broken.json');
      writeFileSync(file, '{"defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [ }\n');
      const r = runExec(['--profile', file, '--', 'sh', '-c', 'echo RAN']);
      expectOneLineError(r, /broken\.json/);
      const lp = runExec(['--profile', `localhost/${file}`, '--', 'sh', '-c', 'echo RAN']);
      expectOneLineError(lp, /broken\.json/);
    });

    it('no usable native add-on: fails closed with one line, exit 125', () => {
      const r = runExec(['--', 'sh', '-c', 'echo RAN'], {
        env: { ...process.env, SECCOMP_EXEC_NATIVE_PATH: join(tmp, 'missing.node') },
      });
      expectOneLineError(r, /^seccomp-exec: native add-on unavailable/);
      expect(r.status).toBe(125);
    });

    it('unknown option → exit 2', () => {
      const r = runExec(['--no-such-option', 'true']);
      expectOneLineError(r, /unknown option '--no-such-option'/);
      expect(r.status).toBe(2);
    });

    it('missing command → exit 2', () => {
      const r = runExec([]);
      expectOneLineError(r, /missing command/);
      expect(r.status).toBe(2);
      expect(runExec(['--profile', 'unconfined', '--']).status).toBe(2);
    });

    it('unknown syscall names on the command line are errors', () => {
      const r = runExec(['--allow', 'nosuchcall', '--', 'sh', '-c', 'echo RAN']);
      expectOneLineError(r, /nosuchcall/);
      const d = runExec(['--deny', 'nosuchcall:EPERM', '--', 'sh', '-c', 'echo RAN']);
      expectOneLineError(d, /nosuchcall/);
    });

    it('bad option values: errno, capability, kernel, arg width, default action, print format', () => {
      expectOneLineError(runExec(['--deny', 'mount:EFOO', '--', 'true']), /EFOO/);
      expectOneLineError(runExec(['--cap-add', 'CAP_NOPE', '--', 'true']), /CAP_NOPE/);
      expectOneLineError(runExec(['--kernel', 'five', '--', 'true']), /five/);
      expectOneLineError(runExec(['--arg-width', '48', '--', 'true']), /48/);
      expectOneLineError(runExec(['--default-action', 'explode', '--', 'true']), /explode/);
      expectOneLineError(runExec(['--print=pdf', '--', 'true']), /pdf/);
      for (const args of [
        ['--deny', 'mount:EFOO', '--', 'true'],
        ['--cap-add', 'CAP_NOPE', '--', 'true'],
        ['--arg-width', '48', '--', 'true'],
        ['--default-action', 'explode', '--', 'true'],
      ]) {
        expect(runExec(args).status).toBe(2);
      }
    });
  });

  describe('--print and --verbose', () => {
    it('--print shows the disassembly and does not run the command', () => {
      const r = runExec(['--print', '--', 'sh', '-c', 'echo RAN >&2']);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).not.toContain('RAN');
      expect(r.stdout.split('\n').length).toBeGreaterThan(20);
      expect(r.stdout).toMatch(/ret/i);
    });

    it('--print needs no command; --print raw is 8 bytes per instruction of --print json', () => {
      const raw = spawnSync(process.execPath, [CLI, '--print', 'raw']);
      expect(raw.status).toBe(0);
      const json = runExec(['--print', 'json']);
      expect(json.status).toBe(0);
      const doc = JSON.parse(json.stdout) as { instructions: { code: number; k: number }[] };
      expect(doc.instructions.length).toBeGreaterThan(20);
      expect(raw.stdout.length).toBe(8 * doc.instructions.length);
      expect(raw.stdout.readUInt16LE(0)).toBe(doc.instructions[0]!.code);
      expect(raw.stdout.readUInt32LE(4)).toBe(doc.instructions[0]!.k);
    });

    it('--print c emits a sock_filter array', () => {
      const r = runExec(['--print', 'c']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/struct sock_filter \w+\[\] = \{/);
    });

    it('--allow changes the compiled program', () => {
      const a = runExec(['--print', 'json']);
      const b = runExec(['--print', 'json', '--allow', 'reboot']);
      expect(a.status).toBe(0);
      expect(b.status).toBe(0);
      expect(b.stdout).not.toBe(a.stdout);
    });

    it('--verbose describes the profile, arches, instruction count and flags on stderr', () => {
      const r = runExec(['--verbose', '--log', '--', 'true']);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^seccomp-exec: profile runtime\/default$/m);
      expect(r.stderr).toMatch(/arches .*x86_64/);
      expect(r.stderr).toMatch(/\d+ instructions, flags TSYNC\|LOG\b[A-Z_|]*, no_new_privs on/);
    });

    it('--verbose lists names a profile file uses that no table knows (skipped, as runc does)', () => {
      const base = JSON.parse(
        readFileSync(join(ROOT, 'src', 'profile', 'data', 'containerd-default.json'), 'utf8'),
      ) as { syscalls: { names: string[] }[] };
      base.syscalls[0]!.names.push('no_such_syscall_xyz');
      const file = join(tmp, 'unknown-name.json');
      writeFileSync(file, JSON.stringify(base));
      const r = runExec(['--verbose', '--profile', file, '--', 'true']);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^seccomp-exec: warning: no_such_syscall_xyz: .*skipped/m);
      const quiet = runExec(['--profile', file, '--', 'true']);
      expect(quiet.stderr).toBe('');
      expect(quiet.status).toBe(0);
    });
  });

  it('a permissive profile (defaultAction ALLOW) denying one call leaves every other call alone', () => {
    const file = join(tmp, 'allow-default.json');
    writeFileSync(
      file,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['reboot'], action: 'SCMP_ACT_ERRNO' }],
      }),
    );
    const r = runExec(['--profile', file, '--', 'sh', '-c', 'ls / >/dev/null && echo fine']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('fine\n');
  });

  it('SECCOMP_EXEC_TIMING=1 prints one timing line', () => {
    const r = runExec(['--', 'true'], { env: { ...process.env, SECCOMP_EXEC_TIMING: '1' } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /^seccomp-exec: timing startup=[\d.]+ms modules=[\d.]+ms profile=[\d.]+ms compile=[\d.]+ms lookup=[\d.]+ms native=[\d.]+ms exec-at=[\d.]+ origin=[\d.]+\n$/,
    );
  });
});
