/**
 * The hub under benchmark, in its own process so that its peak RSS is its
 * own (the load generator and the webhook receiver live in the parent).
 * Started by bench/hub.ts with fork(); configuration comes in the
 * environment; it answers { type: 'ready', url } over IPC, takes a CPU
 * profile of its main thread between 'profile-start' and 'profile-stop'
 * (node:inspector, so only the measured window is in it), and closes on
 * { type: 'stop' } (graceful, as `isp-hub start` does on SIGTERM).
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../../src/config/index.js';
import { createHub } from '../../src/hub/index.js';
import { createLogger } from '../../src/logger.js';

const send = (message: unknown) => process.send?.(message);

const config = loadConfig(process.env);
// No REDIS_URL: resolveRedisTarget starts the embedded redis-server under DATA_DIR/redis (AOF on).
const hub = await createHub({ config, logger: createLogger({ silent: true }) });
send({ type: 'ready', url: hub.url });

let session: Session | undefined;

process.on('message', (message: { type?: string; file?: string }) => {
  if (message?.type === 'profile-start') {
    session = new Session();
    session.connect();
    void session
      .post('Profiler.enable')
      .then(() => session!.post('Profiler.start'))
      .then(() => send({ type: 'profile-started' }));
  } else if (message?.type === 'profile-stop' && session && message.file) {
    const file = message.file;
    void session
      .post('Profiler.stop')
      .then(({ profile }) => writeFile(file, JSON.stringify(profile)))
      .then(() => {
        session?.disconnect();
        send({ type: 'profile-written', file });
      });
  } else if (message?.type === 'stop') {
    void hub
      .close()
      .then(() => send({ type: 'stopped' }))
      .finally(() => process.exit(0));
  }
});
process.on('disconnect', () => void hub.close().finally(() => process.exit(0)));
