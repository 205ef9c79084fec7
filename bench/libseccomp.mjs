// libseccomp 2.6.0's programs for a profile, for the compile benchmark (bench/compile.mjs).
//
// The differential test's own helpers do the work (nothing is re-implemented here):
//   test/libseccomp/profiles.ts  resolveDockerProfile: moby's filtering + runc's action mapping
//   test/libseccomp/harness.ts   ensureHarness / buildWithLibseccomp: fetches Debian's libseccomp
//                                (scripts/get-libseccomp.mjs), builds build_filter.c, runs it
// They are TypeScript, so this script transpiles them (typescript's transpileModule, no type
// check) into .cache/libseccomp-bench/ — two levels below the repository, as harness.ts derives the
// repository root from its own location — and imports them.
//
// As a program: `node bench/libseccomp.mjs [--profile FILE] [--kernel X.Y] [--machines a,b]`
// prints one JSON line on stdout:
//   {"ok":true,"version":"2.6.0-2","programs":{"x86_64":{"1":[[code,jt,jf,k],…],"2":[…]},…}}
//   {"ok":false,"reason":"…"}                      when libseccomp cannot be obtained here
// Levels: 1 = libseccomp's default (priority-ordered list, what runc uses with <= 32 rules),
// 2 = binary tree (runc with > 32 rules). Both are forced explicitly (`optimize` input line).
// Default profile: runtime/default (dist/, so run `npm run build` first).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.cache', 'libseccomp-bench');
const HELPERS = ['harness', 'profiles', 'bpf'];
export const LEVELS = [1, 2];

function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why libseccomp's programs cannot be built on this host, or undefined. */
function unavailable() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `needs Linux x86_64 (Debian's amd64 libseccomp.a), this is ${process.platform}/${process.arch}`;
  }
  const missing = ['apt-get', 'dpkg', 'gcc'].filter((c) => !have(c));
  if (missing.length) return `${missing.join(', ')} not found`;
  return undefined;
}

/** Transpile the differential test's helpers to JavaScript; returns the module URLs by name. */
function transpileHelpers() {
  let ts;
  try {
    ts = createRequire(import.meta.url)('typescript');
  } catch {
    throw new Error('the typescript package is not installed (needed to load test/libseccomp/*.ts)');
  }
  mkdirSync(OUT, { recursive: true });
  const urls = {};
  for (const name of HELPERS) {
    const src = readFileSync(join(ROOT, 'test', 'libseccomp', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: `${name}.ts`,
    });
    const file = join(OUT, `${name}.js`);
    writeFileSync(file, outputText);
    urls[name] = pathToFileURL(file).href;
  }
  writeFileSync(join(OUT, 'package.json'), '{"type":"module"}\n');
  return urls;
}

async function main(argv) {
  const opt = { profile: undefined, kernel: undefined, machines: ['x86_64', 'aarch64'] };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k}: missing value`);
    if (k === '--profile') opt.profile = v;
    else if (k === '--kernel') opt.kernel = v;
    else if (k === '--machines') opt.machines = v.split(',');
    else throw new Error(`unknown option ${k}`);
  }
  const why = unavailable();
  if (why) return { ok: false, reason: why };

  const { defaultProfileText } = await import('../dist/profile/default.js');
  const { runningKernelVersion } = await import('../dist/profile/conditions.js');
  const { DEFAULT_CAPABILITIES } = await import('../dist/capabilities.js');
  const text = opt.profile ? readFileSync(opt.profile, 'utf8') : defaultProfileText();
  const kernel = opt.kernel ?? runningKernelVersion();

  const urls = transpileHelpers();
  const harness = await import(urls.harness);
  const { resolveDockerProfile } = await import(urls.profiles);
  let version;
  try {
    harness.ensureHarness();
    version = JSON.parse(readFileSync(join(ROOT, '.cache', 'libseccomp', 'installed.json'), 'utf8')).version;
  } catch (e) {
    const msg = String(e?.message ?? e).split('\n')[0];
    return { ok: false, reason: `libseccomp could not be fetched or built (${msg})` };
  }
  const json = JSON.parse(text);
  const cases = [];
  for (const machine of opt.machines) {
    const plain = resolveDockerProfile(json, { machine, capabilities: [...DEFAULT_CAPABILITIES], kernel });
    for (const optimize of LEVELS) cases.push({ machine, optimize, plain: { ...plain, optimize } });
  }
  const results = harness.buildWithLibseccomp(cases.map((c) => c.plain));
  const programs = {};
  cases.forEach((c, i) => {
    const r = results[i];
    if (r.rejected) throw new Error(`libseccomp refused ${c.machine} level ${c.optimize}: ${r.rejected.name} errno ${r.rejected.errno}`);
    (programs[c.machine] ??= {})[c.optimize] = r.program.map((x) => [x.code, x.jt, x.jf, x.k]);
  });
  return { ok: true, version, kernel, programs };
}

/**
 * libseccomp's programs for a profile (default runtime/default), both optimisation levels, per
 * machine; run in a child process so that the caller stays synchronous. Returns
 * `{ ok: true, version, programs: { [machine]: { 1: Instruction[], 2: Instruction[] } } }` or
 * `{ ok: false, reason }`.
 */
export function libseccompPrograms({ profile, kernel, machines = ['x86_64', 'aarch64'] } = {}) {
  const args = [fileURLToPath(import.meta.url), '--machines', machines.join(',')];
  if (profile) args.push('--profile', profile);
  if (kernel) args.push('--kernel', kernel);
  // stderr is inherited: the first run shows get-libseccomp's download progress.
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  const last = (r.stdout ?? '').trim().split('\n').pop();
  let out;
  try {
    out = JSON.parse(last);
  } catch {
    return { ok: false, reason: `bench/libseccomp.mjs failed (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''})` };
  }
  if (out.ok) {
    for (const m of Object.keys(out.programs)) for (const l of Object.keys(out.programs[m])) {
      out.programs[m][l] = out.programs[m][l].map(([code, jt, jf, k]) => ({ code, jt, jf, k }));
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e) => {
      process.stdout.write(JSON.stringify({ ok: false, reason: String(e?.message ?? e).split('\n')[0] }) + '\n');
      process.exitCode = 1;
    },
  );
}
