// seccomp-exec on a real arm64 kernel: boots Debian's arm64 cloud kernel under
// qemu-system-aarch64 (TCG) once, with an initramfs holding the arm64 node, the cross-built
// add-on, the package and the cross-compiled probes (scripts/arm64/run-vm.mjs), and turns
// the guest's "@@RESULT" console lines into one test per scenario of test/arm64/scenarios.json.
//
// The expectations come from the host's copy of the scenarios, never from the guest; QEMU's
// exit status is ignored. Missing host tools fail the suite under CI and skip it elsewhere
// (`npm run test:arm64` installs them as root).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readSync, closeSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNNER = join(ROOT, 'scripts', 'arm64', 'run-vm.mjs');
/** Guest limit (s): the runner kills QEMU after this. */
const VM_TIMEOUT_S = Number(process.env.SECCOMP_EXEC_ARM64_TIMEOUT ?? 600);
/** Host limit for the whole run (downloads + builds + boot), a margin above the guest's. */
const RUN_TIMEOUT_MS = (VM_TIMEOUT_S + 300) * 1000;

interface Scenario {
  name: string;
  expect: string;
  /** Command scenario: argv (cmd[0] may name a guest binary: probe, probe-arm, node). */
  cmd?: string[];
  /** Probe scenario: binary and probe name. */
  bin?: string;
  probe?: string;
  /** Key of `configs`; absent or "unconfined" = run directly. */
  config?: string;
  requires?: string;
}

interface GuestResult {
  name: string;
  expected: string;
  got?: string;
  skip?: string;
  ms?: number;
  detail?: string;
}

interface RunReport {
  kernelVersion: string;
  prepareMs: number;
  bootMs: number;
  wallMs: number;
  timedOut: boolean;
  timeoutS: number;
  consoleLog: string;
  consoleTail: string;
  boot: { kernel: string; machine: string } | null;
  info: { node: string; arch: string; cli: boolean; probe: boolean } | null;
  results: GuestResult[];
  done: number | null;
  bad: string[];
}

const doc = JSON.parse(readFileSync(join(ROOT, 'test', 'arm64', 'scenarios.json'), 'utf8')) as {
  configs: Record<string, string[] | null>;
  scenarios: Scenario[];
};
const scenarios = doc.scenarios;

/**
 * Same rule as the guest's, applied independently: "kernel" = reached the kernel (OK or an
 * errno a filter does not give); "all:X" = every NAME=RESULT pair matches X.
 */
function matches(expected: string, got: string): boolean {
  if (expected.startsWith('all:')) {
    const pairs = got.split(',').map((p) => p.split('='));
    return pairs.length > 0 && pairs.every((p) => p.length === 2 && matches(expected.slice(4), p[1] ?? ''));
  }
  if (expected === 'kernel') return /^(OK|E[A-Z0-9]+)$/.test(got) && got !== 'EPERM' && got !== 'ENOSYS';
  return got === expected;
}

/** ELF class and machine of a file: e_ident[EI_CLASS] and e_machine (little-endian). */
function elfInfo(file: string): { elf: boolean; class64: boolean; machine: number } {
  const buf = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  return { elf: buf.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])), class64: buf[4] === 2, machine: buf.readUInt16LE(18) };
}
const EM_AARCH64 = 183;

const check = spawnSync(process.execPath, [RUNNER, '--check'], { encoding: 'utf8' });
const missing: string[] = check.status === 0 ? JSON.parse(check.stdout).missing : [`run-vm.mjs --check failed: ${check.stderr.trim()}`];
const reason = `missing host tools: ${missing.join(', ')} (install them with \`npm run test:arm64\` as root, or see .ci/run)`;

const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

if (missing.length > 0 && !inCI) {
  describe.skip(`arm64 VM kernel tests skipped: ${reason}`, () => {
    it('needs qemu-system-aarch64 and the aarch64 cross toolchain', () => {});
  });
} else if (missing.length > 0) {
  describe('arm64 VM kernel tests', () => {
    it('has the host tools it needs', () => {
      throw new Error(reason);
    });
  });
} else {
  describe('arm64 VM kernel tests (Debian arm64 kernel under qemu-system-aarch64)', () => {
    let report: RunReport | undefined;
    let runError = '';

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'seccomp-exec-arm64-'));
      const json = join(dir, 'report.json');
      try {
        const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((res) => {
          const child = spawn(process.execPath, [RUNNER, '--json', json, '--timeout', String(VM_TIMEOUT_S)], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let err = '';
          child.stderr.on('data', (d: Buffer) => {
            err += d.toString();
          });
          const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS - 10_000);
          child.on('close', (code) => {
            clearTimeout(timer);
            res({ status: code, stderr: err });
          });
        });
        try {
          report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
        } catch {
          runError = `arm64 VM runner produced no report (exit ${status}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`;
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (report) {
        process.stderr.write(
          `arm64 VM: prepare ${report.prepareMs} ms, boot→power-off ${report.bootMs} ms, total ${report.wallMs} ms (${report.kernelVersion})\n`,
        );
      }
    }, RUN_TIMEOUT_MS);

    function need(): RunReport {
      if (!report) throw new Error(runError || 'arm64 VM did not run');
      return report;
    }

    it('boots the arm64 kernel, runs every scenario and powers off in time', () => {
      const r = need();
      const where = `console log: ${r.consoleLog}\n${r.consoleTail}`;
      if (r.timedOut) throw new Error(`guest hung: killed after ${r.timeoutS}s without powering off (${where})`);
      expect(r.boot?.machine, `guest never reached /init (${where})`).toBe('aarch64');
      expect(r.info?.arch, `guest runner did not start (${where})`).toBe('arm64');
      expect(r.done, `guest runner never printed @@DONE (${where})`).toBe(scenarios.length);
      expect(r.bad, 'malformed @@ lines on the console').toEqual([]);
    });

    it('prebuilds/linux-arm64 holds an aarch64 add-on (and launcher)', () => {
      need();
      const dir = join(ROOT, 'prebuilds', 'linux-arm64');
      const files = readdirSync(dir);
      const addon = files.filter((f) => f.endsWith('.node'));
      expect(addon).toHaveLength(1);
      for (const f of [...addon, ...files.filter((f) => f === 'seccomp-launcher')]) {
        const e = elfInfo(join(dir, f));
        expect({ file: f, ...e }).toEqual({ file: f, elf: true, class64: true, machine: EM_AARCH64 });
      }
    });

    for (const sc of scenarios) {
      const argv = sc.cmd ?? [sc.bin ?? 'probe', sc.probe ?? ''];
      const cli = sc.config ? doc.configs[sc.config] : null;
      const how = cli ? `seccomp-exec ${cli.join(' ')} -- ${argv.join(' ')}` : argv.join(' ');
      it(`${sc.name}: ${how} → ${sc.expect}`, (ctx) => {
        const r = need();
        const res = r.results.find((x) => x.name === sc.name);
        if (!res) throw new Error(`guest reported no result for ${sc.name} (console log: ${r.consoleLog})`);
        if (res.skip) {
          if (sc.requires === 'compat') ctx.skip(res.skip);
          throw new Error(`guest skipped a mandatory scenario: ${res.skip}`);
        }
        const got = res.got ?? '';
        if (!matches(sc.expect, got)) {
          throw new Error(`${sc.name}: expected ${sc.expect}, got ${got} (${res.detail ?? ''})`);
        }
        expect(matches(sc.expect, got)).toBe(true);
      });
    }
  });
}
