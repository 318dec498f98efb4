import { defineConfig } from 'vitest/config';

/**
 * ioredis rejects a command still pending on a connection when that
 * connection closes ("Connection is closed.", raised from its socket 'close'
 * handler). Closing a BullMQ worker at the end of a test can leave such a
 * rejection with no handler inside BullMQ, after every assertion has run;
 * seen in about one run in three of the delivery tests, never with a failed
 * assertion. Only that exact error from that exact place is ignored: any
 * other unhandled error still fails the run. Upstream: taskforcesh/bullmq
 * issue 3546 ("Intermittent 'Error: Connection is closed' during shutdown
 * (BullMQ + ioredis)", open, the same symptom under Vitest); remove this
 * filter once a BullMQ release fixes it.
 */
function isIoredisCloseAtShutdown(error: { message?: string; stack?: string } | undefined): boolean {
  return error?.message === 'Connection is closed.' && (error.stack ?? '').includes('ioredis/built/redis/event_handler');
}

// Tests that start redis-server, HTTPS servers or a browser need room on a
// 2-core machine: cap parallel files and give hooks time to start services.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    onUnhandledError: (error) => (isIoredisCloseAtShutdown(error) ? false : undefined),
  },
});
