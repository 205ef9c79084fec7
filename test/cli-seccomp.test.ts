// The `seccomp` toolbox CLI, run as a real process from dist/ (npm test builds first).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../src/compiler/index.js';
import { defaultProfile } from '../src/profile/default.js';
import { parseProfile } from '../src/profile/load.js';
import { toRaw, fromRaw } from '../src/bpf/format.js';

const CLI = fileURLToPath(new URL('../dist/cli/seccomp.js', import.meta.url));
const SHARED = fileURLToPath(new URL('../../shared/profiles/', import.meta.url));

function seccomp(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'buffer' });
  return { status: r.status, stdout: r.stdout, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe('seccomp compile', () => {
  it('raw output is the sock_filter array of the compiled program, for both machines', () => {
    for (const machine of ['x86_64', 'aarch64'] as const) {
      const r = seccomp('compile', '--profile', 'runtime/default', '--arch', machine, '--kernel', '6.8', '--format', 'raw');
      expect(r.status).toBe(0);
      const want = toRaw(compile(defaultProfile(), { machine, kernel: '6.8' }).program);
      expect(Buffer.compare(r.stdout, want)).toBe(0);
      expect(r.stdout.length % 8).toBe(0);
    }
  });
  it('writes to -o FILE, and --cap-add changes the program', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seccomp-cli-'));
    const a = join(dir, 'a.bpf');
    const b = join(dir, 'b.bpf');
    expect(seccomp('compile', '-f', 'raw', '--kernel', '6.8', '-o', a).status).toBe(0);
    expect(seccomp('compile', '-f', 'raw', '--kernel', '6.8', '--cap-add', 'SYS_ADMIN', '-o', b).status).toBe(0);
    expect(fromRaw(readFileSync(a)).length).toBeGreaterThan(100);
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).not.toBe(0);
    const dis = seccomp('disasm', a);
    expect(dis.status).toBe(0);
    expect(dis.out).toMatch(/AUDIT_ARCH_X86_64/);
  });
  it('json and c formats', () => {
    const j = seccomp('compile', '-f', 'json', '--arch', 'aarch64');
    expect(j.status).toBe(0);
    expect(JSON.parse(j.out).instructions.length).toBeGreaterThan(100);
    const c = seccomp('compile', '-f', 'c');
    expect(c.status).toBe(0);
    expect(c.out).toMatch(/struct sock_filter/);
  });
  it('compiles the shared profiles', () => {
    for (const f of ['moby-default.json', 'podman-seccomp.json']) {
      expect(seccomp('compile', '--profile', `localhost/${SHARED}${f}`, '-f', 'raw').status).toBe(0);
    }
  });
});

describe('seccomp check / syscalls', () => {
  it('prints the action, errno and deciding rule', () => {
    const r = seccomp('check', '--kernel', '6.8', 'mount');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^x86_64 mount \(165\): ERRNO\(1\) errno 1 \(EPERM\)\n  decided by: defaultAction/);
    const a = seccomp('check', '--kernel', '6.8', '--cap-add', 'CAP_SYS_ADMIN', '--arch', 'aarch64', 'mount');
    expect(a.out).toMatch(/^aarch64 mount \(40\): ALLOW\n  decided by: runtime\/default:syscalls\[\d+\]/);
    const c = seccomp('check', '--kernel', '6.8', 'clone3');
    expect(c.out).toMatch(/ERRNO\(38\) errno 38 \(ENOSYS\)/);
    const p = seccomp('check', '--kernel', '6.8', 'personality', '0xffffffff');
    expect(p.out).toMatch(/ALLOW/);
  });
  it('lists syscalls with their action', () => {
    const r = seccomp('syscalls', '--arch', 'x86_64', '--profile', 'runtime/default', '--kernel', '6.8');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^0\tread\tALLOW$/m);
    expect(r.out).toMatch(/^165\tmount\tERRNO\(1\)$/m);
    expect(r.out).toMatch(/^56\tclone\tdepends on arguments/m);
    const plain = seccomp('syscalls', '--arch', 'arm');
    expect(plain.out).toMatch(/^983042\tcacheflush$/m);
  });
});

describe('seccomp profile export', () => {
  it('exports runtime/default as plain OCI JSON that loads and compiles to the same program', () => {
    const r = seccomp('profile', 'export', 'runtime/default', '--kernel', '6.8');
    expect(r.status).toBe(0);
    const exported = parseProfile(r.out, 'exported.json');
    expect(exported.archMap.length).toBe(0);
    expect(exported.syscalls.every((s) => s.includes.caps.length === 0 && s.excludes.caps.length === 0)).toBe(true);
    for (const machine of ['x86_64', 'aarch64'] as const) {
      const a = compile(exported, { machine, kernel: '6.8' });
      const b = compile(defaultProfile(), { machine, kernel: '6.8' });
      expect(Buffer.compare(toRaw(a.program), toRaw(b.program))).toBe(0);
    }
  });
  it('docker format keeps the conditions', () => {
    const r = seccomp('profile', 'export', '--format', 'docker');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/"includes"/);
  });
});

describe('bad input: one line, non-zero exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-bad-'));
  const cases: [string, string[], RegExp, number][] = [
    ['missing file', ['compile', '--profile', join(dir, 'nope.json')], /^seccomp: cannot read profile ".*nope.json": ENOENT/, 125],
    ['invalid JSON', ['compile', '--profile', (writeFileSync(join(dir, 'bad.json'), '{"defaultAction":\n  "SCMP_ACT_ALLOW",,}'), join(dir, 'bad.json'))], /^seccomp: .*bad.json:2:20: invalid JSON/, 125],
    ['unknown action', ['compile', '--profile', (writeFileSync(join(dir, 'act.json'), '{"defaultAction":"SCMP_ACT_NOPE"}'), join(dir, 'act.json'))], /act.json:1:18: defaultAction: unknown action "SCMP_ACT_NOPE"/, 125],
    ['unknown capability', ['compile', '--cap-add', 'SYS_FOO'], /unknown capability "SYS_FOO"/, 2],
    ['unknown arch', ['compile', '--arch', 'mips'], /unknown architecture "mips"/, 2],
    ['unknown syscall for --allow', ['compile', '--allow', 'nosuchcall'], /--allow nosuchcall: unknown syscall name "nosuchcall"/, 125],
    ['bad kernel', ['compile', '--kernel', 'banana'], /banana/, 2],
    ['unknown option', ['compile', '--frobnicate'], /unknown option '--frobnicate'/, 2],
  ];
  for (const [what, args, re, code] of cases) {
    it(what, () => {
      const r = seccomp(...args);
      expect(r.status).toBe(code);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }
});
