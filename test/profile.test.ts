import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseProfile,
  parseProfileWithWarnings,
  loadProfileFileWithWarnings,
  loadProfileFile,
  parseJson,
  jsonNumberToBigInt,
  parseProfileReference,
  loadProfile,
  applyConditions,
  ruleApplies,
  selectArchitectures,
  runningKernelVersion,
  defaultProfile,
  defaultProfileText,
  CONTAINERD_DEFAULT_PROVENANCE,
  exportProfile,
  resolveProfile,
  hasConditions,
  normalizeCapability,
  capabilitySet,
  capabilityNumber,
  CAPABILITIES,
  DEFAULT_CAPABILITIES,
  type Profile,
  type SyscallRule,
  type ActionName,
} from '../src/profile/index.js';
import { SeccompError } from '../src/errors.js';

const SHARED = fileURLToPath(new URL('../../shared/profiles/', import.meta.url));
const SHARED_FILES = ['moby-default.json', 'moby-profiles-default.json', 'podman-seccomp.json'];

function load(name: string): Profile {
  return loadProfileFile(join(SHARED, name));
}

/** Rules that mention `name`. */
function rulesFor(p: Profile, name: string): SyscallRule[] {
  return p.syscalls.filter((r) => r.names.includes(name));
}

/** Actions of the unconditional (no args) rules for `name` in a resolved profile. */
function plainActions(p: Profile, name: string): { action: ActionName; errnoRet?: number }[] {
  return rulesFor(p, name)
    .filter((r) => r.args.length === 0)
    .map((r) => (r.errnoRet === undefined ? { action: r.action } : { action: r.action, errnoRet: r.errnoRet }));
}

/** The profile without load-location details, for equivalence checks. */
function essence(p: Profile, keepComments = true): unknown {
  return {
    ...p,
    source: undefined,
    syscalls: p.syscalls.map((r) => ({ ...r, origin: undefined, comment: keepComments ? r.comment : undefined })),
  };
}

describe('shared real-world profiles', () => {
  it.each(SHARED_FILES)('%s loads without warnings', (name) => {
    const { profile, warnings } = loadProfileFileWithWarnings(join(SHARED, name));
    expect(warnings).toEqual([]);
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.architectures).toEqual([]);
    expect(profile.archMap[0]).toEqual({ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] });
    expect(profile.syscalls.length).toBeGreaterThan(25);
    expect(profile.syscalls[0]?.origin).toBe(`${join(SHARED, name)}:syscalls[0]`);
  });

  it('moby profile facts', () => {
    const p = load('moby-profiles-default.json');
    expect(p.defaultErrnoRet).toBe(1);
    expect(p.archMap.find((e) => e.architecture === 'SCMP_ARCH_RISCV64')).toEqual({
      architecture: 'SCMP_ARCH_RISCV64',
      subArchitectures: [],
    });
    const clone = rulesFor(p, 'clone').filter((r) => r.args.length > 0);
    expect(clone).toHaveLength(2);
    expect(clone[0]?.args).toEqual([{ index: 0, value: 2114060288n, valueTwo: 0n, op: 'SCMP_CMP_MASKED_EQ' }]);
    expect(clone[0]?.excludes).toEqual({ caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] });
    expect(clone[1]?.comment).toBe('s390 parameter ordering for clone is different');
    const clone3 = rulesFor(p, 'clone3').find((r) => r.action === 'SCMP_ACT_ERRNO');
    expect(clone3?.errnoRet).toBe(38);
    const ptrace = rulesFor(p, 'ptrace').find((r) => r.includes.minKernel !== undefined);
    expect(ptrace?.includes.minKernel).toBe('4.8');
    expect(p.syscalls.every((r) => r.errnoRet === undefined || r.action === 'SCMP_ACT_ERRNO')).toBe(true);
  });

  it('podman profile facts (defaultErrnoRet 38, errno names accepted)', () => {
    const p = load('podman-seccomp.json');
    expect(p.defaultErrnoRet).toBe(38);
    expect(p.syscalls.filter((r) => r.errnoRet === 1).length).toBeGreaterThan(3);
  });
});

