import { defineConfig } from 'vitest/config';

// Tests that start redis-server, HTTPS servers or a browser need room on a
// 2-core machine: cap parallel files and give hooks time to start services.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
