// Host-side pieces of the arm64 VM pipeline that need no VM: the newc cpio writer behind the
// initramfs, the console parser and the result rule, and the consistency of the scenario list.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CpioWriter } from '../scripts/arm64/cpio.mjs';
import { matches, parseConsole, SCENARIOS } from '../scripts/arm64/run-vm.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Entry {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  rdevmajor: number;
  rdevminor: number;
  data: Buffer;
  headerAt: number;
}

/** Independent newc reader: checks magic, alignment and the trailer. */
function readNewc(buf: Buffer): Entry[] {
  const out: Entry[] = [];
  let off = 0;
  for (;;) {
    expect(off % 4, 'header alignment').toBe(0);
    const magic = buf.toString('ascii', off, off + 6);
    if (magic !== '070701') throw new Error(`bad magic ${JSON.stringify(magic)} at ${off}`);
    const f = (i: number) => Number.parseInt(buf.toString('ascii', off + 6 + i * 8, off + 14 + i * 8), 16);
    const namesize = f(11);
    const filesize = f(6);
    const nameStart = off + 110;
    const name = buf.toString('utf8', nameStart, nameStart + namesize - 1);
    expect(buf[nameStart + namesize - 1], 'name NUL').toBe(0);
    const dataStart = nameStart + namesize + ((4 - ((110 + namesize) % 4)) % 4);
    const data = buf.subarray(dataStart, dataStart + filesize);
    const entry = { name, ino: f(0), mode: f(1), uid: f(2), gid: f(3), nlink: f(4), rdevmajor: f(9), rdevminor: f(10), data, headerAt: off };
    off = dataStart + filesize + ((4 - (filesize % 4)) % 4);
    if (name === 'TRAILER!!!') {
      expect(buf.subarray(off).every((b) => b === 0), 'only padding after the trailer').toBe(true);
      return out;
    }
    out.push(entry);
  }
}

describe('CpioWriter (initramfs archives)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-exec-cpio-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a gzip newc archive the kernel can unpack: dirs, files, symlinks, devices, root-owned', async () => {
    const src = join(dir, 'src.bin');
    writeFileSync(src, Buffer.from([1, 2, 3, 4, 5]));
    symlinkSync('src.bin', join(dir, 'link'));
    const out = join(dir, 'a.cpio.gz');
    const w = new CpioWriter(out, { level: 1, firstInode: 500 });
    await w.dir('bin');
    await w.file('bin/hello', 'hi!', 0o755);
    await w.copy('bin/copied', src);
    await w.copy('bin/link', join(dir, 'link'));
    await w.symlink('bin/sh', 'busybox');
    await w.chardev('dev/console', 5, 1);
    await w.close();

    const entries = readNewc(gunzipSync(readFileSync(out)));
    expect(entries.map((e) => e.name)).toEqual(['bin', 'bin/hello', 'bin/copied', 'bin/link', 'bin/sh', 'dev/console']);
    const by = new Map(entries.map((e) => [e.name, e]));
    expect(by.get('bin')!.mode).toBe(0o040755);
    expect(by.get('bin/hello')!.mode).toBe(0o100755);
    expect(by.get('bin/hello')!.data.toString()).toBe('hi!');
    expect([...by.get('bin/copied')!.data]).toEqual([1, 2, 3, 4, 5]);
    expect(by.get('bin/link')!.mode & 0o170000).toBe(0o120000);
    expect(by.get('bin/link')!.data.toString()).toBe('src.bin');
    expect(by.get('bin/sh')!.data.toString()).toBe('busybox');
    const con = by.get('dev/console')!;
    expect([con.mode, con.rdevmajor, con.rdevminor]).toEqual([0o020600, 5, 1]);
    expect(entries.every((e) => e.uid === 0 && e.gid === 0)).toBe(true);
    expect(entries.map((e) => e.ino)).toEqual([500, 501, 502, 503, 504, 505]);
    // No regular file may look like a hard link (nlink > 1) across concatenated archives.
    expect(entries.filter((e) => (e.mode & 0o170000) === 0o100000).every((e) => e.nlink === 1)).toBe(true);
  });

  it('refuses a duplicate entry', async () => {
    const w = new CpioWriter(join(dir, 'b.cpio.gz'));
    await w.dir('x');
    await expect(w.dir('x')).rejects.toThrow(/duplicate entry x/);
    await w.close();
  });
});

