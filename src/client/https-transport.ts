import { Agent, request } from 'node:https';
import { HubError } from '../errors.js';

export interface TlsCredentials {
  /** PEM private key for the TLS client certificate. */
  key: string;
  /** PEM certificate (leaf first, then any intermediates). */
  cert: string;
  /** PEM of the scheme CA that issued the hub's TLS certificate. */
  ca: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpsTransport {
  send(method: string, path: string, options?: { body?: string | Buffer; contentType?: string; headers?: Record<string, string>; timeoutMs?: number }): Promise<HttpResponse>;
  close(): void;
}

/**
 * One keep-alive agent per client: a TLS handshake per request caps a client
 * near 330 requests/s on this hardware (measured by bench/hub.ts), so connections
 * are reused. Mutual TLS: the agency's certificate identifies it to the hub.
 */
export function createHttpsTransport(baseUrl: string, tls: TlsCredentials, options: { maxSockets?: number } = {}): HttpsTransport {
  const base = new URL(baseUrl);
  if (base.protocol !== 'https:') throw new TypeError('the hub URL must be https');
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64, key: tls.key, cert: tls.cert, ca: tls.ca });
  return {
    send(method, path, { body, contentType, headers, timeoutMs = 30_000 } = {}) {
      return new Promise((resolve, reject) => {
        const target = new URL(path, base);
        const req = request(
          target,
          {
            method,
            agent,
            headers: {
              accept: 'application/json, application/jose',
              ...(contentType ? { 'content-type': contentType } : {}),
              ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
              ...headers,
            },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new HubError('REQUEST_TIMEOUT', `no answer from the hub within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
