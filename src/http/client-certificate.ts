import { X509Certificate } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { HubError } from '../errors.js';

export interface PresentedCertificate {
  leaf: X509Certificate;
  chain: X509Certificate[];
  source: 'tls' | 'proxy';
}

export interface ClientCertificateReader {
  /** Where this request's certificate would come from (a trusted proxy's header, or the TLS connection). */
  sourceOf(req: IncomingMessage): 'tls' | 'proxy';
  /** The certificate the caller presented, or undefined when none. Throws CERT_MALFORMED. */
  read(req: IncomingMessage): PresentedCertificate | undefined;
  /**
   * The caller's network address: the TCP peer, or, from a trusted proxy, the
   * last address that proxy appended to X-Forwarded-For (the one it saw; any
   * earlier ones came from the client and prove nothing). Undefined when unknown.
   */
  clientAddressOf(req: IncomingMessage): string | undefined;
}

/**
 * Where the client certificate comes from. Directly: the TLS handshake
 * (the server asks with `requestCert` but does not reject, so the hub can
 * answer 401 and audit). Behind a TLS-terminating proxy (only when
 * TRUSTED_PROXIES is set): the URL-encoded PEM in `headerName`, as nginx's
 * `$ssl_client_escaped_cert` sends it, believed ONLY when the TCP peer is one
 * of the trusted proxies. From anyone else the header is ignored, so nobody
 * can claim an agency by sending it.
 */
export function createClientCertificateReader(options: { trustedProxies?: readonly string[]; headerName: string }): ClientCertificateReader {
  const proxies = options.trustedProxies && options.trustedProxies.length > 0 ? buildBlockList(options.trustedProxies) : undefined;
  const headerName = options.headerName.toLowerCase();
  const sourceOf = (req: IncomingMessage): 'tls' | 'proxy' => (proxies && isTrustedPeer(proxies, req.socket.remoteAddress) ? 'proxy' : 'tls');
  return {
    sourceOf,
    read(req) {
      if (sourceOf(req) === 'proxy') {
        const header = req.headers[headerName];
        return typeof header === 'string' && header.length > 0 && header !== '(null)' ? fromProxyHeader(header) : undefined;
      }
      return fromTlsSocket(req.socket);
    },
    clientAddressOf(req) {
      if (sourceOf(req) !== 'proxy') return req.socket.remoteAddress;
      const forwarded = req.headers['x-forwarded-for'];
      const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').at(-1)?.trim() ?? '';
      return isIP(last) ? last : req.socket.remoteAddress;
    },
  };
}

function fromTlsSocket(socket: IncomingMessage['socket']): PresentedCertificate | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  // An empty object when the client sent no certificate.
  const peer: Partial<DetailedPeerCertificate> = socket.getPeerCertificate(true);
  if (!peer.raw) return undefined;
  const leaf = parse(peer.raw);
  const chain: X509Certificate[] = [];
  // Node links the chain through issuerCertificate; a self-signed root links to itself.
  let current = peer as DetailedPeerCertificate;
  for (let hops = 0; hops < 8; hops += 1) {
    const issuer: DetailedPeerCertificate | undefined = current.issuerCertificate;
    if (!issuer || !issuer.raw || issuer === current || issuer.raw.equals(current.raw)) break;
    chain.push(parse(issuer.raw));
    current = issuer;
  }
  return { leaf, chain, source: 'tls' };
}

function fromProxyHeader(header: string): PresentedCertificate {
  let pem: string;
  try {
    pem = decodeURIComponent(header);
  } catch {
    throw new HubError('CERT_MALFORMED', 'client certificate header is not URL-encoded PEM');
  }
  return { leaf: parse(pem), chain: [], source: 'proxy' };
}

function parse(input: Buffer | string): X509Certificate {
  try {
    return new X509Certificate(input);
  } catch {
    throw new HubError('CERT_MALFORMED', 'client certificate could not be parsed');
  }
}

function buildBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefixText] = entry.split('/');
    const family = isIP(address);
    const prefix = prefixText === undefined ? undefined : Number(prefixText);
    const maxPrefix = family === 6 ? 128 : 32;
    if (family === 0 || (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix))) {
      throw new HubError('CONFIG_INVALID', 'invalid configuration: TRUSTED_PROXIES entries must be IP addresses or CIDR ranges', {
        variables: ['TRUSTED_PROXIES'],
      });
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

function isTrustedPeer(list: BlockList, remoteAddress: string | undefined): boolean {
  if (!remoteAddress) return false;
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  const address = mapped?.[1] ?? remoteAddress;
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
