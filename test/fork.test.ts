/**
 * A self-confining worker process on the real kernel: test/fixtures/spawn-forked-worker.mjs,
 * started with child_process.fork, opens a file and a listening socket, then applies
 * runtime/default plus deny [mkdir, mkdirat, socket] to all its threads and keeps serving.
 * The filter lives only in that child (it imports the BUILT dist/), never in the test runner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { status } from '../src/status.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(ROOT, 'test', 'fixtures', 'spawn-forked-worker.mjs');

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return `seccomp needs Linux (this is ${process.platform})`;
  if (!existsSync(join(ROOT, 'dist', 'apply.js'))) return 'dist/ is missing: run `npm run build` first';
  return undefined;
}
const skip = skipReason();

interface Ready {
  ready: boolean;
  port?: number;
  installed?: boolean;
  flagNames?: string[];
  error?: string;
}

/** A line-protocol client: one JSON answer per command. */
class Client {
  private buffer = '';
  private waiting: ((line: string) => void)[] = [];
  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
  }
  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => resolve(new Client(sock)));
      sock.once('error', reject);
    });
  }
  ask(cmd: string): Promise<{ ok?: unknown; error?: string }> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(JSON.parse(line) as { ok?: unknown; error?: string }));
      this.sock.write(`${cmd}\n`);
    });
  }
  close(): void {
    this.sock.end();
  }
}

describe.skipIf(skip !== undefined)(`forked worker confining itself${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let child: ChildProcess;
  let ready: Ready;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seccomp-fork-'));
    writeFileSync(join(dir, 'data.txt'), 'opened before confinement');
    child = fork(WORKER, [join(dir, 'data.txt'), dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Ready));
      child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
    });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs the filter on every thread of the worker (TSYNC)', () => {
    expect(ready.error).toBeUndefined();
    expect(ready).toMatchObject({ ready: true, installed: true });
    expect(ready.flagNames).toContain('TSYNC');
    const tasks = readdirSync(`/proc/${child.pid}/task`);
    expect(tasks.length).toBeGreaterThan(1); // Node always runs helper threads
    for (const tid of tasks) {
      const text = readFileSync(`/proc/${child.pid}/task/${tid}/status`, 'utf8');
      expect(text, `thread ${tid}`).toMatch(/^Seccomp:\s*2$/m);
      expect(text, `thread ${tid}`).toMatch(/^NoNewPrivs:\s*1$/m);
    }
  });

  it('keeps serving on the socket it opened first, and reads the file it opened first', async () => {
    const a = await Client.open(ready.port!);
    const b = await Client.open(ready.port!); // new connections are accepted after confinement
    expect(await a.ask('ping')).toEqual({ ok: 'pong' });
    expect(await b.ask('read')).toEqual({ ok: 'opened before confinement' });
    expect(await a.ask('status')).toEqual({ ok: { mode: 2, noNewPrivs: true } });
    a.close();
    b.close();
  });

  it('forbidden calls fail with EPERM while it keeps serving', async () => {
    const c = await Client.open(ready.port!);
    expect(await c.ask('mkdir')).toEqual({ error: 'EPERM' });
    expect(existsSync(join(dir, 'made-0'))).toBe(false);
    expect(await c.ask('listen')).toEqual({ error: 'EPERM' }); // socket(2) denied
    expect(await c.ask('ping')).toEqual({ ok: 'pong' });
    c.close();
  });

  it('leaves the parent unconfined', () => {
    const s = status('self');
    expect(s.mode).toBe(0);
    expect(readFileSync('/proc/self/status', 'utf8')).toMatch(/^Seccomp:\s*0$/m);
  });
});
