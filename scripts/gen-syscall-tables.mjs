#!/usr/bin/env node
// Generates src/arch/tables/{x86_64,x86,x32,aarch64,arm,argwidth}.ts from Debian packages.
//
// How to re-run:
//
//   node scripts/gen-syscall-tables.mjs              # newest linux-libc-dev / linux-source from sid or
//                                                    # trixie-backports (whichever is newer)
//   node scripts/gen-syscall-tables.mjs --offline    # no network: reuse the newest .debs already in the cache
//   node scripts/gen-syscall-tables.mjs --version 7.3.4-1~bpo13+1   # pin a Debian version
//   add --verbose to list every argument type met and the width it was given
//
// Everything downloaded or extracted lives under .cache/syscall-tables/ (git-ignored):
//   apt/    a private apt state (scripts/private-apt.mjs: own sources.list, lists, archives, empty dpkg
//           status). The system's apt configuration and installed packages are never touched.
//   debs/   the downloaded .deb files (apt-get download).
//   linux-libc-dev_<ver>/    `dpkg -x` of linux-libc-dev (an Architecture: all package that carries the
//                            uapi headers of every Debian architecture).
//   linux-source_<ver>/      the kernel's syscall*.tbl files and only those *.c files that contain a
//                            SYSCALL_DEFINE (generic code plus arch/x86, arch/arm64 and arch/arm).
//
// Syscall numbers come from the uapi headers:
//   x86_64   x86_64-linux-gnu/asm/unistd_64.h
//   x86      i386-linux-gnu/asm/unistd_32.h
//   x32      x86_64-linux-gnux32/asm/unistd_x32.h (numbers kept with __X32_SYSCALL_BIT set, as in seccomp_data.nr)
//   aarch64  aarch64-linux-gnu/asm/unistd_64.h (asm-generic numbering)
//   arm      arm-linux-gnueabihf/asm/unistd-eabi.h (+ unistd-common.h when a kernel still has it) and the
//            ARM private calls __ARM_NR_{breakpoint,cacheflush,usr26,usr32,set_tls,get_tls} from asm/unistd.h,
//            named without the __ARM_NR_ prefix as libseccomp names them (0x0f0000 + n).
//            asm/unistd.h also has `#define __NR_sync_file_range2 __NR_arm_sync_file_range`; that alias is
//            left out on purpose (one name per number, and libseccomp does not resolve sync_file_range2 on arm).
//
// Argument widths come from SYSCALL_DEFINEn(...) in the kernel source, resolved through the syscall*.tbl
// entry points (so `stat` on x86_64 uses sys_newstat, `mmap2` uses sys_mmap_pgoff, ...); see
// TYPE_WIDTHS, ENTRY_ALIASES and WIDTH_OVERRIDES below for every manual decision.
//
// Output is deterministic: the same .debs give byte-identical files.

import { execFileSync } from 'node:child_process';
import {
  existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, renameSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateApt } from './private-apt.mjs';

const SCRIPT = 'scripts/gen-syscall-tables.mjs';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache', 'syscall-tables');
const OUT = join(ROOT, 'src', 'arch', 'tables');
const DEBS = join(CACHE, 'debs');
const APT = join(CACHE, 'apt');
const MIRROR = 'http://deb.debian.org/debian';
const SUITES = ['sid', 'trixie-backports'];

// ---------------------------------------------------------------------------------------------------------
// command line

const argv = process.argv.slice(2);
let offline = false;
let verbose = false;
let pinned;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--offline') offline = true;
  else if (a === '--verbose') verbose = true;
  else if (a === '--version') pinned = argv[++i];
  else if (a.startsWith('--version=')) pinned = a.slice('--version='.length);
  else if (a === '--help' || a === '-h') {
    console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 10).join('\n'));
    process.exit(0);
  } else fail(`unknown argument ${JSON.stringify(a)} (use --offline, --verbose, --version VER)`);
}

function fail(msg) {
  console.error(`gen-syscall-tables: ${msg}`);
  process.exit(1);
}

function log(msg) {
  console.error(`gen-syscall-tables: ${msg}`);
}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
}

// ---------------------------------------------------------------------------------------------------------
// private apt state

let apt;

/** Private apt (scripts/private-apt.mjs) for the suites that may have newer headers, lists updated. */
function aptPrepare() {
  apt = privateApt({
    dir: APT,
    architectures: ['amd64', 'arm64', 'armhf'],
    sources: SUITES.map((suite) => ({ uri: MIRROR, suite })),
  });
  log(`apt-get update (private state in ${relative(ROOT, APT)})`);
  apt.update();
}

/** Debian version comparison through dpkg itself. */
function versionCompare(a, b) {
  if (a === b) return 0;
  try {
    execFileSync('dpkg', ['--compare-versions', a, 'lt', b]);
    return -1;
  } catch {
    return 1;
  }
}

