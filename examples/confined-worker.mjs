// A worker thread confined before its code runs. This file is both the main program and the
// worker's module. Run: npm run build && node examples/confined-worker.mjs   (Linux)
//
// Thread scope is defence in depth, not isolation: libuv's thread pool (async fs, dns, crypto,
// zlib) runs on shared threads that are NOT confined, as the async mkdir below shows.
import { mkdirSync, mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { confinedWorker } from 'seccomp-exec';

function attempt(fn) {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err.code;
  }
}

if (isMainThread) {
  const dir = mkdtempSync(join(tmpdir(), 'confined-worker-'));
  const worker = confinedWorker(new URL(import.meta.url), {
    workerData: { dir },
    seccomp: { profile: 'runtime/default', deny: ['mkdir', 'mkdirat'] },
  });
  worker.on('error', (err) => console.error(`worker failed: ${err.message}`));
  worker.on('message', (m) => {
    console.log(`worker: sync mkdir ${m.sync}, async mkdir ${m.async} (thread pool, not confined)`);
    console.log(`main thread: sync mkdir ${attempt(() => mkdirSync(join(dir, 'main')))}`);
  });
} else {
  const sync = attempt(() => mkdirSync(join(workerData.dir, 'sync')));
  const async = await fsp.mkdir(join(workerData.dir, 'async')).then(() => 'ok', (err) => err.code);
  parentPort.postMessage({ sync, async });
}
