import { Agent, request } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

/**
 * HTTPS POST of a sealed delivery to an agency's endpoint, authenticated both
 * ways (mutual TLS, RFC 8446 s.4.3.2 / s.4.4.2): the hub presents its client
 * certificate, and the endpoint must present a certificate from the scheme CA
 * naming the host in the URL. One keep-alive agent per origin and recipient
 * so a busy recipient does not pay a handshake per message.
 *
 * The recipient's identity check belongs to its agent, not to each request.
 * A kept-alive socket is checked once, when it is opened; shared between
 * recipients, a socket an endpoint proved itself on to one agency would
 * carry another's deliveries unchecked (Node 20 pools by origin and ignores
 * a per-request check). And Node 24 gives every request that brings its own
 * check a pool of its own, so a socket was never reused: a full TLS
 * handshake per push.
 */

export interface PushTls {
  /** PEM: the hub's client certificate (chain) and its private key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM: the scheme CA(s) that issue agency server certificates. */
  ca: string | Buffer | Array<string | Buffer>;
}

export interface PushClientOptions {
  tls: PushTls;
  /** DELIVERY_TIMEOUT_MS: the whole exchange, connect to last response byte. */
  timeoutMs: number;
  /** Sockets per origin and recipient; the recipient queue's concurrency is the natural bound. */
  maxSocketsPerOrigin?: number;
}

export type PushResult =
  | { ok: true; status: number }
  /** `outcome` is a short code for logs, audit and the dead letter: http-503, timeout, connection-refused, tls... */
  | { ok: false; status?: number; outcome: string };

export interface PushClient {
  /**
   * `recipientAgencyId`, when given, lets the endpoint prove itself by the
   * recipient's own scheme certificate (CN = agency id) as well as by a
   * certificate naming the URL's host.
   */
  post(url: string, body: string, headers: Record<string, string>, recipientAgencyId?: string): Promise<PushResult>;
  /** Closes every kept-alive socket. Idempotent. */
  close(): void;
}

/** A response body is not needed (2xx is the whole answer); read at most this much. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export function createPushClient(options: PushClientOptions): PushClient {
  const agents = new Map<string, Agent>();

  function agentFor(origin: string, recipientAgencyId: string | undefined): Agent {
    const name = `${origin} ${recipientAgencyId ?? ''}`;
    let agent = agents.get(name);
    if (!agent) {
      agent = new Agent({
        keepAlive: true,
        maxSockets: options.maxSocketsPerOrigin ?? 64,
        cert: options.tls.cert,
        key: options.tls.key,
        ca: options.tls.ca,
        minVersion: 'TLSv1.2',
        ...(recipientAgencyId ? { checkServerIdentity: agencyIdentityCheck(recipientAgencyId) } : {}),
      });
      agents.set(name, agent);
    }
    return agent;
  }

  return {
    post(url, body, headers, recipientAgencyId) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return Promise.resolve({ ok: false, outcome: 'bad-url' });
      }
      if (target.protocol !== 'https:') return Promise.resolve({ ok: false, outcome: 'bad-url' });
      const payload = Buffer.from(body, 'utf8');
      return new Promise<PushResult>((resolve) => {
        let settled = false;
        const finish = (result: PushResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(result);
        };
        const req = request(target, {
          method: 'POST',
          agent: agentFor(target.origin, recipientAgencyId),
          headers: { ...headers, 'content-length': String(payload.length) },
        });
        // One deadline for the whole exchange: a recipient that accepts the
        // connection and then never answers must not hold a worker slot.
        const timer = setTimeout(() => {
          finish({ ok: false, outcome: 'timeout' });
          req.destroy();
        }, options.timeoutMs);
        req.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, outcome: outcomeForError(error) }));
        req.once('response', (res) => {
          const status = res.statusCode ?? 0;
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_RESPONSE_BYTES) res.destroy();
          });
          const done = () => finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, outcome: `http-${status}` });
          res.once('end', done);
          res.once('error', done);
          res.once('close', done);
        });
        req.end(payload);
      });
    },

    close() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

/** The failure code of a push that ended in a socket or TLS error (exported for its test). */
export function outcomeForError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection-refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection-reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return tlsOutcome(error) ?? 'network-error';
  }
}

/** Certificate problems named by OpenSSL's verify codes (as Node reports them) that mean "not the scheme's". */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/**
 * A TLS failure as a code the sender can act on (tracking and the warn log
 * carry it): the endpoint's certificate is not from the scheme CA, names
 * neither the host nor the recipient, or has expired; or the endpoint
 * refused the hub's own certificate (a TLS alert from the peer).
 */
function tlsOutcome(error: NodeJS.ErrnoException): string | undefined {
  const code = error.code ?? '';
  if (UNTRUSTED_CODES.has(code)) return 'tls-untrusted-certificate';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'tls-wrong-identity';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'tls-certificate-expired';
  if (/ALERT/.test(code)) return 'tls-client-certificate-refused';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || /SSL|TLS|certificate/i.test(error.message)) return 'tls';
  return undefined;
}

/**
 * The receiver's certificate has already chained to the scheme CA (the
 * agent's `ca`), so only the scheme issued it. It must also be meant for this
 * endpoint: either it names the host in the URL (RFC 6125, Node's own check),
 * or it is the recipient agency's own scheme certificate (CN = agency id, as
 * certs-example issues them, without host names).
 */
function agencyIdentityCheck(agencyId: string): (host: string, certificate: PeerCertificate) => Error | undefined {
  return (host, certificate) => {
    if (certificate.subject?.CN === agencyId) return undefined;
    return checkServerIdentity(host, certificate);
  };
}
