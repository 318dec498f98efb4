import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { once } from 'node:events';
import path from 'node:path';
import { certsDir } from '../../test/support/hub.js';

export interface CountingReceiver {
  url: string;
  /** Distinct messages received (by the isp-message-id header), and repeats of one already received. */
  readonly received: number;
  readonly duplicates: number;
  /** TLS connections the hub opened to it: with keep-alive working, a handful however many messages. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * An agency's webhook endpoint (HTTPS, mutual TLS with the agency's scheme
 * certificate) that takes each delivery, counts it by its message id and
 * answers 204 without opening it: a recipient decrypts on its own machine,
 * so here its crypto must not take the cores the hub is measured on.
 */
export async function startCountingReceiver(agencyId: string): Promise<CountingReceiver> {
  const seen = new Set<string>();
  let duplicates = 0;
  const read = (name: string) => readFile(path.join(certsDir, 'agencies', agencyId, name), 'utf8');
  const server = createServer(
    { key: await read('key.pem'), cert: await read('cert.pem'), ca: await readFile(path.join(certsDir, 'ca/cert.pem'), 'utf8'), requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 65_000 },
    (req, res) => {
      req.resume();
      req.once('end', () => {
        const messageId = req.headers['isp-message-id'];
        if (req.method !== 'POST' || typeof messageId !== 'string' || messageId.length === 0) {
          res.statusCode = 400;
          res.end();
          return;
        }
        if (seen.has(messageId)) duplicates += 1;
        else seen.add(messageId);
        res.statusCode = 204;
        res.end();
      });
    },
  );
  let connections = 0;
  server.on('secureConnection', () => void (connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}/isp/inbound`,
    get received() {
      return seen.size;
    },
    get duplicates() {
      return duplicates;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
