import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.ts';
import { createTestApp, quiet, type TestApp } from '../support/app.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { text } from '../support/client.ts';

let proxy: TcpProxy;
let t: TestApp;
beforeAll(async () => {
  const url = new URL(process.env.DATABASE_URL!);
  proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  await proxy.up();
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const database = await connect({ databaseUrl: url.toString(), poolMax: 2, log: quiet });
  t = await createTestApp({ database });
});
afterAll(async () => {
  await t.close();
  await t.database.close();
  await proxy.down();
});

describe('when the database goes away (real PostgreSQL behind a proxy)', () => {
  it('answers 503 on /readyz and pages, keeps /healthz up, and recovers when it returns', async () => {
    expect((await t.app.inject('/readyz')).statusCode).toBe(200);

    await proxy.down();
    const ready = await t.app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    const page = await t.app.inject({ url: '/sign-in', headers: { 'accept-language': 'en' } });
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(text(page.body)).toContain('The portal cannot reach its database right now');
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);

    await proxy.up();
    await expect.poll(async () => (await t.app.inject('/readyz')).statusCode, { timeout: 15000, interval: 250 }).toBe(200);
    expect((await t.app.inject('/sign-in')).statusCode).toBe(200);
  });
});
