import { describe, it, expect } from 'vitest';
import { parseProfile, parseProfileWithWarnings, loadProfileFile, loadProfile } from '../src/profile/index.js';
import { SeccompError } from '../src/errors.js';

/** The one-line error message parseProfile throws for `text`, asserting it is a SeccompError. */
function errorOf(text: string, source = 'p.json', strict = false): string {
  try {
    parseProfile(text, source, { strict });
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected parseProfile to throw');
}

/** A one-rule profile with `rule` on line 3 (column 3 is the rule's `{`). */
function oneRule(rule: string): string {
  return `{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [\n  ${rule}\n  ]\n}\n`;
}
// In oneRule, the rule text starts at line 4, column 3.

describe('JSON syntax errors', () => {
  it('reports FILE:LINE:COL for a trailing comma', () => {
    expect(errorOf('{\n  "defaultAction": "SCMP_ACT_ALLOW",\n}')).toBe('p.json:3:1: invalid JSON: trailing comma before "}"');
  });
  it('reports an unterminated string at its opening quote', () => {
    expect(errorOf('{\n  "defaultAction": "SCMP_ACT_ALLOW\n}')).toBe(
      'p.json:2:20: invalid JSON: unterminated string (newline inside a string)',
    );
  });
  it('reports an unknown literal', () => {
    expect(errorOf('{"defaultAction": True}')).toBe('p.json:1:19: invalid JSON: unknown literal "True", expected a value');
  });
  it('reports a missing colon', () => {
    expect(errorOf('{"defaultAction" "x"}')).toBe(
      'p.json:1:18: invalid JSON: unexpected character "\\"", expected ":" after key "defaultAction"',
    );
  });
  it('reports a missing comma between members, naming where the object started', () => {
    expect(errorOf('{\n "a": 1\n "b": 2\n}')).toBe(
      'p.json:3:2: invalid JSON: unexpected character "\\"", expected "," or "}" in object started at 1:1',
    );
  });
  it('reports unexpected end of input', () => {
    expect(errorOf('{"syscalls": [')).toBe('p.json:1:15: invalid JSON: unexpected end of input, expected a value');
  });
  it('reports text after the value', () => {
    expect(errorOf('{}\n}')).toBe('p.json:2:1: invalid JSON: unexpected character "}" after the JSON value');
  });
  it('reports an empty document', () => {
    expect(errorOf('  \n')).toBe('p.json:2:1: invalid JSON: empty document, expected a JSON value');
  });
  it('rejects malformed numbers and leading zeros', () => {
    expect(errorOf('{"defaultErrnoRet": 01}')).toBe('p.json:1:21: invalid JSON: invalid number "01"');
    expect(errorOf('{"defaultErrnoRet": 1__0}')).toBe('p.json:1:21: invalid JSON: invalid number "1__0"');
    expect(errorOf('{"defaultErrnoRet": 0xg}')).toBe('p.json:1:21: invalid JSON: invalid number "0xg"');
  });
  it('rejects absurd nesting with a message, not a stack overflow', () => {
    expect(errorOf('['.repeat(300) + ']'.repeat(300))).toBe('p.json:1:257: invalid JSON: nesting deeper than 256 levels');
  });
  it('rejects bad escapes and raw control characters', () => {
    expect(errorOf('{"defaultAction": "a\\qb"}')).toBe('p.json:1:21: invalid JSON: invalid escape "\\q" in string');
    expect(errorOf('{"defaultAction": "a\tb"}')).toBe(
      'p.json:1:21: invalid JSON: control character U+0009 inside a string must be escaped',
    );
  });
});

describe('semantic errors name file, line:col, JSON path and value', () => {
  it('unknown action', () => {
    expect(errorOf(oneRule('{ "names": ["read"], "action": "SCMP_ACT_FOO" }'))).toBe(
      'p.json:4:34: syscalls[0].action: unknown action "SCMP_ACT_FOO"',
    );
  });
  it('unknown default action', () => {
    expect(errorOf('{\n\t"defaultAction": "SCMP_ACT_DENY"\n}')).toBe(
      'p.json:2:19: defaultAction: unknown action "SCMP_ACT_DENY"',
    );
  });
  it('missing defaultAction points at the object', () => {
    expect(errorOf('\n {"syscalls": []}')).toBe('p.json:2:2: defaultAction: missing');
  });
  it('a profile that is not an object', () => {
    expect(errorOf('[]')).toBe('p.json:1:1: a profile must be a JSON object, got an array');
  });
  it('unknown operator', () => {
    expect(
      errorOf(oneRule('{ "names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 1, "op": "SCMP_CMP_FOO" }] }')),
    ).toBe('p.json:4:93: syscalls[0].args[0].op: unknown operator "SCMP_CMP_FOO"');
  });
  it('argument index out of range and negative', () => {
    expect(
      errorOf(oneRule('{ "names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 6, "value": 1, "op": "SCMP_CMP_EQ" }] }')),
    ).toBe('p.json:4:72: syscalls[0].args[0].index: value 6 out of range (argument index must be 0..5)');
    expect(
      errorOf(oneRule('{ "names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": -1, "value": 1, "op": "SCMP_CMP_EQ" }] }')),
    ).toBe('p.json:4:72: syscalls[0].args[0].index: negative value -1 (argument index must be 0..5)');
  });
  it('missing argument fields', () => {
    expect(errorOf(oneRule('{ "names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 1, "value": 1 }] }'))).toBe(
      'p.json:4:61: syscalls[0].args[0].op: missing',
    );
  });
  it('a rule with no names', () => {
    expect(errorOf(oneRule('{ "names": [], "action": "SCMP_ACT_ALLOW" }'))).toBe('p.json:4:3: syscalls[0]: rule has no syscall names');
    expect(errorOf(oneRule('{ "action": "SCMP_ACT_ALLOW" }'))).toBe('p.json:4:3: syscalls[0]: rule has no syscall names');
  });
  it('an empty name', () => {
    expect(errorOf(oneRule('{ "names": ["read", ""], "action": "SCMP_ACT_ALLOW" }'))).toBe(
      'p.json:4:23: syscalls[0].names[1]: empty syscall name ""',
    );
  });
  it('both name and names', () => {
    expect(errorOf(oneRule('{ "name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW" }'))).toBe(
      'p.json:4:13: syscalls[0].name: both "name" and "names" are given; use one of them',
    );
  });
  it('a name that is not a string', () => {
    expect(errorOf(oneRule('{ "names": ["read", 3], "action": "SCMP_ACT_ALLOW" }'))).toBe(
      'p.json:4:23: syscalls[0].names[1]: expected a string, got a number 3',
    );
  });
  it('unknown architecture in architectures and in archMap', () => {
    expect(errorOf('{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"]}')).toBe(
      'p.json:1:75: architectures[1]: unknown architecture "SCMP_ARCH_Z80"',
    );
    expect(
      errorOf('{"defaultAction": "SCMP_ACT_ALLOW",\n"archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["x86"]}]}'),
    ).toBe('p.json:2:71: archMap[0].subArchitectures[0]: unknown architecture "x86"');
  });
  it('unknown architecture in includes.arches', () => {
    expect(errorOf(oneRule('{ "names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": { "arches": ["x86_64"] } }'))).toBe(
      'p.json:4:83: syscalls[0].includes.arches[0]: unknown architecture "x86_64" (use Go names such as amd64, arm64, x86, x32, arm)',
    );
  });
  it('unknown capability', () => {
    expect(errorOf(oneRule('{ "names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": { "caps": ["CAP_SYS_ADMIN", "CAP_FLY"] } }'))).toBe(
      'p.json:4:93: syscalls[0].includes.caps[1]: unknown capability "CAP_FLY"',
    );
  });
  it('both architectures and archMap', () => {
    expect(
      errorOf(
        '{"defaultAction": "SCMP_ACT_ALLOW",\n "architectures": ["SCMP_ARCH_X86_64"],\n "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}',
      ),
    ).toBe('p.json:3:13: archMap: both "architectures" and "archMap" are given; use one of them');
  });
  it('values outside uint64, negative or fractional', () => {
    const rule = (v: string) => oneRule(`{ "names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": ${v}, "op": "SCMP_CMP_EQ" }] }`);
    expect(errorOf(rule('18446744073709551616'))).toBe(
      'p.json:4:84: syscalls[0].args[0].value: value 18446744073709551616 out of range (must be a uint64, 0..18446744073709551615)',
    );
    expect(errorOf(rule('0x1_0000_0000_0000_0000'))).toMatch(
      /^p\.json:4:84: syscalls\[0\]\.args\[0\]\.value: value 0x1_0000_0000_0000_0000 out of range \(must be a uint64/,
    );
    expect(errorOf(rule('-1'))).toBe(
      'p.json:4:84: syscalls[0].args[0].value: negative value -1 (must be a uint64, 0..18446744073709551615)',
    );
    expect(errorOf(rule('1.5'))).toBe(
      'p.json:4:84: syscalls[0].args[0].value: 1.5 is not an integer (must be a uint64, 0..18446744073709551615)',
    );
    expect(errorOf(rule('"7"'))).toBe('p.json:4:84: syscalls[0].args[0].value: expected a number, got a string "7"');
  });
  it('negative errnoRet and defaultErrnoRet; errno above 16 bits', () => {
    expect(errorOf(oneRule('{ "names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": -1 }'))).toBe(
      'p.json:4:64: syscalls[0].errnoRet: negative value -1 (must be 0..65535)',
    );
    expect(errorOf('{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -38}')).toBe(
      'p.json:1:56: defaultErrnoRet: negative value -38 (must be 0..65535)',
    );
    expect(errorOf('{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 65536}')).toBe(
      'p.json:1:56: defaultErrnoRet: value 65536 out of range (must be 0..65535)',
    );
  });
  it('unknown flag', () => {
    expect(errorOf('{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST"]}')).toBe(
      'p.json:1:74: flags[1]: unknown flag "SECCOMP_FILTER_FLAG_FAST"',
    );
  });
  it('bad minKernel', () => {
    for (const bad of ['4', 'a.b', '0.0', '4.8.1.2', '4.8-rc1', ' 4.8']) {
      expect(errorOf(oneRule(`{ "names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": ${JSON.stringify(bad)} } }`))).toBe(
        `p.json:4:81: syscalls[0].includes.minKernel: invalid kernel version ${JSON.stringify(bad)} (expected "X.Y" or "X.Y.Z", not "0.0")`,
      );
    }
    expect(errorOf(oneRule('{ "names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "excludes": { "minKernel": 4.8 } }'))).toBe(
      'p.json:4:81: syscalls[0].excludes.minKernel: expected a string, got a number 4.8',
    );
  });
  it('wrong container types', () => {
    expect(errorOf('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}}')).toBe('p.json:1:49: syscalls: expected an array, got an object');
    expect(errorOf('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [7]}')).toBe('p.json:1:50: syscalls[0]: expected an object, got a number');
    expect(errorOf(oneRule('{ "names": "read", "action": "SCMP_ACT_ALLOW" }'))).toBe(
      'p.json:4:14: syscalls[0].names: expected an array, got a string',
    );
  });
  it('errors use the source name given', () => {
    expect(errorOf('{"defaultAction": 1}', '/etc/seccomp/x.json')).toBe(
      '/etc/seccomp/x.json:1:19: defaultAction: expected a string, got a number 1',
    );
  });
});

describe('unknown keys', () => {
  const misspelt = oneRule('{ "names": ["kill"], "action": "SCMP_ACT_ALLOW", "arg": [] }');
  it('are warnings with a hint by default', () => {
    const { profile, warnings } = parseProfileWithWarnings(misspelt, 'p.json');
    expect(profile.syscalls[0]?.args).toEqual([]);
    expect(warnings).toEqual(['p.json:4:52: syscalls[0]: unknown key "arg" ignored (did you mean "args"?)']);
  });
  it('are errors in strict mode', () => {
    expect(errorOf(misspelt, 'p.json', true)).toBe('p.json:4:52: syscalls[0]: unknown key "arg" ignored (did you mean "args"?)');
  });
  it('at top level are ignored with a warning (forward compatibility)', () => {
    const { profile, warnings } = parseProfileWithWarnings('{"defaultAction": "SCMP_ACT_LOG", "futureField": {"x": [1]}}', 'q.json');
    expect(profile.defaultAction).toBe('SCMP_ACT_LOG');
    expect(warnings).toEqual(['q.json:1:35: unknown key "futureField" ignored']);
  });
  it('duplicate keys: the last one wins, with a warning', () => {
    const { profile, warnings } = parseProfileWithWarnings('{"defaultAction": "SCMP_ACT_LOG", "defaultAction": "SCMP_ACT_TRAP"}', 'd.json');
    expect(profile.defaultAction).toBe('SCMP_ACT_TRAP');
    expect(warnings).toEqual(['d.json:1:35: duplicate key "defaultAction", the last one is used']);
  });
  it('errnoRet with an action that ignores it gives a warning', () => {
    const { profile, warnings } = parseProfileWithWarnings(
      oneRule('{ "names": ["kill"], "action": "SCMP_ACT_ALLOW", "errnoRet": 5 }'),
      'e.json',
    );
    expect(profile.syscalls[0]?.errnoRet).toBe(5);
    expect(warnings).toEqual(['e.json:4:64: syscalls[0].errnoRet: has no effect with SCMP_ACT_ALLOW']);
    expect(parseProfileWithWarnings('{"defaultAction": "SCMP_ACT_TRACE", "defaultErrnoRet": 7}', 't.json').warnings).toEqual([]);
  });
  it('non-canonical capability spelling is accepted with a warning', () => {
    const { profile, warnings } = parseProfileWithWarnings(
      oneRule('{ "names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": { "caps": ["sys_admin"] } }'),
      'c.json',
    );
    expect(profile.syscalls[0]?.includes.caps).toEqual(['CAP_SYS_ADMIN']);
    expect(warnings).toEqual([
      'c.json:4:76: syscalls[0].includes.caps[0]: capability "sys_admin" read as "CAP_SYS_ADMIN" (Docker compares names literally)',
    ]);
  });
});

describe('files', () => {
  it('a missing file gives one line with the path and ENOENT', () => {
    expect(() => loadProfileFile('/nonexistent/dir/profile.json')).toThrow(
      new SeccompError('cannot read profile "/nonexistent/dir/profile.json": ENOENT: no such file or directory'),
    );
    expect(() => loadProfile('localhost/missing.json', { root: '/nonexistent/seccomp' })).toThrow(
      /^cannot read profile "\/nonexistent\/seccomp\/missing\.json": ENOENT: no such file or directory$/,
    );
  });
  it('a directory gives EISDIR', () => {
    expect(() => loadProfileFile('/tmp')).toThrow(/^cannot read profile "\/tmp": EISDIR: illegal operation on a directory$/);
  });
});