describe('JSON numbers are exact', () => {
  it('keeps number text and position', () => {
    const v = parseJson('\n  [18446744073709551615, 0x1_0000_0028, -0, 1.5e3]', 'n.json');
    expect(v.kind).toBe('array');
    if (v.kind !== 'array') return;
    expect(v.line).toBe(2);
    expect(v.col).toBe(3);
    expect(v.items.map((i) => (i.kind === 'number' ? i.text : '?'))).toEqual(['18446744073709551615', '0x1_0000_0028', '-0', '1.5e3']);
    expect(v.items[1]).toMatchObject({ line: 2, col: 26 });
  });
  it('converts integers to bigint exactly', () => {
    expect(jsonNumberToBigInt('18446744073709551615')).toBe(18446744073709551615n);
    expect(jsonNumberToBigInt('0x1_0000_0028')).toBe(4294967336n);
    expect(jsonNumberToBigInt('9007199254740993')).toBe(9007199254740993n);
    expect(jsonNumberToBigInt('-5')).toBe(-5n);
    expect(jsonNumberToBigInt('1.0')).toBeUndefined();
    expect(jsonNumberToBigInt('1e3')).toBeUndefined();
  });
  it('profile argument values survive as uint64', () => {
    const p = parseProfile(
      JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }).replace(
        '[]',
        '[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO","args":[' +
          '{"index":1,"value":18446744073709551615,"op":"SCMP_CMP_EQ"},' +
          '{"index":2,"value":0x1_0000_0028,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"}]}]',
      ),
      'big.json',
    );
    expect(p.syscalls[0]?.args).toEqual([
      { index: 1, value: 18446744073709551615n, valueTwo: 0n, op: 'SCMP_CMP_EQ' },
      { index: 2, value: 4294967336n, valueTwo: 9007199254740993n, op: 'SCMP_CMP_MASKED_EQ' },
    ]);
    const again = parseProfile(exportProfile(p, { format: 'docker' }), 'again.json');
    expect(again.syscalls[0]?.args).toEqual(p.syscalls[0]?.args);
    expect(exportProfile(p, { format: 'oci', kernel: '6.1' })).toContain('"value": 18446744073709551615');
  });
  it('errnoRet stays undefined when absent; old single "name" and null fields are accepted', () => {
    const p = parseProfile(
      '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":null,"architectures":null,"syscalls":[' +
        '{"name":"chmod","action":"SCMP_ACT_ERRNO","args":null},{"names":["x"],"action":"SCMP_ACT_ERRNO","errnoRet":0}]}',
      'old.json',
    );
    expect(p.defaultErrnoRet).toBeUndefined();
    expect('defaultErrnoRet' in p).toBe(false);
    expect(p.syscalls[0]).toMatchObject({ names: ['chmod'], args: [] });
    expect(p.syscalls[0]?.errnoRet).toBeUndefined();
    expect(p.syscalls[1]?.errnoRet).toBe(0);
  });
  it('keys match case-insensitively as in Go; runtime-spec fields are kept', () => {
    const p = parseProfile(
      '{"DefaultAction":"SCMP_ACT_NOTIFY","listenerPath":"/run/l.sock","listenerMetadata":"m","flags":["SECCOMP_FILTER_FLAG_LOG"],' +
        '"architectures":["SCMP_ARCH_AARCH64"],"Syscalls":[{"Names":["read"],"Action":"SCMP_ACT_ALLOW"}]}',
      'ci.json',
    );
    expect(p).toMatchObject({
      defaultAction: 'SCMP_ACT_NOTIFY',
      listenerPath: '/run/l.sock',
      listenerMetadata: 'm',
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      architectures: ['SCMP_ARCH_AARCH64'],
      archMap: [],
    });
    expect(p.syscalls[0]?.names).toEqual(['read']);
  });
});