function newest(versions) {
  return [...new Set(versions)].sort(versionCompare).at(-1);
}

function madison(pkg) {
  const out = apt.cache(['madison', pkg]);
  return out.split('\n').filter(Boolean).map((l) => l.split('|')[1].trim());
}

function debFile(pkg, version) {
  const encoded = version.replace(/:/g, '%3a');
  if (!existsSync(DEBS)) return undefined;
  const f = readdirSync(DEBS).find((n) => n.startsWith(`${pkg}_${encoded}_`) && n.endsWith('.deb'));
  return f ? join(DEBS, f) : undefined;
}

function download(pkg, version) {
  const have = debFile(pkg, version);
  if (have) return have;
  mkdirSync(DEBS, { recursive: true });
  log(`apt-get download ${pkg}=${version}`);
  apt.download([`${pkg}=${version}`], DEBS);
  const f = debFile(pkg, version);
  if (!f) fail(`apt-get download ${pkg}=${version} left no .deb in ${DEBS}`);
  return f;
}

/** Versions of a package that are already in the cache (for --offline). */
function cachedVersions(pkgPrefix) {
  if (!existsSync(DEBS)) return [];
  return readdirSync(DEBS)
    .filter((n) => n.endsWith('.deb'))
    .map((n) => n.split('_'))
    .filter((p) => p[0].startsWith(pkgPrefix))
    .map((p) => ({ pkg: p[0], version: p[1].replace(/%3a/g, ':') }));
}

/** "7.3.4-1~bpo13+1" → "7.3" (the linux-source-X.Y package name suffix). */
function sourceSeries(version) {
  const m = /^(?:\d+:)?(\d+\.\d+)/.exec(version);
  if (!m) fail(`cannot read a kernel series from version ${version}`);
  return m[1];
}

// ---------------------------------------------------------------------------------------------------------
// choose and fetch packages

let libcVersion;
let sourcePkg;
let sourceVersion;
if (offline) {
  const libc = cachedVersions('linux-libc-dev').filter((p) => p.pkg === 'linux-libc-dev');
  libcVersion = pinned ?? newest(libc.map((p) => p.version));
  if (!libcVersion || !debFile('linux-libc-dev', libcVersion)) fail(`--offline: no linux-libc-dev .deb in ${DEBS}`);
  sourcePkg = `linux-source-${sourceSeries(libcVersion)}`;
  const src = cachedVersions('linux-source-').filter((p) => p.pkg === sourcePkg);
  sourceVersion = src.some((p) => p.version === libcVersion) ? libcVersion : newest(src.map((p) => p.version));
  if (!sourceVersion) fail(`--offline: no ${sourcePkg} .deb in ${DEBS}`);
} else {
  aptPrepare();
  const versions = madison('linux-libc-dev');
  if (versions.length === 0) fail(`apt-cache madison found no linux-libc-dev in ${SUITES.join(', ')}`);
  libcVersion = pinned ?? newest(versions);
  if (!versions.includes(libcVersion)) fail(`linux-libc-dev ${libcVersion} is not available (have ${versions.join(', ')})`);
  sourcePkg = `linux-source-${sourceSeries(libcVersion)}`;
  const srcVersions = madison(sourcePkg);
  if (srcVersions.length === 0) fail(`no ${sourcePkg} available for linux-libc-dev ${libcVersion}`);
  sourceVersion = srcVersions.includes(libcVersion) ? libcVersion : newest(srcVersions);
}
log(`linux-libc-dev ${libcVersion}; ${sourcePkg} ${sourceVersion}`);
const libcDeb = download('linux-libc-dev', libcVersion);
const sourceDeb = download(sourcePkg, sourceVersion);

// ---------------------------------------------------------------------------------------------------------
// extract

