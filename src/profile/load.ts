/**
 * Loading and validating seccomp profiles: the OCI runtime-spec `LinuxSeccomp` JSON and
 * Docker's extended form (`archMap`, `includes` / `excludes`, old single `name`).
 *
 * Every error is one line: `FILE:LINE:COL: JSON.PATH: problem "value"`, thrown as
 * {@link SeccompError}.
 *
 * Decisions (documented behaviour):
 *  - Keys match case-insensitively, as Go's encoding/json (used by Docker, containerd, runc)
 *    does; when a key appears twice the last one wins (also Go's rule) and a warning is given.
 *  - `null` counts as absent everywhere (Go semantics; moby's own profile has
 *    `"subArchitectures": null`).
 *  - Unknown keys are ignored, as Docker/runc do, but never silently: each gives a warning
 *    naming file, line, column and path (with a "did you mean" hint for near misses), so a
 *    misspelt `"arg"` inside a rule is visible. With `{ strict: true }` they are errors.
 *    Podman's informational `errno` / `defaultErrno` strings are known keys (checked to be
 *    strings, otherwise unused: `errnoRet` is what runtimes use).
 *  - `errnoRet` / `defaultErrnoRet` must be integers 0..65535 (the kernel keeps 16 bits of
 *    return data; larger values would be silently truncated). Absent stays `undefined`.
 *    With an action other than ERRNO / TRACE it is kept but has no effect (runc ignores it):
 *    a warning says so.
 *  - Argument `index`, `value` and `op` are required (runtime-spec schema); `valueTwo`
 *    defaults to 0. Values are uint64, kept as bigint; hex and `_` separators are accepted.
 *  - `includes.caps` / `excludes.caps` take any capability spelling; a non-canonical one
 *    (`sys_admin`) is normalised with a warning, because Docker compares names literally.
 *  - `includes.arches` / `excludes.arches` must be Docker's Go-style names (`amd64`,
 *    `arm64`, `x86`, `x32`, `arm`, `s390x`, …); anything else is an error.
 *  - `minKernel` is `X.Y` (moby) or `X.Y.Z` (extension); `""` means no constraint (moby).
 */
import { readFileSync } from 'node:fs';
import { SeccompError } from '../errors.js';
import { normalizeCapability, isCapabilityName } from '../capabilities.js';
import {
  ACTIONS,
  OPERATORS,
  PROFILE_ARCHES,
  FILTER_FLAGS,
  type ActionName,
  type OperatorName,
  type ProfileArch,
  type FilterFlag,
  type ArgCondition,
  type RuleFilter,
  type SyscallRule,
  type ArchMapEntry,
  type Profile,
} from './types.js';
import {
  parseJson,
  jsonNumberToBigInt,
  describeKind,
  type JsonValue,
  type JsonObject,
  type JsonMember,
  type JsonPosition,
} from './json.js';
import { parseKernelVersion } from './kernel.js';

/** Largest uint64. */
export const UINT64_MAX = (1n << 64n) - 1n;

/** Largest errno / return-data value (16 bits). */
export const ERRNO_MAX = 0xffff;

/** Highest syscall argument index. */
export const MAX_ARG_INDEX = 5;

/**
 * Architecture spellings accepted in `includes.arches` / `excludes.arches`: the names moby
 * derives from Go's GOARCH (its `goToNative` / `nativeToSeccomp` tables), plus `x32`.
 */
export const FILTER_ARCHES: readonly string[] = [
  'amd64',
  'x86',
  'x32',
  'arm',
  'arm64',
  'loong64',
  'loongarch64',
  'mips',
  'mipsle',
  'mipsel',
  'mips64',
  'mips64n32',
  'mipsel64',
  'mipsel64n32',
  'mips3l64n32',
  'ppc',
  'ppc64',
  'ppc64le',
  'riscv64',
  's390',
  's390x',
];

/** Options for {@link parseProfile} and {@link loadProfileFile}. */
export interface ParseOptions {
  /** Unknown or duplicate keys are errors instead of warnings. Default false. */
  readonly strict?: boolean;
}