describe('references', () => {
  it('parses Kubernetes spellings', () => {
    expect(parseProfileReference('runtime/default')).toEqual({ kind: 'runtime-default' });
    expect(parseProfileReference('docker/default')).toEqual({ kind: 'runtime-default' });
    expect(parseProfileReference('RuntimeDefault')).toEqual({ kind: 'runtime-default' });
    expect(parseProfileReference('unconfined')).toEqual({ kind: 'unconfined' });
    expect(parseProfileReference('localhost/profiles/a.json')).toEqual({ kind: 'file', path: 'profiles/a.json' });
    expect(parseProfileReference('localhost/profiles/a.json', { root: '/var/lib/kubelet/seccomp' })).toEqual({
      kind: 'file',
      path: '/var/lib/kubelet/seccomp/profiles/a.json',
    });
    expect(parseProfileReference('./my.json')).toEqual({ kind: 'file', path: './my.json' });
    expect(parseProfileReference('/etc/p.json')).toEqual({ kind: 'file', path: '/etc/p.json' });
  });
  it('refuses escaping the root and empty references', () => {
    expect(() => parseProfileReference('localhost/../etc/p.json', { root: '/r' })).toThrow(
      'profile reference "localhost/../etc/p.json": the path must be relative to "/r" and must not contain ".."',
    );
    expect(() => parseProfileReference('localhost//etc/p.json', { root: '/r' })).toThrow(SeccompError);
    expect(() => parseProfileReference('localhost/')).toThrow('profile reference "localhost/": missing path after "localhost/"');
    expect(() => parseProfileReference('')).toThrow('profile reference: empty');
  });
  it('loads each kind', () => {
    expect(loadProfile('unconfined')).toBe('unconfined');
    const d = loadProfile('runtime/default');
    expect(d).not.toBe('unconfined');
    expect((d as Profile).source).toBe('runtime/default');
    const dir = mkdtempSync(join(tmpdir(), 'seccomp-ref-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'p.json'), '{"defaultAction":"SCMP_ACT_LOG"}');
    const viaRoot = loadProfile('localhost/sub/p.json', { root: dir });
    expect(viaRoot).toMatchObject({ defaultAction: 'SCMP_ACT_LOG', source: join(dir, 'sub', 'p.json') });
    const viaPath = loadProfile({ kind: 'file', path: join(dir, 'sub', 'p.json') });
    expect(viaPath).toMatchObject({ defaultAction: 'SCMP_ACT_LOG' });
    writeFileSync(join(dir, 'bad.json'), '{"defaultAction":"SCMP_ACT_LOG",}');
    expect(() => loadProfile(join(dir, 'bad.json'))).toThrow(`${join(dir, 'bad.json')}:1:33: invalid JSON: trailing comma before "}"`);
  });
});

describe('capabilities', () => {
  it('has the full list with kernel numbers', () => {
    expect(CAPABILITIES).toHaveLength(41);
    expect(capabilityNumber('CAP_CHOWN')).toBe(0);
    expect(capabilityNumber('CAP_SYS_ADMIN')).toBe(21);
    expect(capabilityNumber('CAP_SETFCAP')).toBe(31);
    expect(capabilityNumber('CAP_BPF')).toBe(39);
    expect(capabilityNumber('CAP_CHECKPOINT_RESTORE')).toBe(40);
    expect(DEFAULT_CAPABILITIES).toHaveLength(14);
    expect(DEFAULT_CAPABILITIES).not.toContain('CAP_SYS_ADMIN');
  });
  it('normalises spellings and rejects unknown names', () => {
    expect(normalizeCapability('SYS_ADMIN')).toBe('CAP_SYS_ADMIN');
    expect(normalizeCapability('cap_sys_admin')).toBe('CAP_SYS_ADMIN');
    expect(normalizeCapability('CAP_SYS_ADMIN')).toBe('CAP_SYS_ADMIN');
    expect(normalizeCapability('net_raw')).toBe('CAP_NET_RAW');
    expect(() => normalizeCapability('SYS_WIZARD')).toThrow(new SeccompError('capability: unknown capability "SYS_WIZARD"'));
    expect(() => normalizeCapability('ALL')).toThrow(SeccompError);
  });
  it('follows Docker add/drop semantics', () => {
    expect(capabilitySet()).toEqual(new Set(DEFAULT_CAPABILITIES));
    const s = capabilitySet({ add: ['sys_admin'], drop: ['NET_RAW', 'cap_mknod'] });
    expect(s.has('CAP_SYS_ADMIN')).toBe(true);
    expect(s.has('CAP_NET_RAW')).toBe(false);
    expect(s.has('CAP_MKNOD')).toBe(false);
    expect(s.size).toBe(13);
    expect(capabilitySet({ drop: ['ALL'], add: ['CHOWN'] })).toEqual(new Set(['CAP_CHOWN']));
    expect(capabilitySet({ drop: ['all'] }).size).toBe(0);
    const all = capabilitySet({ add: ['ALL'], drop: ['SYS_ADMIN'] });
    expect(all.size).toBe(40);
    expect(all.has('CAP_SYS_ADMIN')).toBe(false);
    expect(capabilitySet({ add: ['ALL'], drop: ['ALL'] }).size).toBe(41);
    expect(capabilitySet({ privileged: true, drop: ['ALL'] }).size).toBe(41);
    expect(() => capabilitySet({ drop: ['NOPE'] })).toThrow('drop: unknown capability "NOPE"');
  });
});

describe('conditions', () => {
  const p = parseProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [
        { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
        { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
      ],
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['both_caps'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_SYS_BOOT'] } },
        { names: ['not_if_any'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN', 'CAP_SYS_BOOT'] } },
        { names: ['new_5_8'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '5.8' } },
        { names: ['old_before_5_8'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.8' } },
        { names: ['patch_6_1_5'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.1.5' } },
        { names: ['amd64_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
        { names: ['x86_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['x86'] } },
        { names: ['arm_family'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
        { names: ['not_arm64'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['arm64'] } },
      ],
    }),
    'cond.json',
  );
  const kept = (machine: 'x86_64' | 'aarch64', caps: string[], kernel: string): string[] =>
    applyConditions(p, { machine, capabilities: new Set(caps), kernel }).syscalls.map((r) => r.names[0] ?? '');

  it('includes.caps requires all, excludes.caps skips on any', () => {
    expect(kept('x86_64', ['SYS_ADMIN'], '6.1')).not.toContain('both_caps');
    expect(kept('x86_64', ['CAP_SYS_ADMIN', 'cap_sys_boot'], '6.1')).toContain('both_caps');
    expect(kept('x86_64', [], '6.1')).toContain('not_if_any');
    expect(kept('x86_64', ['CAP_SYS_BOOT'], '6.1')).not.toContain('not_if_any');
  });
  it('minKernel: 5.8 vs 6.1 vs 4.14 (and 5.8 itself)', () => {
    expect(kept('x86_64', [], '6.1')).toEqual(expect.arrayContaining(['new_5_8']));
    expect(kept('x86_64', [], '6.1')).not.toContain('old_before_5_8');
    expect(kept('x86_64', [], '4.14')).not.toContain('new_5_8');
    expect(kept('x86_64', [], '4.14')).toContain('old_before_5_8');
    expect(kept('x86_64', [], '5.8')).toContain('new_5_8');
    expect(kept('x86_64', [], '5.8.0-1-amd64')).toContain('new_5_8');
    expect(kept('x86_64', [], '5.7.19')).not.toContain('new_5_8');
    expect(kept('x86_64', [], '6.1')).not.toContain('patch_6_1_5');
    expect(kept('x86_64', [], '6.1.5')).toContain('patch_6_1_5');
    expect(kept('x86_64', [], '6.2')).toContain('patch_6_1_5');
  });
  it('arches: x86_64 matches amd64 only, aarch64 matches arm64 only', () => {
    expect(kept('x86_64', [], '6.1')).toEqual(['read', 'not_if_any', 'new_5_8', 'amd64_only', 'not_arm64']);
    expect(kept('aarch64', [], '6.1')).toEqual(['read', 'not_if_any', 'new_5_8', 'arm_family']);
  });
  it('selects the architecture list and clears conditions', () => {
    const r = applyConditions(p, { machine: 'aarch64', capabilities: [], kernel: '6.1' });
    expect(r.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(r.archMap).toEqual([]);
    expect(hasConditions(r)).toBe(false);
    expect(hasConditions(p)).toBe(true);
    expect(selectArchitectures(p, 'x86_64')).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    const plain = parseProfile('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"]}', 'a.json');
    expect(selectArchitectures(plain, 'aarch64')).toEqual(['SCMP_ARCH_X86']);
    const noEntry = parseProfile('{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_S390X"}]}', 'b.json');
    expect(selectArchitectures(noEntry, 'x86_64')).toEqual([]);
  });
  it('rejects bad kernel and capability inputs', () => {
    expect(() => applyConditions(p, { machine: 'x86_64', capabilities: [], kernel: 'six' })).toThrow(
      'kernel: invalid kernel version "six" (expected "X.Y" or "X.Y.Z")',
    );
    expect(() => applyConditions(p, { machine: 'x86_64', capabilities: ['CAP_NOPE'], kernel: '6.1' })).toThrow(
      'capabilities: unknown capability "CAP_NOPE"',
    );
  });
  it('runningKernelVersion reads os.release()', () => {
    expect(runningKernelVersion()).toMatch(/^\d+\.\d+(\.\d+)?$/);
  });
  it('moby default: ptrace only from 4.8 without CAP_SYS_PTRACE', () => {
    const moby = load('moby-profiles-default.json');
    const ptraceRule = rulesFor(moby, 'ptrace').find((r) => r.includes.minKernel === '4.8');
    expect(ptraceRule).toBeDefined();
    if (!ptraceRule) return;
    expect(ruleApplies(ptraceRule, { machine: 'x86_64', capabilities: [], kernel: '4.14' })).toBe(true);
    expect(ruleApplies(ptraceRule, { machine: 'x86_64', capabilities: [], kernel: '4.4' })).toBe(false);
  });
});

describe('containerd default profile (runtime/default)', () => {
  const d = defaultProfile();
  const resolve = (caps: string[], machine: 'x86_64' | 'aarch64' = 'x86_64', kernel = '6.1'): Profile =>
    applyConditions(d, { machine, capabilities: caps, kernel });
  const ALLOW = [{ action: 'SCMP_ACT_ALLOW' }];

  it('records its upstream provenance', () => {
    expect(CONTAINERD_DEFAULT_PROVENANCE.repository).toBe('https://github.com/containerd/containerd');
    expect(CONTAINERD_DEFAULT_PROVENANCE.path).toBe('contrib/seccomp/seccomp_default.go');
    expect(CONTAINERD_DEFAULT_PROVENANCE.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(d.source).toBe('runtime/default');
    expect(d.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(d.defaultErrnoRet).toBe(1);
    expect(parseProfileWithWarnings(defaultProfileText(), 'x').warnings).toEqual([]);
  });
  it('allows name_to_handle_at unconditionally', () => {
    const rules = rulesFor(d, 'name_to_handle_at');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ action: 'SCMP_ACT_ALLOW', args: [], includes: { caps: [], arches: [] } });
    expect(plainActions(resolve([]), 'name_to_handle_at')).toEqual(ALLOW);
  });
  it('allows open_by_handle_at only with CAP_DAC_READ_SEARCH', () => {
    expect(plainActions(resolve(DEFAULT_CAPABILITIES.slice()), 'open_by_handle_at')).toEqual([]);
    expect(plainActions(resolve(['DAC_READ_SEARCH']), 'open_by_handle_at')).toEqual(ALLOW);
  });
  it('allows mount, umount2, unshare, setns, bpf, fsmount only with CAP_SYS_ADMIN', () => {
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'bpf', 'fsmount']) {
      expect(plainActions(resolve(DEFAULT_CAPABILITIES.slice()), name)).toEqual([]);
      expect(plainActions(resolve(['CAP_SYS_ADMIN']), name)).toEqual(ALLOW);
    }
    expect(plainActions(resolve(['CAP_BPF']), 'bpf')).toEqual(ALLOW);
  });
  it('allows reboot only with CAP_SYS_BOOT', () => {
    expect(plainActions(resolve(['CAP_SYS_ADMIN']), 'reboot')).toEqual([]);
    expect(plainActions(resolve(['CAP_SYS_BOOT']), 'reboot')).toEqual(ALLOW);
  });
  it('clone3 gives ENOSYS without CAP_SYS_ADMIN; clone is flag-restricted', () => {
    expect(plainActions(resolve([]), 'clone3')).toEqual([{ action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
    expect(plainActions(resolve(['CAP_SYS_ADMIN']), 'clone3')).toEqual(ALLOW);
    const clone = rulesFor(resolve([]), 'clone');
    expect(clone).toHaveLength(1);
    expect(clone[0]?.args).toEqual([{ index: 0, value: 0x7e020000n, valueTwo: 0n, op: 'SCMP_CMP_MASKED_EQ' }]);
    expect(plainActions(resolve(['CAP_SYS_ADMIN']), 'clone')).toEqual(ALLOW);
    expect(rulesFor(resolve(['CAP_SYS_ADMIN']), 'clone').filter((r) => r.args.length > 0)).toEqual([]);
  });
  it('has the personality and socket argument rules', () => {
    const pers = rulesFor(d, 'personality').map((r) => r.args[0]?.value);
    expect(pers).toEqual([0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]);
    const sock = rulesFor(d, 'socket').map((r) => [r.args[0]?.op, r.args[0]?.value]);
    expect(sock).toEqual([
      ['SCMP_CMP_LT', 38n],
      ['SCMP_CMP_EQ', 39n],
      ['SCMP_CMP_GT', 40n],
    ]);
  });
  it('arch-specific blocks and archMap', () => {
    expect(plainActions(resolve([]), 'arch_prctl')).toEqual(ALLOW);
    expect(plainActions(resolve([], 'aarch64'), 'arch_prctl')).toEqual([]);
    expect(plainActions(resolve([], 'aarch64'), 'set_tls')).toEqual(ALLOW);
    expect(plainActions(resolve([]), 'set_tls')).toEqual([]);
    expect(resolve([], 'aarch64').architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(resolve([]).architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });
  it('ptrace: from kernel 4.8, or with CAP_SYS_PTRACE', () => {
    expect(plainActions(resolve([], 'x86_64', '4.4'), 'ptrace')).toEqual([]);
    expect(plainActions(resolve([], 'x86_64', '4.8'), 'ptrace')).toEqual(ALLOW);
    expect(plainActions(resolve(['SYS_PTRACE'], 'x86_64', '4.4'), 'ptrace')).toEqual(ALLOW);
  });
  it('does not allow io_uring (containerd test)', () => {
    const all = resolve([...CAPABILITIES]);
    for (const n of ['io_uring_setup', 'io_uring_enter', 'io_uring_register']) expect(rulesFor(all, n)).toEqual([]);
  });
});

describe('export', () => {
  const inputs: [string, () => Profile][] = [
    ...SHARED_FILES.map((f): [string, () => Profile] => [f, () => load(f)]),
    ['runtime/default', () => defaultProfile()],
  ];

  it.each(inputs)('%s: docker export re-loads to the same profile', (_name, get) => {
    const p = get();
    const text = exportProfile(p, { format: 'docker' });
    const again = parseProfileWithWarnings(text, 'exported.json');
    expect(again.warnings).toEqual([]);
    expect(essence(again.profile)).toEqual(essence(p));
  });

  it.each(inputs)('%s: oci export is plain runtime-spec JSON and re-loads to the resolved profile', (_name, get) => {
    const p = get();
    const text = exportProfile(p, { format: 'oci', kernel: '6.1' });
    const json = JSON.parse(text) as Record<string, unknown> & { syscalls: Record<string, unknown>[] };
    expect(Object.keys(json)).not.toContain('archMap');
    expect(json['architectures']).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    for (const r of json.syscalls) {
      expect(Object.keys(r).every((k) => ['names', 'action', 'errnoRet', 'args'].includes(k))).toBe(true);
    }
    const again = parseProfile(text, 'oci.json');
    expect(hasConditions(again)).toBe(false);
    expect(essence(again, false)).toEqual(essence(resolveProfile(p, { kernel: '6.1' }), false));
  });

  it('oci export for one machine and capability set', () => {
    const d = defaultProfile();
    const text = exportProfile(d, { format: 'oci', machine: 'aarch64', capabilities: ['CAP_SYS_ADMIN'], kernel: '5.10' });
    const again = parseProfile(text, 'arm.json');
    expect(again.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(plainActions(again, 'mount')).toEqual([{ action: 'SCMP_ACT_ALLOW' }]);
    expect(plainActions(again, 'arch_prctl')).toEqual([]);
    expect(rulesFor(again, 'clone3').map((r) => r.action)).toEqual(['SCMP_ACT_ALLOW']);
  });

  it('oci export for both machines keeps the union of arch rules, default caps', () => {
    const again = parseProfile(exportProfile(defaultProfile(), { format: 'oci', kernel: '6.1' }), 'u.json');
    expect(plainActions(again, 'arch_prctl')).toEqual([{ action: 'SCMP_ACT_ALLOW' }]);
    expect(plainActions(again, 'set_tls')).toEqual([{ action: 'SCMP_ACT_ALLOW' }]);
    expect(plainActions(again, 's390_runtime_instr')).toEqual([]);
    expect(plainActions(again, 'mount')).toEqual([]);
    expect(plainActions(again, 'clone3')).toEqual([{ action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  });
});
