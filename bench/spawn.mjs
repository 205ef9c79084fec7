#!/usr/bin/env node
// Confined spawn vs plain child_process.spawn of /bin/true: median wall time from spawn() to
// 'close' over many runs, both measured in the same run, alternating. Runnable alone
// (`node bench/spawn.mjs [runs]`, after `npm run build`) or imported: `benchSpawn({ runs })`.
import { spawn as plainSpawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** Wall time (ms) of one spawn of `file` until 'close'. */
function once(spawnFn, file, options) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawnFn(file, [], options);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${file} exited with ${code}`));
      else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Measure plain vs confined (runtime/default) spawns of `file`, print the medians and the
 * ratio (unless `quiet`), and return them.
 * @param {{ runs?: number, warmup?: number, file?: string, seccomp?: object, quiet?: boolean }} [opts]
 * @returns {Promise<{ runs: number, plainMs: number, confinedMs: number, ratio: number, instructions: number }>}
 */
export async function benchSpawn(opts = {}) {
  const { runs = 300, warmup = 20, file = '/bin/true', seccomp = { profile: 'runtime/default' }, quiet = false } = opts;
  const { spawn, prepareSpawnFilter } = await import(new URL('../dist/spawn.js', import.meta.url).href);
  const prepared = prepareSpawnFilter(seccomp); // compile once, outside the timed loop
  const options = { stdio: 'ignore', seccomp };
  for (let i = 0; i < warmup; i++) {
    await once(plainSpawn, file, { stdio: 'ignore' });
    await once(spawn, file, options);
  }
  const plain = [];
  const confined = [];
  for (let i = 0; i < runs; i++) {
    // Alternate so that drift (page cache, CPU frequency) hits both equally.
    if (i % 2 === 0) {
      plain.push(await once(plainSpawn, file, { stdio: 'ignore' }));
      confined.push(await once(spawn, file, options));
    } else {
      confined.push(await once(spawn, file, options));
      plain.push(await once(plainSpawn, file, { stdio: 'ignore' }));
    }
  }
  const plainMs = median(plain);
  const confinedMs = median(confined);
  const result = {
    runs, plainMs, confinedMs, ratio: confinedMs / plainMs,
    instructions: prepared === 'unconfined' ? 0 : prepared.filter.program.length,
  };
  if (!quiet) {
    console.log(`spawn ${file}, ${runs} runs each (alternating), median from spawn() to 'close':`);
    console.log(`  plain child_process.spawn                 ${plainMs.toFixed(3)} ms`);
    console.log(`  confined spawn (${prepared === 'unconfined' ? 'unconfined' : `${prepared.source}, ${result.instructions} insns`})  ${confinedMs.toFixed(3)} ms`);
    console.log(`  ratio confined / plain                    ${result.ratio.toFixed(2)}x (target <= 1.5x)`);
  }
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchSpawn({ runs: Number(process.argv[2] ?? 300) });
}