/** A profile with the non-fatal findings made while loading it. */
export interface LoadedProfile {
  readonly profile: Profile;
  /** One line each, `FILE:LINE:COL: PATH: what`. */
  readonly warnings: readonly string[];
}

/** Parse profile JSON `text`; `source` names it in messages (usually the file path). */
export function parseProfile(text: string, source: string, opts: ParseOptions = {}): Profile {
  return parseProfileWithWarnings(text, source, opts).profile;
}

/** Like {@link parseProfile}, also returning warnings (unknown keys, duplicates, spellings). */
export function parseProfileWithWarnings(text: string, source: string, opts: ParseOptions = {}): LoadedProfile {
  const root = parseJson(text, source);
  const ctx = new Ctx(source, opts.strict ?? false);
  const profile = readProfile(ctx, root);
  return { profile, warnings: ctx.warnings };
}

/** Read and parse a profile file (synchronously). */
export function loadProfileFile(path: string, opts: ParseOptions = {}): Profile {
  return loadProfileFileWithWarnings(path, opts).profile;
}

/** Like {@link loadProfileFile}, also returning warnings. */
export function loadProfileFileWithWarnings(path: string, opts: ParseOptions = {}): LoadedProfile {
  return parseProfileWithWarnings(readProfileText(path), path, opts);
}

/**
 * Read a profile file as UTF-8; a failure becomes one line
 * `cannot read profile "PATH": ENOENT: no such file or directory`.
 */
export function readProfileText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new SeccompError(`cannot read profile ${JSON.stringify(path)}: ${describeFsError(e)}`);
  }
}

function describeFsError(e: unknown): string {
  if (e instanceof Error) {
    // Node: "ENOENT: no such file or directory, open 'x'": keep the code and its meaning.
    const m = /^([A-Z0-9_]+: [^,]*)/.exec(e.message);
    if (m?.[1]) return m[1];
    return e.message.split('\n')[0] ?? String(e);
  }
  return String(e);
}

// ---------------------------------------------------------------------------------------

class Ctx {
  readonly warnings: string[] = [];
  constructor(readonly source: string, readonly strict: boolean) {}

  where(at: JsonPosition): string {
    return `${this.source}:${at.line}:${at.col}`;
  }

  fail(at: JsonPosition, path: string, what: string): never {
    throw new SeccompError(`${this.where(at)}: ${path ? `${path}: ` : ''}${what}`);
  }

  warn(at: JsonPosition, path: string, what: string): void {
    const line = `${this.where(at)}: ${path ? `${path}: ` : ''}${what}`;
    if (this.strict) throw new SeccompError(line);
    this.warnings.push(line);
  }
}


/** Edit distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/**
 * Collect an object's members by known key (case-insensitive, last wins), warning about
 * unknown and duplicate keys. Members whose value is `null` are treated as absent.
 */
function fields(ctx: Ctx, obj: JsonObject, path: string, known: readonly string[]): Map<string, JsonMember> {
  const out = new Map<string, JsonMember>();
  for (const m of obj.entries) {
    const k = known.find((x) => x === m.key) ?? known.find((x) => x.toLowerCase() === m.key.toLowerCase());
    if (k === undefined) {
      const near = known.find((x) => distance(x.toLowerCase(), m.key.toLowerCase()) <= 2);
      const hint = near ? ` (did you mean ${JSON.stringify(near)}?)` : '';
      ctx.warn(m.keyPos, path, `unknown key ${JSON.stringify(m.key)} ignored${hint}`);
      continue;
    }
    if (out.has(k)) ctx.warn(m.keyPos, path, `duplicate key ${JSON.stringify(m.key)}, the last one is used`);
    if (m.value.kind === 'null') out.delete(k);
    else out.set(k, m);
  }
  return out;
}

function expectObject(ctx: Ctx, v: JsonValue, path: string): JsonObject {
  if (v.kind !== 'object') ctx.fail(v, path, `expected an object, got ${describeKind(v)}`);
  return v;
}

function expectArray(ctx: Ctx, v: JsonValue, path: string): readonly JsonValue[] {
  if (v.kind !== 'array') ctx.fail(v, path, `expected an array, got ${describeKind(v)}`);
  return v.items;
}

