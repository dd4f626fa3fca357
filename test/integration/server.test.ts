import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `npm start` as a user runs it: the real server process on a fresh embedded data folder. */
describe('the server process', () => {
  it('starts on an empty data folder with demo logins, serves, and exits cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portal-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    delete env.NODE_ENV;
    const child = spawn(process.execPath, ['src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => output, { timeout: 60000, interval: 200 }).toMatch(/running at (http:\/\/localhost:\d+)/);
      const url = /running at (http:\/\/localhost:\d+)/.exec(output)![1]!.replace('localhost', '127.0.0.1');
      expect(output).toContain('anna@alpha.example');
      expect(output).toContain('portal-demo-password');
      const [health, signIn] = await Promise.all([fetch(`${url}/healthz`), fetch(`${url}/sign-in`)]);
      expect(health.status).toBe(200);
      expect(signIn.status).toBe(200);
      expect(await signIn.text()).toContain('Lumen Software');

      // A request the server has started on when the signal arrives still gets its answer.
      const inFlight = fetch(`${url}/sign-in?in-flight`);
      await expect.poll(() => output, { timeout: 10000, interval: 5 }).toMatch(/"url":"\/sign-in\?in-flight"/);
      child.kill('SIGTERM');
      expect((await inFlight).status).toBe(200);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90000);
});
