// Confined children: spawn() and execFile() take child_process's options plus `seccomp`.
// Run: npm run build && node examples/spawn.mjs   (Linux)
import { compile, defaultProfile, execFile, spawn } from 'seccomp-exec';

// 1. The promise helper, with runtime/default (the default) plus a deny list.
const { stdout, stderr } = await execFile('sh', ['-c', 'grep ^Seccomp: /proc/self/status; mkdir /tmp/seccomp-example-dir || true'], {
  seccomp: { profile: 'runtime/default', deny: ['mkdir', 'mkdirat'] },
});
process.stdout.write(stdout); // Seccomp: 2
process.stdout.write(stderr); // mkdir: cannot create directory …: Operation not permitted

// 2. A real ChildProcess: stdio, events, kill() as usual.
const child = spawn('cat', [], { seccomp: { capAdd: ['CAP_NET_ADMIN'] } });
child.stdout.pipe(process.stdout);
child.on('spawn', () => child.stdin.end('cat ran confined\n'));
await new Promise((resolve) => child.on('close', resolve));

// 3. Compile once, spawn many: pass the compiled filter.
const filter = compile(defaultProfile(), { deny: [{ name: 'ptrace' }] });
const results = await Promise.all(
  Array.from({ length: 5 }, (_, i) => execFile('echo', [`child ${i}`], { seccomp: filter })),
);
for (const r of results) process.stdout.write(r.stdout);

// 4. Failure to confine never runs the command.
try {
  await execFile('no-such-command');
} catch (err) {
  console.log(`error as child_process reports it: ${err.code}`);
}
