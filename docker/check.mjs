#!/usr/bin/env node
// Checks for docker/test.sh: turns what ran in the container into result lines.
//
//   node docker/check.mjs probes PLATFORM GROUP < "NAME RESULT" lines   (probe --all output)
//   node docker/check.mjs vitest PLATFORM < vitest JSON report
//   node docker/check.mjs record PLATFORM GROUP STATUS NAME [MESSAGE...]  (STATUS ok|FAIL|skip)
//   node docker/check.mjs summary                                          (needs DOCKER_TEST_RESULTS)
//
// Every result is printed as `docker-test: PLATFORM GROUP ok|FAIL|skip NAME[: MESSAGE]` and,
// when DOCKER_TEST_RESULTS names a file, appended to it as one JSON object per line
// ({platform, group, status, name, message}); test/docker.test.ts reads that file.
// Exit status 1 when any check of this call failed.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** Expected probe results, shared with test/kernel.test.ts (unconfined as root; runtime/default). */
const SHARED = JSON.parse(readFileSync(new URL('../test/probe/expected.json', import.meta.url), 'utf8'));

/** What each probe gives in the container without any filter, as root with the added capabilities. */
const BASELINE = SHARED.unconfined;

/** Under `seccomp-exec` with its default profile (runtime/default) and no added capability. */
const RUNTIME_DEFAULT = SHARED['runtime-default'];

/** Under `seccomp-exec --cap-add CAP_SYS_ADMIN`: the CAP_SYS_ADMIN calls reach the kernel again. */
const CAP_SYS_ADMIN = {
  unshare: BASELINE.unshare,
  mount: BASELINE.mount,
  'mount-remount': BASELINE['mount-remount'],
  umount2: BASELINE.umount2,
  'clone-newns': BASELINE['clone-newns'],
  reboot: 'EPERM', // not CAP_SYS_ADMIN's
};

/** Under `seccomp-exec --cap-add CAP_SYS_BOOT`: reboot reaches the kernel, mount stays denied. */
const CAP_SYS_BOOT = { reboot: BASELINE.reboot, mount: 'EPERM' };

/**
 * A control container with Docker's own defaults (its seccomp profile, its capability set):
 * the same probes are already denied there, which is why the test containers run without them
 * and why the baseline is checked first.
 */
const DOCKER_DEFAULTS = { mount: 'EPERM', reboot: 'EPERM', unshare: 'EPERM' };

const EXPECTED = {
  'docker-defaults': DOCKER_DEFAULTS,
  baseline: BASELINE,
  'runtime-default': RUNTIME_DEFAULT,
  'cap-sys-admin': CAP_SYS_ADMIN,
  'cap-sys-boot': CAP_SYS_BOOT,
};

const resultsFile = process.env.DOCKER_TEST_RESULTS;
let failed = 0;

function record(platform, group, status, name, message = '') {
  if (!['ok', 'FAIL', 'skip'].includes(status)) throw new Error(`check.mjs: bad status ${status}`);
  if (status === 'FAIL') failed++;
  const oneLine = String(message).replace(/\s+/g, ' ').trim();
  process.stdout.write(`docker-test: ${platform} ${group} ${status} ${name}${oneLine ? `: ${oneLine}` : ''}\n`);
  if (resultsFile) {
    appendFileSync(resultsFile, `${JSON.stringify({ platform, group, status, name, message: oneLine })}\n`);
  }
}

function readStdin() {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

/** `probe --all` output: one "NAME RESULT" line per probe. */
function parseProbes(text) {
  const map = new Map();
  for (const line of text.split('\n')) {
    const m = /^(\S+) (\S+)$/.exec(line.trim());
    if (m) map.set(m[1], m[2]);
  }
  return map;
}

function checkProbes(platform, group) {
  const expected = EXPECTED[group];
  if (!expected) throw new Error(`check.mjs: unknown probe group ${group}`);
  const got = parseProbes(readStdin());
  if (got.size === 0) {
    record(platform, group, 'FAIL', 'probe output', 'no "NAME RESULT" lines');
    return;
  }
  for (const [name, want] of Object.entries(expected)) {
    const have = got.get(name);
    if (have === want) record(platform, group, 'ok', name, have);
    else record(platform, group, 'FAIL', name, `expected ${want}, got ${have ?? 'nothing'}`);
  }
}

/** vitest --reporter=json: every assertion result becomes one line; a skipped test is a failure. */
function checkVitest(platform) {
  const group = 'kernel.test.ts';
  let report;
  try {
    report = JSON.parse(readStdin());
  } catch (e) {
    record(platform, group, 'FAIL', 'vitest report', `not JSON (${e.message})`);
    return;
  }
  let count = 0;
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      record(platform, group, 'FAIL', file.name ?? 'test file', file.message ?? 'failed before any test ran');
    }
    for (const a of file.assertionResults ?? []) {
      count++;
      const name = a.fullName ?? a.title ?? '?';
      if (a.status === 'passed') record(platform, group, 'ok', name);
      else if (a.status === 'failed') {
        record(platform, group, 'FAIL', name, (a.failureMessages ?? []).join(' | ').slice(0, 600));
      } else {
        // in the container every kernel test must run: a skip means a capability or the
        // compiler is missing there, and nothing would have been proved
        record(platform, group, 'FAIL', name, `${a.status} inside the container (the kernel tests did not run)`);
      }
    }
  }
  if (count === 0) record(platform, group, 'FAIL', 'vitest report', 'no test ran');
}

function summary() {
  if (!resultsFile || !existsSync(resultsFile)) {
    process.stdout.write('docker-test: 0 passed, 1 failed\n');
    failed++;
    return;
  }
  const counts = { ok: 0, FAIL: 0, skip: 0 };
  for (const line of readFileSync(resultsFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    counts[JSON.parse(line).status]++;
  }
  // no check at all is a failure too
  if (counts.ok + counts.FAIL === 0) counts.FAIL++;
  process.stdout.write(`docker-test: ${counts.ok} passed, ${counts.FAIL} failed, ${counts.skip} skipped\n`);
  if (counts.FAIL > 0) failed++;
}

const [mode, ...args] = process.argv.slice(2);
switch (mode) {
  case 'probes':
    checkProbes(args[0], args[1]);
    break;
  case 'vitest':
    checkVitest(args[0]);
    break;
  case 'record':
    record(args[0], args[1], args[2], args[3], args.slice(4).join(' '));
    break;
  case 'summary':
    summary();
    break;
  default:
    process.stderr.write('usage: check.mjs probes|vitest|record|summary ...\n');
    process.exit(2);
}
process.exit(failed > 0 ? 1 : 0);