function extractLibc() {
  const dir = join(CACHE, `linux-libc-dev_${libcVersion}`);
  if (!existsSync(join(dir, '.done'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    run('dpkg', ['-x', libcDeb, dir]);
    writeFileSync(join(dir, '.done'), '');
  }
  return dir;
}

const KEEP_ARCHES = new Set(['x86', 'arm64', 'arm']);

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function extractSource() {
  const dir = join(CACHE, `linux-source_${sourceVersion}`);
  const top = `${sourcePkg}`; // the tarball's top directory, e.g. linux-source-7.3
  if (!existsSync(join(dir, '.done'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    log(`extracting ${relative(ROOT, sourceDeb)} (*.c and syscall*.tbl only)`);
    // dpkg -x the .deb (it holds usr/src/linux-source-X.Y.tar.xz), then pick files out of the tarball.
    const debDir = join(dir, 'deb');
    run('dpkg', ['-x', sourceDeb, debDir]);
    const tarball = join(debDir, 'usr', 'src', `${top}.tar.xz`);
    if (!existsSync(tarball)) fail(`${sourceDeb} has no usr/src/${top}.tar.xz`);
    run('tar', [
      '-xJf', tarball, '-C', dir,
      '--wildcards', '--no-wildcards-match-slash',
      `--exclude=${top}/tools`, `--exclude=${top}/Documentation`, `--exclude=${top}/samples`,
      '--wildcards-match-slash',
      `${top}/*.c`, `${top}/*syscall*.tbl`,
    ]);
    rmSync(debDir, { recursive: true, force: true });
    // Prune: other architectures, and .c files without a SYSCALL_DEFINE (keeps the cache small).
    const kroot = join(dir, top);
    for (const a of readdirSync(join(kroot, 'arch'))) {
      if (!KEEP_ARCHES.has(a)) rmSync(join(kroot, 'arch', a), { recursive: true, force: true });
    }
    for (const f of walk(kroot)) {
      if (f.endsWith('.c') && !readFileSync(f, 'latin1').includes('SYSCALL_DEFINE')) rmSync(f);
    }
    writeFileSync(join(dir, '.done'), '');
  }
  return join(dir, top);
}

const libcDir = extractLibc();
const ksrc = extractSource();

// ---------------------------------------------------------------------------------------------------------
// syscall numbers from the uapi headers

const INC = join(libcDir, 'usr', 'include');

function readHeader(rel) {
  const p = join(INC, rel);
  if (!existsSync(p)) fail(`${relative(CACHE, p)} is missing from linux-libc-dev ${libcVersion}`);
  return readFileSync(p, 'utf8');
}

/** Evaluates `N`, `0xN`, `(SYMBOL + N)`, `(SYMBOL+N)` with known symbol values. */
function evalNr(expr, symbols, where) {
  const e = expr.trim();
  let m = /^\(?\s*(0x[0-9a-fA-F]+|\d+)\s*\)?$/.exec(e);
  if (m) return Number(m[1]);
  m = /^\(\s*([A-Za-z_]\w*)\s*\+\s*(0x[0-9a-fA-F]+|\d+)\s*\)$/.exec(e);
  if (m && m[1] in symbols) return symbols[m[1]] + Number(m[2]);
  fail(`${where}: cannot evaluate syscall number expression ${JSON.stringify(e)}`);
}

/** Parses `#define <prefix><name> <expr>` lines. */
function parseDefines(text, prefix, symbols, where, skip = new Set()) {
  const out = new Map();
  const re = new RegExp(`^#define\\s+${prefix}([A-Za-z0-9_]+)\\s+(.+?)\\s*$`, 'gm');
  for (const m of text.matchAll(re)) {
    const name = m[1];
    if (skip.has(name)) continue;
    const nr = evalNr(m[2].replace(/\/\*.*\*\//, ''), symbols, where);
    if (out.has(name) && out.get(name) !== nr) fail(`${where}: ${name} defined twice (${out.get(name)}, ${nr})`);
    out.set(name, nr);
  }
  return out;
}

const x86Uapi = readHeader('x86_64-linux-gnu/asm/unistd.h');
const x32Bit = /#define\s+__X32_SYSCALL_BIT\s+(0x[0-9a-fA-F]+)/.exec(x86Uapi);
if (!x32Bit || Number(x32Bit[1]) !== 0x40000000) fail('asm/unistd.h: __X32_SYSCALL_BIT is not 0x40000000');

const armUapi = readHeader('arm-linux-gnueabihf/asm/unistd.h');
if (!/__ARM_EABI__\)\s*\n#define __NR_SYSCALL_BASE\s+0\b/.test(armUapi)) {
  fail('arm asm/unistd.h: expected "#define __NR_SYSCALL_BASE 0" for EABI');
}
const armSymbols = { __NR_SYSCALL_BASE: 0 };
const armBase = /#define\s+__ARM_NR_BASE\s+\(__NR_SYSCALL_BASE\s*\+\s*(0x[0-9a-fA-F]+)\)/.exec(armUapi);
if (!armBase) fail('arm asm/unistd.h: no __ARM_NR_BASE');
armSymbols.__ARM_NR_BASE = Number(armBase[1]);

let armEabi = readHeader('arm-linux-gnueabihf/asm/unistd-eabi.h');
if (existsSync(join(INC, 'arm-linux-gnueabihf/asm/unistd-common.h'))) {
  armEabi += '\n' + readHeader('arm-linux-gnueabihf/asm/unistd-common.h');
}
/** ARM private syscalls that libseccomp knows (it spells them without the __ARM_NR_ prefix). */
const ARM_PRIVATE = ['breakpoint', 'cacheflush', 'usr26', 'usr32', 'set_tls', 'get_tls'];
const armPrivate = parseDefines(armUapi, '__ARM_NR_', armSymbols, 'arm asm/unistd.h', new Set(['BASE']));
for (const n of ARM_PRIVATE) if (!armPrivate.has(n)) fail(`arm asm/unistd.h: no __ARM_NR_${n}`);

const TABLES = {
  x86_64: {
    desc: 'x86_64-linux-gnu/asm/unistd_64.h',
    map: parseDefines(readHeader('x86_64-linux-gnu/asm/unistd_64.h'), '__NR_', {}, 'unistd_64.h'),
  },
  x86: {
    desc: 'i386-linux-gnu/asm/unistd_32.h',
    map: parseDefines(readHeader('i386-linux-gnu/asm/unistd_32.h'), '__NR_', {}, 'unistd_32.h'),
  },
  x32: {
    desc: 'x86_64-linux-gnux32/asm/unistd_x32.h',
    map: parseDefines(readHeader('x86_64-linux-gnux32/asm/unistd_x32.h'), '__NR_',
      { __X32_SYSCALL_BIT: 0x40000000 }, 'unistd_x32.h'),
  },
  aarch64: {
    desc: 'aarch64-linux-gnu/asm/unistd_64.h',
    map: parseDefines(readHeader('aarch64-linux-gnu/asm/unistd_64.h'), '__NR_', {}, 'arm64 unistd_64.h',
      new Set(['syscalls'])),
  },
  arm: {
    desc: 'arm-linux-gnueabihf/asm/unistd-eabi.h + asm/unistd.h (__ARM_NR_*)',
    map: (() => {
      const m = parseDefines(armEabi, '__NR_', armSymbols, 'unistd-eabi.h',
        new Set(['SYSCALL_BASE', 'OABI_SYSCALL_BASE', 'SYSCALL_MASK', 'syscalls']));
      for (const n of ARM_PRIVATE) {
        if (m.has(n)) fail(`arm: private call ${n} clashes with __NR_${n}`);
        m.set(n, armPrivate.get(n));
      }
      return m;
    })(),
  },
};

for (const [arch, t] of Object.entries(TABLES)) {
  if (t.map.size < 300) fail(`${arch}: only ${t.map.size} syscalls parsed from ${t.desc}`);
  for (const [name, nr] of t.map) {
    if (!Number.isInteger(nr) || nr < 0 || nr > 0xffffffff) fail(`${arch}: bad number ${nr} for ${name}`);
    if (arch === 'x32' && (nr & 0x40000000) === 0) fail(`x32: ${name}=${nr} lacks the x32 bit`);
  }
  const seen = new Map();
  for (const [name, nr] of t.map) {
    if (seen.has(nr)) fail(`${arch}: ${name} and ${seen.get(nr)} share number ${nr}`);
    seen.set(nr, name);
  }
}

// ---------------------------------------------------------------------------------------------------------
// syscall*.tbl: name → kernel entry point, per arch, and a cross-check of the numbers

function readTbl(rel, abis) {
  const p = join(ksrc, rel);
  if (!existsSync(p)) fail(`${sourcePkg} ${sourceVersion} has no ${rel}`);
  const rows = [];
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    const t = line.replace(/#.*/, '').trim();
    if (!t) continue;
    const [nr, abi, name, entry] = t.split(/\s+/);
    if (!abis.has(abi)) continue;
    rows.push({ nr: Number(nr), abi, name, entry });
  }
  return rows;
}

const TBLS = {
  x86_64: readTbl('arch/x86/entry/syscalls/syscall_64.tbl', new Set(['common', '64'])),
  x32: readTbl('arch/x86/entry/syscalls/syscall_64.tbl', new Set(['common', 'x32'])),
  x86: readTbl('arch/x86/entry/syscalls/syscall_32.tbl', new Set(['i386'])),
  // arch/arm64/kernel/Makefile.syscalls: syscall_abis_64 += renameat rlimit memfd_secret
  aarch64: readTbl('arch/arm64/tools/syscall_64.tbl', new Set(['common', '64', 'renameat', 'rlimit', 'memfd_secret'])),
  arm: readTbl('arch/arm/tools/syscall.tbl', new Set(['common', 'eabi'])),
};

// Cross-check header numbers against the kernel source tables (same or close kernel version).
const crossCheckNotes = [];
for (const [arch, rows] of Object.entries(TBLS)) {
  const hdr = TABLES[arch].map;
  const base = arch === 'x32' ? 0x40000000 : 0;
  const tblNames = new Set();
  for (const r of rows) {
    tblNames.add(r.name);
    const h = hdr.get(r.name);
    if (h === undefined) crossCheckNotes.push(`${arch}: ${r.name} (${r.nr}) in the source table, not in the header`);
    else if (h !== r.nr + base) fail(`${arch}: ${r.name} is ${h} in linux-libc-dev but ${r.nr + base} in ${sourcePkg}`);
  }
  for (const name of hdr.keys()) {
    if (!tblNames.has(name) && !(arch === 'arm' && ARM_PRIVATE.includes(name))) {
      crossCheckNotes.push(`${arch}: ${name} in the header, not in the source table`);
    }
  }
}
if (libcVersion === sourceVersion && crossCheckNotes.length > 0) {
  fail(`headers and source tables of the same version disagree:\n  ${crossCheckNotes.join('\n  ')}`);
}
for (const n of crossCheckNotes) log(`note: ${n}`);

// ---------------------------------------------------------------------------------------------------------
// SYSCALL_DEFINEn(...) parsing

/**
 * Widths of argument types on a 64-bit kernel (LP64: x86_64, arm64). Narrower-than-32 types count as 32.
 * Every type met in a SYSCALL_DEFINE must be listed here (a pointer is always 64), otherwise the script
 * stops and names the type, so that nothing is guessed.
 */
const TYPE_WIDTHS = {
  // 32-bit: C integer types of 32 bits or fewer
  'int': 32, 'unsigned int': 32, 'unsigned': 32, 'signed int': 32,
  'short': 32, 'unsigned short': 32, 'char': 32, 'unsigned char': 32,
  'u32': 32, 's32': 32, '__u32': 32, '__s32': 32, 'u16': 32, '__u16': 32, 'u8': 32, '__u8': 32,
  // 32-bit kernel typedefs (include/linux/types.h, include/uapi/asm-generic/posix_types.h; x86_64/arm64
  // keep the generic int/unsigned int definitions)
  'uid_t': 32, 'gid_t': 32, 'pid_t': 32, 'qid_t': 32, 'key_t': 32, 'mqd_t': 32, 'timer_t': 32,
  'clockid_t': 32, 'key_serial_t': 32, 'rwf_t': 32, 'umode_t': 32, 'mode_t': 32,
  'old_uid_t': 32, 'old_gid_t': 32, // unsigned short on x86 / unsigned int elsewhere: 32 either way
  'old_sigset_t': 64, // unsigned long
  'fmode_t': 32, 'dev_t': 32, 'gfp_t': 32, 'compat_uptr_t': 32,
  '__kernel_uid_t': 32, '__kernel_gid_t': 32, '__kernel_pid_t': 32, '__kernel_mode_t': 32,
  '__kernel_key_t': 32, '__kernel_mqd_t': 32, '__kernel_timer_t': 32, '__kernel_clockid_t': 32,
  '__kernel_uid32_t': 32, '__kernel_gid32_t': 32, '__kernel_ipc_pid_t': 32, '__kernel_daddr_t': 32,
  '__kernel_rwf_t': 32, '__kernel_old_uid_t': 32, '__kernel_old_gid_t': 32, '__kernel_old_dev_t': 64,
  'bool': 32,
  // 64-bit
  'long': 64, 'unsigned long': 64, 'long long': 64, 'unsigned long long': 64, 'signed long': 64,
  'u64': 64, 's64': 64, '__u64': 64, '__s64': 64, 'size_t': 64, 'ssize_t': 64,
  'loff_t': 64, 'off_t': 64, 'aio_context_t': 64, 'time_t': 64, 'time64_t': 64, 'sector_t': 64,
  'cap_user_header_t': 64, 'cap_user_data_t': 64, // pointer typedefs
  '__sighandler_t': 64, '__kernel_ulong_t': 64, '__kernel_long_t': 64, '__kernel_size_t': 64,
  '__kernel_ssize_t': 64, '__kernel_off_t': 64, '__kernel_loff_t': 64, '__kernel_old_time_t': 64,
  '__kernel_time64_t': 64, '__kernel_suseconds_t': 64, '__kernel_clock_t': 64, 'uintptr_t': 64,
  'unsigned long long int': 64, 'long int': 64, 'unsigned long int': 64,
};

/** Classifies one argument type; returns 32 or 64, or a string describing why it could not. */
function typeWidth(rawType) {
  const t = rawType.replace(/\s+/g, ' ').trim();
  if (t.includes('*') || t.includes('[')) return 64;
  const words = t.split(' ').filter((w) => !['const', 'volatile', '__user', '__force'].includes(w));
  if (words[0] === 'enum') return 32; // enums are int-sized in the kernel ABI
  if (words[0] === 'struct' || words[0] === 'union') return `by-value aggregate "${t}"`;
  if (words[0] === 'signed' && words.length > 1) words.shift();
  const key = words.join(' ');
  if (key in TYPE_WIDTHS) return TYPE_WIDTHS[key];
  return `unknown type "${t}"`;
}

/** Returns the text between the '(' at `open` and its matching ')'. */
function balanced(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return { inner: text.slice(open + 1, i), end: i + 1 };
    }
  }
  return undefined;
}

/** Splits on top-level commas. */
function splitArgs(s) {
  const out = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function scopeOf(rel) {
  const m = /^arch\/([^/]+)\//.exec(rel);
  return m ? m[1] : 'generic';
}

/** function name → [{ scope, file, line, types, widths }] */
const defs = new Map();
const typeProblems = [];
for (const file of walk(ksrc).filter((f) => f.endsWith('.c')).sort()) {
  const rel = relative(ksrc, file);
  const raw = readFileSync(file, 'latin1');
  // Drop comments (keep line numbers by keeping the newlines).
  const text = raw.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  const re = /\bSYSCALL_DEFINE([0-6])\s*\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const lineNo = text.slice(0, m.index).split('\n').length;
    const linePrefix = text.slice(lineStart, m.index);
    const prevLine = text.slice(text.lastIndexOf('\n', lineStart - 2) + 1, lineStart - 1);
    // Skip macro definitions that expand to SYSCALL_DEFINE (#define … \).
    if (/^\s*#\s*define\b/.test(linePrefix) || /\\\s*$/.test(prevLine)) continue;
    const b = balanced(text, m.index + m[0].length - 1);
    if (!b) fail(`${rel}:${lineNo}: unbalanced SYSCALL_DEFINE`);
    const n = Number(m[1]);
    const parts = splitArgs(b.inner);
    const name = parts[0];
    if (!/^\w+$/.test(name)) continue; // e.g. token-pasting helpers inside macros
    if (parts.length !== 1 + 2 * n) fail(`${rel}:${lineNo}: SYSCALL_DEFINE${n}(${name}) has ${parts.length - 1} type/name parts`);
    const types = [];
    const widths = [];
    for (let i = 0; i < n; i++) {
      const type = parts[1 + 2 * i];
      const w = typeWidth(type);
      if (typeof w === 'string') typeProblems.push(`${rel}:${lineNo}: ${name} arg ${i}: ${w}`);
      types.push(type.replace(/\s+/g, ' '));
      widths.push(w);
    }
    if (!defs.has(name)) defs.set(name, []);
    defs.get(name).push({ scope: scopeOf(rel), file: rel, line: lineNo, types, widths });
  }
}
if (typeProblems.length > 0) {
  fail(`argument types not in TYPE_WIDTHS (add them with their size):\n  ${typeProblems.join('\n  ')}`);
}
log(`parsed ${[...defs.values()].reduce((a, d) => a + d.length, 0)} SYSCALL_DEFINEs (${defs.size} names)`);

// ---------------------------------------------------------------------------------------------------------
// resolve table names → widths

/**
 * Entry points in syscall*.tbl that are not `sys_<name>` of a SYSCALL_DEFINE(<name>): assembly wrappers on
 * arm that call the generic implementation.
 */
const ENTRY_ALIASES = {
  arm: {
    sys_sigreturn_wrapper: 'sigreturn',
    sys_rt_sigreturn_wrapper: 'rt_sigreturn',
    sys_statfs64_wrapper: 'statfs64',
    sys_fstatfs64_wrapper: 'fstatfs64',
    sys_mmap2: 'mmap_pgoff', // arch/arm/kernel/entry-common.S shifts the offset and calls sys_mmap_pgoff
  },
};

/**
 * Names whose SYSCALL_DEFINE exists in several config-dependent variants with different argument lists;
 * the value is the variant used by x86_64 and arm64.
 */
const WIDTH_OVERRIDES = {
  // kernel/fork.c: x86_64/arm64 use the default 5-argument clone(flags, newsp, parent_tid, child_tid, tls);
  // CONFIG_CLONE_BACKWARDS (x86 32-bit, arm) permutes the same five 64-bit arguments; only
  // CONFIG_CLONE_BACKWARDS3 (microblaze) has a sixth `int stack_size`.
  clone: { widths: [64, 64, 64, 64, 64], why: 'kernel/fork.c 5-argument variants (x86_64, arm64, x86, arm)' },
  // kernel/signal.c: x86 and arm select CONFIG_OLD_SIGSUSPEND3 (int unused1, int unused2, old_sigset_t mask);
  // old_sigset_t is unsigned long. The 1-argument CONFIG_OLD_SIGSUSPEND variant is for other arches.
  sigsuspend: { widths: [32, 32, 64], why: 'kernel/signal.c CONFIG_OLD_SIGSUSPEND3 variant (x86, arm)' },
};

// Which kernel sources each arch compiles (generic code plus its own arch/ directory).
const ARCH_SCOPES = {
  x86_64: new Set(['generic', 'x86']),
  aarch64: new Set(['generic', 'arm64']),
  x86: new Set(['generic', 'x86']),
  arm: new Set(['generic', 'arm']),
};

const conflicts = [];

/** Picks the definition of kernel function `fn` that arch compiles. */
function lookupWidths(arch, fn) {
  if (fn in WIDTH_OVERRIDES) return { widths: WIDTH_OVERRIDES[fn].widths, note: WIDTH_OVERRIDES[fn].why };
  const all = (defs.get(fn) ?? []).filter((d) => ARCH_SCOPES[arch].has(d.scope));
  if (all.length === 0) return undefined;
  // An arch-specific definition replaces a generic one of the same name (e.g. x86's mmap).
  const specific = all.filter((d) => d.scope !== 'generic');
  const chosen = specific.length > 0 ? specific : all;
  const keys = new Set(chosen.map((d) => d.widths.join(',')));
  if (keys.size > 1) {
    conflicts.push(`${arch}: ${fn} has config-dependent SYSCALL_DEFINEs (add a WIDTH_OVERRIDES entry):\n    ` +
      chosen.map((d) => `${d.file}:${d.line} (${d.types.join(', ')})`).join('\n    '));
    return undefined;
  }
  return { widths: chosen[0].widths, note: `${chosen[0].file}` };
}

const ARG_WIDTHS = new Map(); // name → { widths, fn, file, arch }
const widthNotes = [];
const noWidth = new Map(); // name → reason
// 64-bit ABIs first: they are what the widths describe; then names only the 32-bit ABIs have.
for (const arch of ['x86_64', 'aarch64', 'x86', 'arm']) {
  const rows = TBLS[arch];
  const byName = new Map();
  for (const r of rows) {
    if (!byName.has(r.name)) byName.set(r.name, []);
    byName.get(r.name).push(r);
  }
  for (const name of [...TABLES[arch].map.keys()].sort()) {
    const rs = byName.get(name) ?? [];
    const entries = [...new Set(rs.map((r) => r.entry).filter(Boolean))];
    if (entries.length > 1) fail(`${arch}: ${name} has several entry points: ${entries.join(', ')}`);
    const entry = entries[0];
    if (!entry || entry === 'sys_ni_syscall') {
      if (!ARG_WIDTHS.has(name) && !noWidth.has(name)) noWidth.set(name, `${arch}: ${entry ?? 'no entry point'}`);
      continue;
    }
    const fn = ENTRY_ALIASES[arch]?.[entry] ?? entry.replace(/^sys_/, '');
    const found = lookupWidths(arch, fn);
    if (!found) {
      if (!ARG_WIDTHS.has(name) && !noWidth.has(name)) noWidth.set(name, `${arch}: ${entry} has no SYSCALL_DEFINE`);
      continue;
    }
    const prev = ARG_WIDTHS.get(name);
    if (prev) {
      if (prev.widths.join(',') !== found.widths.join(',')) {
        const msg = `${name}: ${prev.arch} ${prev.fn} [${prev.widths}] vs ${arch} ${fn} [${found.widths}]; kept ${prev.arch}`;
        // The 32-bit ABIs may differ legitimately (e.g. a 32-bit entry taking split 64-bit halves).
        if (arch === 'aarch64') fail(`x86_64 and aarch64 disagree on ${msg}`);
        widthNotes.push(msg);
      }
      continue;
    }
    noWidth.delete(name);
    ARG_WIDTHS.set(name, { widths: found.widths, fn, arch, note: found.note });
  }
}

if (conflicts.length > 0) fail(conflicts.join('\n  '));

// Sanity checks against well-known signatures.
const EXPECT = {
  socket: [32, 32, 32],
  personality: [32],
  clone: [64, 64, 64, 64, 64],
  clone3: [64, 64],
  mount: [64, 64, 64, 64, 64],
  unshare: [64],
  setns: [32, 32],
  reboot: [32, 32, 32, 64],
  read: [32, 64, 64],
  ioctl: [32, 32, 64],
  mmap: [64, 64, 64, 64, 64, 64],
  mmap2: [64, 64, 64, 64, 64, 64],
  prctl: [32, 64, 64, 64, 64],
  kill: [32, 32],
  setuid: [32],
  chmod: [64, 32],
  fchmodat: [32, 64, 32],
  open: [64, 32, 32],
  openat: [32, 64, 32, 32],
  lseek: [32, 64, 32],
  ptrace: [64, 64, 64, 64],
  socketcall: [32, 64],
  clock_settime: [32, 64],
  keyctl: [32, 64, 64, 64, 64],
};
for (const [name, want] of Object.entries(EXPECT)) {
  const got = ARG_WIDTHS.get(name)?.widths;
  if (!got || got.join(',') !== want.join(',')) {
    fail(`sanity check: ${name} should be [${want}], got ${got ? `[${got}] from ${ARG_WIDTHS.get(name).fn}` : 'nothing'}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// output

function writeIfChanged(file, text) {
  const p = join(OUT, file);
  if (existsSync(p) && readFileSync(p, 'utf8') === text) return false;
  const tmp = `${p}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, p);
  return true;
}

mkdirSync(OUT, { recursive: true });
const libcSource = `Debian linux-libc-dev ${libcVersion} (Architecture: all; amd64, arm64, armhf headers)`;

/** Single-quoted TypeScript string literal. */
function quote(s) {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function hex(n) {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

for (const [arch, t] of Object.entries(TABLES)) {
  const entries = [...t.map].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const source = `${libcSource}: ${t.desc}`;
  const lines = [
    `// Generated by ${SCRIPT} from Debian linux-libc-dev ${libcVersion} (amd64, arm64, armhf); do not edit.`,
    `/** Syscall numbers for ${arch}${arch === 'x32' ? ' (with __X32_SYSCALL_BIT set, as in seccomp_data.nr)' : ''}. */`,
    '',
    '/** Where this table comes from. */',
    `export const SOURCE = ${quote(source)};`,
    '',
    '/**',
    ' * Syscall name → number, sorted by number: one `name number` pair per line (numbers from 0x10000',
    ' * up in hex). Text rather than an object literal: a string costs nothing to load (an object',
    " * literal of ~470 properties costs ~0.3 ms, x32's non-Smi numbers ~1 ms), and src/arch/index.ts",
    ' * builds the Map only for the ABIs a compile needs.',
    ' */',
    'export const SYSCALLS = `',
    ...entries.map(([n, nr]) => {
      if (!/^[A-Za-z0-9_]+$/.test(n)) fail(`${arch}: syscall name ${JSON.stringify(n)} cannot be written to the text table`);
      return `${n} ${nr >= 0x10000 ? hex(nr) : nr}`;
    }),
    '`;',
    '',
  ];
  if (writeIfChanged(`${arch}.ts`, lines.join('\n'))) log(`wrote src/arch/tables/${arch}.ts (${entries.length} syscalls)`);
}

{
  const names = [...ARG_WIDTHS.keys()].sort();
  const source = `Debian ${sourcePkg} ${sourceVersion}: SYSCALL_DEFINEn in generic code, arch/x86, arch/arm64, arch/arm`;
  const lines = [
    `// Generated by ${SCRIPT} from Debian ${sourcePkg} ${sourceVersion}; do not edit.`,
    '/**',
    ' * Width of each syscall argument on a 64-bit kernel (x86_64, arm64): 32 when the kernel declares the',
    ' * argument as a 32-bit-or-narrower integer (int, unsigned int, pid_t, uid_t, enum, …), so it only looks',
    ' * at the low half of the register; 64 for pointers, long, size_t, loff_t, u64, ….',
    ' * Keyed by the syscall names of the tables (the kernel function is given where it differs).',
    ' * On the 32-bit ABIs (x86, arm) every register argument is 32 bits wide whatever this table says.',
    ' */',
    '',
    '/** Where this table comes from. */',
    `export const SOURCE = ${quote(source)};`,
    '',
    '/** Syscall name → argument widths in argument order. */',
    'export const ARG_WIDTHS: Readonly<Record<string, readonly (32 | 64)[]>> = {',
    ...names.map((n) => {
      const e = ARG_WIDTHS.get(n);
      const comment = e.fn !== n ? ` // ${e.fn}` : '';
      return `  ${/^[A-Za-z_$][\w$]*$/.test(n) ? n : JSON.stringify(n)}: [${e.widths.join(', ')}],${comment}`;
    }),
    '};',
    '',
  ];
  if (writeIfChanged('argwidth.ts', lines.join('\n'))) log(`wrote src/arch/tables/argwidth.ts (${names.length} syscalls)`);
}

if (verbose) {
  const used = new Map();
  for (const ds of defs.values()) for (const d of ds) d.types.forEach((t, i) => used.set(t, d.widths[i]));
  for (const [t, w] of [...used].sort((a, b) => (a[0] < b[0] ? -1 : 1))) log(`type ${w} ${t}`);
}
for (const n of widthNotes) log(`width note: ${n}`);
log(`no argument widths (no SYSCALL_DEFINE behind the entry point) for ${noWidth.size} names: ` +
  [...noWidth].map(([n, why]) => `${n} (${why})`).sort().join(', '));
log('done');