function expectString(ctx: Ctx, v: JsonValue, path: string): string {
  if (v.kind !== 'string') ctx.fail(v, path, `expected a string, got ${describeKind(v)}${v.kind === 'number' ? ` ${v.text}` : ''}`);
  return v.value;
}

/** An integer in [min, max]; `rangeText` describes the range in messages. */
function expectInteger(ctx: Ctx, v: JsonValue, path: string, max: bigint, rangeText: string): bigint {
  if (v.kind !== 'number') {
    ctx.fail(v, path, `expected a number, got ${describeKind(v)}${v.kind === 'string' ? ` ${JSON.stringify(v.value)}` : ''}`);
  }
  const n = jsonNumberToBigInt(v.text);
  if (n === undefined) ctx.fail(v, path, `${v.text} is not an integer (${rangeText})`);
  if (n < 0n) ctx.fail(v, path, `negative value ${v.text} (${rangeText})`);
  if (n > max) ctx.fail(v, path, `value ${v.text} out of range (${rangeText})`);
  return n;
}

function readErrno(ctx: Ctx, v: JsonValue, path: string): number {
  return Number(expectInteger(ctx, v, path, BigInt(ERRNO_MAX), `must be 0..${ERRNO_MAX}`));
}

function readUint64(ctx: Ctx, v: JsonValue, path: string): bigint {
  return expectInteger(ctx, v, path, UINT64_MAX, `must be a uint64, 0..${UINT64_MAX}`);
}

/** Actions whose return data comes from `errnoRet` (runc: ERRNO's errno, TRACE's message). */
function usesErrnoRet(action: ActionName): boolean {
  return action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE';
}

function readAction(ctx: Ctx, v: JsonValue, path: string): ActionName {
  const s = expectString(ctx, v, path);
  if (!(ACTIONS as readonly string[]).includes(s)) ctx.fail(v, path, `unknown action ${JSON.stringify(s)}`);
  return s as ActionName;
}

function readArch(ctx: Ctx, v: JsonValue, path: string): ProfileArch {
  const s = expectString(ctx, v, path);
  if (!(PROFILE_ARCHES as readonly string[]).includes(s)) ctx.fail(v, path, `unknown architecture ${JSON.stringify(s)}`);
  return s as ProfileArch;
}

function readStringList(ctx: Ctx, v: JsonValue, path: string): { value: string; at: JsonValue; path: string }[] {
  return expectArray(ctx, v, path).map((item, i) => {
    const p = `${path}[${i}]`;
    return { value: expectString(ctx, item, p), at: item, path: p };
  });
}

const TOP_KEYS = [
  'defaultAction',
  'defaultErrnoRet',
  'architectures',
  'archMap',
  'flags',
  'listenerPath',
  'listenerMetadata',
  'syscalls',
  'defaultErrno', // Podman (containers/common), informational
  'comment',
] as const;

