/**
 * Builds the C probe (test/probe/probe.c) with the system C compiler into a private temporary
 * directory, once per test process. "Built with the project, not a download."
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The probe's source. */
export const PROBE_SOURCE = join(ROOT, 'test', 'probe', 'probe.c');

let built: { dir: string; path: string } | undefined;

/** The C compiler to use (`$CC`, else `cc`), or undefined when none runs. */
export function findCompiler(): string | undefined {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    const r = spawnSync(cc, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) return cc;
  }
  return undefined;
}

/**
 * Compile the probe (once per process) and return the directory holding the `probe`
 * executable. The directory is removed by {@link removeProbe}.
 */
export function buildProbe(): { dir: string; path: string } {
  if (built) return built;
  const cc = findCompiler();
  if (!cc) throw new Error('no C compiler (cc, gcc or clang) to build test/probe/probe.c');
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-exec-probe-'));
  const path = join(dir, 'probe');
  execFileSync(cc, ['-O1', '-Wall', '-Wextra', '-std=gnu11', '-o', path, PROBE_SOURCE], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  built = { dir, path };
  return built;
}

/** Remove the probe's build directory. */
export function removeProbe(): void {
  if (built) rmSync(built.dir, { recursive: true, force: true });
  built = undefined;
}

/** Parse `NAME RESULT` lines (probe --all / several names) into a map. */
export function parseProbeLines(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (\S+)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}
