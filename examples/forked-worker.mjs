// A worker process that confines itself after its own set-up. The parent forks this file; the
// worker opens its data file and its listening socket, THEN applies runtime/default with a
// tighter deny list to all of its threads, and keeps serving. New sockets, mkdir and execve
// are now refused with EPERM; the parent stays unconfined.
// Run: npm run build && node examples/forked-worker.mjs   (Linux)
import { fork } from 'node:child_process';
import { mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apply, status } from 'seccomp-exec';

if (process.argv[2] === 'worker') {
  // --- the worker: set up first ...
  const fd = openSync(process.argv[3], 'r');
  const server = createServer((sock) => {
    sock.setEncoding('utf8');
    sock.on('data', (line) => {
      let answer;
      if (line.trim() === 'read') {
        const buf = Buffer.alloc(100);
        answer = buf.subarray(0, readSync(fd, buf, 0, 100, 0)).toString();
      } else {
        try {
          mkdirSync(join(tmpdir(), `forked-worker-${process.pid}`));
          answer = 'mkdir worked';
        } catch (err) {
          answer = `mkdir failed: ${err.code}`;
        }
      }
      sock.end(`${answer}\n`);
    });
  });
  server.listen(0, '127.0.0.1', async () => {
    // ... then confine every thread of this process (TSYNC is the default).
    const result = await apply('runtime/default', {
      compile: { deny: [{ name: 'socket' }, { name: 'mkdir' }, { name: 'mkdirat' }, { name: 'execve' }, { name: 'execveat' }] },
    });
    process.send({ port: server.address().port, flags: result.flagNames, mode: status().mode });
  });
  process.on('disconnect', () => server.close());
} else {
  // --- the parent: start the worker, talk to it over loopback.
  const data = join(tmpdir(), `forked-worker-data-${process.pid}.txt`);
  writeFileSync(data, 'opened before apply()');
  const worker = fork(fileURLToPath(import.meta.url), ['worker', data]);
  const { port, flags, mode } = await new Promise((resolve) => worker.once('message', resolve));
  console.log(`worker ${worker.pid}: Seccomp ${mode}, flags ${flags.join('|')}`);
  const ask = (cmd) =>
    new Promise((resolve) => {
      const sock = connect(port, '127.0.0.1', () => sock.write(`${cmd}\n`));
      let out = '';
      sock.setEncoding('utf8').on('data', (d) => (out += d)).on('end', () => resolve(out.trim()));
    });
  console.log(`read  -> ${await ask('read')}`);
  console.log(`mkdir -> ${await ask('mkdir')}`);
  console.log(`parent: Seccomp ${status('self').mode}`);
  worker.disconnect();
}
