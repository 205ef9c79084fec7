// A small real-world Node workload, run confined by the CLI tests: worker threads, fs,
// child_process and a loopback TCP server. Prints one JSON object; any failure exits non-zero.
// Run as a file or with `node --input-type=module -e "$(cat workload.mjs)"`; WORKLOAD_TMP names
// the directory for the fs part.
import { Worker } from 'node:worker_threads';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const base = process.env.WORKLOAD_TMP ?? tmpdir();

async function workerSum() {
  const w = new Worker(
    'const { parentPort } = require("node:worker_threads"); let s = 0; for (let i = 1; i <= 100; i++) s += i; parentPort.postMessage(s);',
    { eval: true, execArgv: [] },
  );
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

function fsRoundTrip() {
  const dir = mkdtempSync(join(base, 'workload-'));
  try {
    writeFileSync(join(dir, 'f.txt'), 'written and read back');
    return readFileSync(join(dir, 'f.txt'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function child() {
  return execFileSync('sh', ['-c', 'echo child says hi'], { encoding: 'utf8' }).trim();
}

async function tcp() {
  const server = createServer((sock) => {
    sock.once('data', (d) => sock.end(`echo: ${d.toString()}`));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  try {
    return await new Promise((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => c.write('ping'));
      let got = '';
      c.on('data', (d) => (got += d.toString()));
      c.on('end', () => resolve(got));
      c.on('error', reject);
    });
  } finally {
    server.close();
  }
}

const result = {
  worker: (await workerSum()) + 0,
  fs: fsRoundTrip(),
  child: child(),
  tcp: await tcp(),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