function readProfile(ctx: Ctx, root: JsonValue): Profile {
  if (root.kind !== 'object') ctx.fail(root, '', `a profile must be a JSON object, got ${describeKind(root)}`);
  const f = fields(ctx, root, '', TOP_KEYS);

  const da = f.get('defaultAction');
  if (!da) ctx.fail(root, 'defaultAction', 'missing');
  const defaultAction = readAction(ctx, da.value, 'defaultAction');

  const der = f.get('defaultErrnoRet');
  const defaultErrnoRet = der ? readErrno(ctx, der.value, 'defaultErrnoRet') : undefined;
  if (der && !usesErrnoRet(defaultAction)) ctx.warn(der.value, 'defaultErrnoRet', `has no effect with ${defaultAction}`);

  const dErrno = f.get('defaultErrno');
  if (dErrno) expectString(ctx, dErrno.value, 'defaultErrno');
  const comment = f.get('comment');
  if (comment) expectString(ctx, comment.value, 'comment');

  const archMember = f.get('architectures');
  const architectures = archMember
    ? expectArray(ctx, archMember.value, 'architectures').map((a, i) => readArch(ctx, a, `architectures[${i}]`))
    : [];

  const mapMember = f.get('archMap');
  const archMap: ArchMapEntry[] = [];
  if (mapMember) {
    const items = expectArray(ctx, mapMember.value, 'archMap');
    if (items.length > 0 && architectures.length > 0) {
      ctx.fail(mapMember.value, 'archMap', 'both "architectures" and "archMap" are given; use one of them');
    }
    items.forEach((item, i) => archMap.push(readArchMapEntry(ctx, item, `archMap[${i}]`)));
  }

  const flagsMember = f.get('flags');
  const flags: FilterFlag[] = [];
  if (flagsMember) {
    for (const s of readStringList(ctx, flagsMember.value, 'flags')) {
      if (!(FILTER_FLAGS as readonly string[]).includes(s.value)) ctx.fail(s.at, s.path, `unknown flag ${JSON.stringify(s.value)}`);
      flags.push(s.value as FilterFlag);
    }
  }

  const lp = f.get('listenerPath');
  const listenerPath = lp ? expectString(ctx, lp.value, 'listenerPath') : undefined;
  const lm = f.get('listenerMetadata');
  const listenerMetadata = lm ? expectString(ctx, lm.value, 'listenerMetadata') : undefined;

  const sc = f.get('syscalls');
  const syscalls = sc ? expectArray(ctx, sc.value, 'syscalls').map((r, i) => readRule(ctx, r, i)) : [];

  return {
    defaultAction,
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    architectures,
    archMap,
    flags,
    ...(listenerPath !== undefined ? { listenerPath } : {}),
    ...(listenerMetadata !== undefined ? { listenerMetadata } : {}),
    syscalls,
    source: ctx.source,
  };
}

function readArchMapEntry(ctx: Ctx, v: JsonValue, path: string): ArchMapEntry {
  const obj = expectObject(ctx, v, path);
  const f = fields(ctx, obj, path, ['architecture', 'subArchitectures']);
  const a = f.get('architecture');
  if (!a) ctx.fail(obj, `${path}.architecture`, 'missing');
  const architecture = readArch(ctx, a.value, `${path}.architecture`);
  const sub = f.get('subArchitectures');
  const subArchitectures = sub
    ? expectArray(ctx, sub.value, `${path}.subArchitectures`).map((s, i) => readArch(ctx, s, `${path}.subArchitectures[${i}]`))
    : [];
  return { architecture, subArchitectures };
}

const RULE_KEYS = ['names', 'name', 'action', 'errnoRet', 'args', 'comment', 'includes', 'excludes', 'errno'] as const;

function readRule(ctx: Ctx, v: JsonValue, index: number): SyscallRule {
  const path = `syscalls[${index}]`;
  const obj = expectObject(ctx, v, path);
  const f = fields(ctx, obj, path, RULE_KEYS);

  const namesMember = f.get('names');
  const nameMember = f.get('name');
  const names: string[] = [];
  if (nameMember) {
    const p = `${path}.name`;
    const s = expectString(ctx, nameMember.value, p);
    if (s !== '' && namesMember && expectArray(ctx, namesMember.value, `${path}.names`).length > 0) {
      ctx.fail(nameMember.value, p, 'both "name" and "names" are given; use one of them');
    }
    // moby: an empty "name" means "not given"
    if (s !== '') names.push(s);
  }
  if (namesMember) {
    for (const s of readStringList(ctx, namesMember.value, `${path}.names`)) {
      if (s.value.trim() === '') ctx.fail(s.at, s.path, `empty syscall name ${JSON.stringify(s.value)}`);
      names.push(s.value);
    }
  }
  if (names.length === 0) ctx.fail(obj, path, 'rule has no syscall names');

  const actionMember = f.get('action');
  if (!actionMember) ctx.fail(obj, `${path}.action`, 'missing');
  const action = readAction(ctx, actionMember.value, `${path}.action`);

  const er = f.get('errnoRet');
  const errnoRet = er ? readErrno(ctx, er.value, `${path}.errnoRet`) : undefined;
  if (er && !usesErrnoRet(action)) ctx.warn(er.value, `${path}.errnoRet`, `has no effect with ${action}`);
  const errno = f.get('errno');
  if (errno) expectString(ctx, errno.value, `${path}.errno`);

  const argsMember = f.get('args');
  const args = argsMember
    ? expectArray(ctx, argsMember.value, `${path}.args`).map((a, i) => readArg(ctx, a, `${path}.args[${i}]`))
    : [];

  const c = f.get('comment');
  const comment = c ? expectString(ctx, c.value, `${path}.comment`) : undefined;

  const inc = f.get('includes');
  const includes = inc ? readFilter(ctx, inc.value, `${path}.includes`) : EMPTY_FILTER;
  const exc = f.get('excludes');
  const excludes = exc ? readFilter(ctx, exc.value, `${path}.excludes`) : EMPTY_FILTER;

  return {
    names,
    action,
    ...(errnoRet !== undefined ? { errnoRet } : {}),
    args,
    ...(comment !== undefined && comment !== '' ? { comment } : {}),
    includes,
    excludes,
    origin: `${ctx.source}:${path}`,
  };
}

