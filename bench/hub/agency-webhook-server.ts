import { readFile } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import { createServer } from 'node:https';
import { once } from 'node:events';
import path from 'node:path';
import { certsDir } from '../../test/support/hub.js';

export interface AgencyWebhookServer {
  url: string;
  /** TLS connections the hub opened to it: with keep-alive working, a handful however many messages. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * An agency's webhook endpoint on loopback for the benchmarks: HTTPS with
 * mutual TLS under the agency's scheme certificate (certs-example), kept-alive
 * connections counted, `handle` answering each request.
 */
export async function listenAsAgencyWebhook(agencyId: string, handle: RequestListener): Promise<AgencyWebhookServer> {
  const read = (name: string) => readFile(path.join(certsDir, 'agencies', agencyId, name), 'utf8');
  const server = createServer(
    { key: await read('key.pem'), cert: await read('cert.pem'), ca: await readFile(path.join(certsDir, 'ca/cert.pem'), 'utf8'), requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 65_000 },
    handle,
  );
  let connections = 0;
  server.on('secureConnection', () => void (connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}/isp/inbound`,
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
