#!/usr/bin/env node
// Fetch libseccomp 2.6.0 (Debian trixie's libseccomp2 + libseccomp-dev, amd64) into
// .cache/libseccomp/ without touching the system's apt state, and unpack it with `dpkg -x`.
// Idempotent: once unpacked, it only prints the paths. Output (stdout): one JSON line
// {"lib": ".../libseccomp.so.2", "include": ".../usr/include", "version": "2.6.0-2"}.
// Used by the differential tests in test/libseccomp.test.ts; needs apt-get and dpkg (Debian).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateApt } from './private-apt.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.SECCOMP_EXEC_LIBSECCOMP_CACHE ?? join(ROOT, '.cache', 'libseccomp');
const SUITE = 'trixie';
const WANT = '2.6.0';
const PACKAGES = ['libseccomp2', 'libseccomp-dev'];
const ARCH = 'amd64';
const stamp = join(CACHE, 'installed.json');

function log(msg) {
  process.stderr.write(`get-libseccomp: ${msg}\n`);
}

function done() {
  process.stdout.write(readFileSync(stamp, 'utf8').trim() + '\n');
  process.exit(0);
}

if (existsSync(stamp)) {
  const info = JSON.parse(readFileSync(stamp, 'utf8'));
  if (existsSync(info.lib)) done();
}

if (process.platform !== 'linux') {
  log('needs Linux with apt-get and dpkg');
  process.exit(2);
}
for (const tool of ['apt-get', 'dpkg']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    log(`${tool} not found: cannot fetch Debian's libseccomp`);
    process.exit(2);
  }
}

let apt;
try {
  apt = privateApt({
    dir: join(CACHE, 'apt'),
    architectures: [ARCH],
    sources: [{ uri: process.env.SECCOMP_EXEC_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian', suite: SUITE }],
  });
} catch (e) {
  log(e.message);
  process.exit(2);
}

log(`apt-get update (${SUITE}, private state in ${apt.dir})`);
apt.update();
const debDir = join(apt.dir, 'debs');
rmSync(debDir, { recursive: true, force: true });
log(`apt-get download ${PACKAGES.join(' ')}`);
apt.download(PACKAGES.map((p) => `${p}:${ARCH}`), debDir);

const debs = readdirSync(debDir).filter((f) => f.endsWith('.deb'));
const version = (() => {
  const m = debs.map((f) => /^libseccomp2_([^_]+)_/.exec(f)).find(Boolean);
  return m ? decodeURIComponent(m[1]) : undefined;
})();
if (!version || !version.startsWith(WANT)) {
  log(`expected libseccomp2 ${WANT} in ${SUITE}, found ${version ?? 'nothing'}`);
  process.exit(1);
}
const unpack = join(CACHE, 'root');
rmSync(unpack, { recursive: true, force: true });
mkdirSync(unpack, { recursive: true });
for (const deb of debs) execFileSync('dpkg', ['-x', join(debDir, deb), unpack]);
const lib = join(unpack, 'usr/lib/x86_64-linux-gnu/libseccomp.so.2');
if (!existsSync(lib)) {
  log(`unpacked, but ${lib} is missing`);
  process.exit(1);
}
writeFileSync(stamp, JSON.stringify({ lib, include: join(unpack, 'usr/include'), version }) + '\n');
done();