const EMPTY_FILTER: RuleFilter = { caps: [], arches: [] };

function readArg(ctx: Ctx, v: JsonValue, path: string): ArgCondition {
  const obj = expectObject(ctx, v, path);
  const f = fields(ctx, obj, path, ['index', 'value', 'valueTwo', 'op']);
  const idx = f.get('index');
  if (!idx) ctx.fail(obj, `${path}.index`, 'missing');
  const index = Number(expectInteger(ctx, idx.value, `${path}.index`, BigInt(MAX_ARG_INDEX), `argument index must be 0..${MAX_ARG_INDEX}`));
  const val = f.get('value');
  if (!val) ctx.fail(obj, `${path}.value`, 'missing');
  const value = readUint64(ctx, val.value, `${path}.value`);
  const v2 = f.get('valueTwo');
  const valueTwo = v2 ? readUint64(ctx, v2.value, `${path}.valueTwo`) : 0n;
  const opMember = f.get('op');
  if (!opMember) ctx.fail(obj, `${path}.op`, 'missing');
  const op = expectString(ctx, opMember.value, `${path}.op`);
  if (!(OPERATORS as readonly string[]).includes(op)) ctx.fail(opMember.value, `${path}.op`, `unknown operator ${JSON.stringify(op)}`);
  return { index, value, valueTwo, op: op as OperatorName };
}

function readFilter(ctx: Ctx, v: JsonValue, path: string): RuleFilter {
  const obj = expectObject(ctx, v, path);
  const f = fields(ctx, obj, path, ['caps', 'arches', 'minKernel']);
  const caps: string[] = [];
  const capsMember = f.get('caps');
  if (capsMember) {
    for (const s of readStringList(ctx, capsMember.value, `${path}.caps`)) {
      let canonical: string;
      try {
        canonical = normalizeCapability(s.value);
      } catch {
        return ctx.fail(s.at, s.path, `unknown capability ${JSON.stringify(s.value)}`);
      }
      if (!isCapabilityName(s.value)) {
        ctx.warn(s.at, s.path, `capability ${JSON.stringify(s.value)} read as ${JSON.stringify(canonical)} (Docker compares names literally)`);
      }
      if (!caps.includes(canonical)) caps.push(canonical);
    }
  }
  const arches: string[] = [];
  const archesMember = f.get('arches');
  if (archesMember) {
    for (const s of readStringList(ctx, archesMember.value, `${path}.arches`)) {
      if (!FILTER_ARCHES.includes(s.value)) {
        ctx.fail(s.at, s.path, `unknown architecture ${JSON.stringify(s.value)} (use Go names such as amd64, arm64, x86, x32, arm)`);
      }
      if (!arches.includes(s.value)) arches.push(s.value);
    }
  }
  const mk = f.get('minKernel');
  let minKernel: string | undefined;
  if (mk) {
    const s = expectString(ctx, mk.value, `${path}.minKernel`);
    if (s !== '') {
      if (!parseKernelVersion(s)) ctx.fail(mk.value, `${path}.minKernel`, `invalid kernel version ${JSON.stringify(s)} (expected "X.Y" or "X.Y.Z", not "0.0")`);
      minKernel = s;
    }
  }
  if (caps.length === 0 && arches.length === 0 && minKernel === undefined) return EMPTY_FILTER;
  return minKernel !== undefined ? { caps, arches, minKernel } : { caps, arches };
}