describe('console protocol', () => {
  it('keeps @@ lines among kernel noise and CRLF, and reports garbled ones', () => {
    const out = [
      '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
      '@@BOOT {"kernel":"6.1.0-57-cloud-arm64","machine":"aarch64","uptime":"3.9"}\r',
      '@@INFO {"node":"v20.20.2","arch":"arm64"}',
      '@@RESULT {"name":"a","expected":"EPERM","got":"EPERM","ms":5}\r',
      '[   12.3] random: crng init done@@RESULT {"name":"b","expected":"OK","got":"OK"}',
      '@@RESULT {"name":"c","expected":"OK","got":"O[   13.0] audit: type=1326',
      '@@RESULT {"name":"d","expected":"x","skip":"no armhf probe"}',
      '@@DONE 4',
      '@@EXIT 0',
      'reboot: Power down',
    ].join('\n');
    const p = parseConsole(out);
    expect(p.boot?.machine).toBe('aarch64');
    expect(p.info).toEqual({ node: 'v20.20.2', arch: 'arm64' });
    expect(p.results.map((r) => r.name)).toEqual(['a', 'b', 'd']);
    expect(p.results[2]!.skip).toBe('no armhf probe');
    expect(p.bad).toHaveLength(1);
    expect(p.bad[0]).toContain('"name":"c"');
    expect(p.done).toBe(4);
    expect(p.exit).toBe(0);
  });

  it('a transcript without @@DONE leaves done null (hung or crashed guest)', () => {
    const p = parseConsole('@@BOOT {"kernel":"k","machine":"aarch64","uptime":"1"}\nKernel panic - not syncing\n');
    expect(p.done).toBeNull();
    expect(p.results).toEqual([]);
  });

  it('"kernel" means the call reached the kernel: neither the filter\'s EPERM nor ENOSYS, nor a crash', () => {
    for (const got of ['OK', 'EINVAL', 'ENOENT', 'EBADF', 'EAFNOSUPPORT']) expect(matches('kernel', got), got).toBe(true);
    for (const got of ['EPERM', 'ENOSYS', 'SIGNAL31', 'signal:SIGSYS', 'exit:1', 'no-result:exit:2', '']) {
      expect(matches('kernel', got), got).toBe(false);
    }
    expect(matches('EPERM', 'EPERM')).toBe(true);
    expect(matches('EPERM', 'EACCES')).toBe(false);
    expect(matches('all:kernel', 'mount=ENOENT,reboot=EINVAL,getpid=OK')).toBe(true);
    expect(matches('all:kernel', 'mount=ENOENT,reboot=EPERM')).toBe(false);
    expect(matches('all:kernel', 'signal:SIGSYS')).toBe(false);
  });
});

describe('arm64 scenario list', () => {
  const doc = JSON.parse(readFileSync(SCENARIOS, 'utf8')) as {
    configs: Record<string, string[] | null>;
    scenarios: { name: string; expect: string; cmd?: string[]; bin?: string; probe?: string; config?: string; requires?: string }[];
  };
  const probeSrc = readFileSync(join(ROOT, 'test', 'probe', 'probe.c'), 'utf8');
  const probeNames = new Set([...probeSrc.matchAll(/\{"([a-z0-9_-]+)", p_[a-z0-9_]+\}/g)].map((m) => m[1]!));

  it('has unique names, known configs and exactly one of cmd / probe', () => {
    const names = doc.scenarios.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of doc.scenarios) {
      expect(Boolean(s.cmd) !== Boolean(s.probe), s.name).toBe(true);
      if (s.config !== undefined) expect(Object.keys(doc.configs), s.name).toContain(s.config);
    }
  });

  it('names only probes that test/probe/probe.c has, and checks every one unconfined', () => {
    expect(probeNames.size).toBeGreaterThan(10);
    const used = doc.scenarios.filter((s) => s.probe).map((s) => s.probe!);
    for (const p of used) expect(probeNames, p).toContain(p);
    const unconfined = new Set(doc.scenarios.filter((s) => s.probe && s.bin === 'probe' && s.config === 'unconfined').map((s) => s.probe));
    for (const p of probeNames) expect(unconfined, `unconfined/${p}`).toContain(p);
  });

  it('runs mount, umount2, reboot, unshare, clone-newns, bpf, open_by_handle_at → EPERM and clone3 → ENOSYS under runtime/default', () => {
    const rd = new Map(doc.scenarios.filter((s) => s.bin === 'probe' && s.config === 'runtime-default').map((s) => [s.probe, s.expect]));
    for (const p of ['mount', 'umount2', 'reboot', 'unshare', 'clone-newns', 'bpf', 'open_by_handle_at']) expect(rd.get(p), p).toBe('EPERM');
    expect(rd.get('clone3')).toBe('ENOSYS');
    expect(doc.configs['runtime-default']).toEqual(['--profile', 'runtime/default']);
  });
});
