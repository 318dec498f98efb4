import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HubConfig } from '../config/index.js';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';

export type ServerConfig = Pick<HubConfig, 'HOST' | 'PORT' | 'HEADERS_TIMEOUT_MS' | 'REQUEST_TIMEOUT_MS' | 'KEEP_ALIVE_TIMEOUT_MS'>;

export interface HubServerOptions {
  app: RequestListener;
  /** PEM strings or buffers: the hub's TLS key and certificate, and the CA(s) whose client certificates are asked for. */
  tls: { key: string | Buffer; cert: string | Buffer; ca: string | Buffer | Array<string | Buffer> };
  config: ServerConfig;
  logger?: Logger;
  /** How long close() lets in-flight requests finish before cutting connections. */
  closeGraceMs?: number;
}

export interface HubServer {
  readonly server: Server;
  /** Starts listening on HOST:PORT (PORT 0 picks a free port). */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /**
   * Graceful stop: no new connections, idle kept-alive connections closed at
   * once, in-flight requests given `closeGraceMs` to finish (their responses
   * say `Connection: close`), then every socket left is destroyed. Safe to
   * call twice; both calls resolve when the server has closed.
   */
  close(): Promise<void>;
}

export function createHubServer(options: HubServerOptions): HubServer {
  const { config } = options;
  // Node refuses headersTimeout > requestTimeout with a bare ERR_OUT_OF_RANGE; say which settings.
  if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS) {
    throw new HubError('CONFIG_INVALID', 'invalid configuration: HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS', {
      variables: ['HEADERS_TIMEOUT_MS', 'REQUEST_TIMEOUT_MS'],
    });
  }
  const server = createServer({
    key: options.tls.key,
    cert: options.tls.cert,
    ca: options.tls.ca,
    // Ask for a client certificate but let every handshake finish: the hub
    // answers 401 with an audit entry instead of a silent TLS alert, and the
    // identity middleware decides (see identity.ts).
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    handshakeTimeout: config.HEADERS_TIMEOUT_MS,
    keepAlive: true,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    headersTimeout: config.HEADERS_TIMEOUT_MS,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // Node checks the two timeouts above on this interval (30 s by default,
    // far coarser than the limits themselves).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.HEADERS_TIMEOUT_MS / 4))),
  });
  server.keepAliveTimeout = config.KEEP_ALIVE_TIMEOUT_MS;

  const sockets = new Set<Socket>();
  const responses = new WeakMap<Socket, ServerResponse>();
  let closing: Promise<void> | undefined;

  server.on('secureConnection', (socket: TLSSocket) => {
    // A TLS 1.2 renegotiation could swap the client certificate mid-connection;
    // identity is established once per connection (identity.ts), so refuse it.
    socket.disableRenegotiation();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    responses.set(req.socket, res);
    if (closing) res.setHeader('Connection', 'close');
  });
  server.on('request', options.app);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const started = responses.get(socket)?.headersSent ?? false;
    if (!socket.writable || started || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    // Node lets us answer here for a slow request or one it could not parse
    // (RFC 9110 s.15.5.9: 408 when the client did not finish in time).
    const hubError =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HubError('REQUEST_TIMEOUT', 'request not received in time')
        : new HubError('BAD_REQUEST', 'malformed HTTP request');
    options.logger?.info('http client error', { code: hubError.code, nodeCode: error.code });
    const body = JSON.stringify(hubError.toJSON());
    const reason = hubError.status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${hubError.status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
    options.logger?.debug('tls handshake failed', { nodeCode: error.code });
  });

  return {
    server,
    listen: () =>
      new Promise((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => reject(error);
        server.once('error', onError);
        server.listen(config.PORT, config.HOST, () => {
          server.off('error', onError);
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : config.PORT;
          const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
          resolve({ host: config.HOST, port, url: `https://${host}:${port}` });
        });
      }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        const graceMs = options.closeGraceMs ?? 10_000;
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const force = setTimeout(() => {
          server.closeAllConnections();
          // Sockets still in the TLS handshake are not HTTP connections yet.
          for (const socket of sockets) socket.destroy();
        }, graceMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
