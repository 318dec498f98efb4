import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { HubMetrics } from './metrics.js';

/**
 * Prometheus metrics on a listener of their own, never on the API port.
 *
 * The metrics say how many queries each rule decided, children's rules
 * included: sharing volumes by purpose and by agency pair, which are not for
 * whoever can reach the API (anyone on the network, before any certificate
 * is checked). So they are served on METRICS_HOST:METRICS_PORT, loopback by
 * default, for a scraper on the same machine or behind the operator's own
 * network rules; on any other address a scrape credential is required
 * (METRICS_TOKEN, sent as `Authorization: Bearer`; load-config refuses a
 * non-loopback METRICS_HOST without one).
 *
 * Plain HTTP: a loopback scrape needs no TLS, and a remote scraper
 * presents the token. Only `GET /metrics` is answered.
 */
export interface MetricsServerOptions {
  metrics: Pick<HubMetrics, 'render'>;
  host: string;
  port: number;
  /** When set, a scrape must carry `Authorization: Bearer <token>`. */
  token?: string | undefined;
  logger?: Logger;
}

export interface MetricsServer {
  readonly server: Server;
  listen(): Promise<{ url: string }>;
  close(): Promise<void>;
}

export function createMetricsServer(options: MetricsServerOptions): MetricsServer {
  const expected = options.token ? digest(options.token) : undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(res, 404, 'NOT_FOUND', 'only /metrics is served here');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return answer(res, 405, 'METHOD_NOT_ALLOWED', 'only GET /metrics');
    }
    if (expected && !presents(req, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="isp-hub-metrics"');
      return answer(res, 401, 'TOKEN_INVALID', 'a scrape credential is required (METRICS_TOKEN)');
    }
    const { contentType, body } = await options.metrics.render();
    res.writeHead(200, { 'Content-Type': contentType });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger?.error('metrics could not be rendered', { error });
      if (!res.headersSent) answer(res, 500, 'INTERNAL', 'internal error');
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;

  return {
    server,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : options.port;
          const host = options.host.includes(':') ? `[${options.host}]` : options.host;
          resolve({ url: `http://${host}:${port}/metrics` });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Compared as SHA-256 digests, so the comparison takes the same time whatever the length sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function presents(req: IncomingMessage, expected: Buffer): boolean {
  const match = /^Bearer[ ]+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

function answer(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code, message } }));
}
