import { defineConfig } from 'vitest/config';

const realPostgres = Boolean(process.env.DATABASE_URL);

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    // test/pg holds what only a real server can show (pooled connections, outages); the embedded run has no pool.
    exclude: realPostgres ? [] : ['test/pg/**'],
    env: { NODE_ENV: 'test' },
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    sequence: { hooks: 'stack' },
  },
});
