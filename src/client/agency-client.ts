import { createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { HubError, HUB_ERROR_CODES, type HubErrorCode } from '../errors.js';
import { open, seal, type DecryptionKey, type EnvelopeClaims, type OpenedEnvelope } from '../envelope/index.js';

/** The media type of a compact JWS or JWE (RFC 7515 s.9.2.1, RFC 7516 s.9.2.1). */
const JOSE_CONTENT_TYPE = 'application/jose';
import { thumbprintS256 } from '../pki/thumbprint.js';
import { createHttpsTransport, type HttpResponse, type HttpsTransport } from './https-transport.js';
import { createHubKeyCache, type CertificateCheck, type HubKeyCache } from './hub-keys.js';
import { decryptionKeysFor, type EncryptionKeyPair } from './decryption-keys.js';

/**
 * The SDK an agency uses to talk to the hub: seal and send, query, pull and
 * acknowledge, track, and open what the hub delivers. It holds one keep-alive
 * mutual-TLS connection pool and the hub's published keys.
 */
export interface AgencyClientOptions {
  hubUrl: string;
  /** The hub's identity: the `aud` of everything sent to it. */
  hubId?: string;
  agencyId: string;
  /** The agency's main key and certificate: signing and TLS client, and decryption when there is no `encryption` pair. */
  privateKeyPem: string;
  certificatePem: string;
  /**
   * The key and certificate deliveries are encrypted to, when the agency has a
   * separate one (agencies.yaml `encryptionCertificate`, e.g. X25519).
   * Deliveries then open with it, and still with the main key (ones sealed
   * before the hub knew of this certificate).
   */
  encryption?: EncryptionKeyPair;
  /**
   * Encryption pairs the agency has replaced, newest first: deliveries the hub
   * sealed to them before the change still open (docs/pki.md, "Rolling out or
   * replacing"). Keep each until INBOX_TTL_SECONDS after the change.
   */
  previousEncryption?: readonly EncryptionKeyPair[];
  /** The scheme CA: checks the hub's TLS certificate and its published keys. */
  caPem: string;
  /** Checks a hub certificate (chain, dates, revocation, usage); built from src/pki by `createAgencyClientFromFiles`. */
  checkHubCertificate: CertificateCheck;
  /** Validity of a sealed message: `exp - iat` (the hub refuses more than its maximum). */
  lifetimeSeconds?: number;
  clockSkewSeconds?: number;
  maxEnvelopeBytes?: number;
}

/** The message fields an agency fills in; the client adds iss, aud, iat, exp and jti. */
export interface OutgoingMessage {
  type: string;
  purpose: string;
  actor: { id: string; role: string };
  subject: unknown;
  body: unknown;
  to?: string[];
  [more: string]: unknown;
}

export interface SendOptions {
  /** Reuse a jti to retry the same message idempotently; a fresh one is made otherwise. */
  jti?: string;
  /** How many times to retry transport errors and 5xx answers with the SAME bytes. */
  retries?: number;
}

export interface HubAnswer<T = unknown> {
  status: number;
  body: T;
}

export class AgencyClient {
  private readonly transport: HttpsTransport;
  private readonly hubKeys: HubKeyCache;
  private readonly privateKey: KeyObject;
  private readonly certificate: X509Certificate;
  private readonly decryptionKeys: readonly DecryptionKey[];
  readonly hubId: string;

  constructor(private readonly options: AgencyClientOptions) {
    this.transport = createHttpsTransport(options.hubUrl, { key: options.privateKeyPem, cert: options.certificatePem, ca: options.caPem });
    this.privateKey = createPrivateKey(options.privateKeyPem);
    this.certificate = new X509Certificate(options.certificatePem);
    this.decryptionKeys = decryptionKeysFor({ privateKey: this.privateKey, certificate: this.certificate }, options.encryption, options.previousEncryption);
    this.hubId = options.hubId ?? 'isp-hub';
    this.hubKeys = createHubKeyCache(() => this.getJson('/.well-known/jwks.json'), options.checkHubCertificate);
  }

  get thumbprint(): string {
    return thumbprintS256(this.certificate);
  }

  /** Seals a message to the hub's current encryption key. Returns the compact JWE and its jti. */
  async sealForHub(message: OutgoingMessage, jti: string = randomUUID()): Promise<{ jwe: string; jti: string }> {
    const now = Math.floor(Date.now() / 1000);
    const claims: EnvelopeClaims = {
      ...message,
      iss: this.options.agencyId,
      aud: this.hubId,
      iat: now,
      exp: now + (this.options.lifetimeSeconds ?? 300),
      jti,
    };
    const recipient = await this.hubKeys.encryptionKey();
    const jwe = await seal({ claims, signer: { privateKey: this.privateKey, certificate: this.certificate }, recipient });
    return { jwe, jti };
  }

  /** POST /v1/messages. Transport errors and 5xx are retried with the same bytes (idempotent by jti). */
  async send<T = unknown>(message: OutgoingMessage, options: SendOptions = {}): Promise<HubAnswer<T> & { jti: string }> {
    const { jwe, jti } = await this.sealForHub(message, options.jti);
    const answer = await this.postWithRetries('/v1/messages', jwe, options.retries ?? 3);
    return { ...(parseAnswer(answer) as HubAnswer<T>), jti };
  }

  /** POST /v1/queries: the answer comes back sealed to this agency; it is opened and verified here. */
  async query(message: OutgoingMessage, options: SendOptions = {}): Promise<{ id: string; answer: EnvelopeClaims }> {
    const { jwe } = await this.sealForHub(message, options.jti);
    const response = await this.postWithRetries('/v1/queries', jwe, options.retries ?? 3);
    const { body } = expectOk<{ id: string; answer: string }>(response);
    const opened = await this.openFromHub(body.answer);
    return { id: body.id, answer: opened.claims };
  }

  async inbox<T = unknown>(query: { cursor?: string; limit?: number } = {}): Promise<T> {
    const params = new URLSearchParams();
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.limit) params.set('limit', String(query.limit));
    const suffix = params.size > 0 ? `?${params}` : '';
    return expectOk<T>(await this.transport.send('GET', `/v1/inbox${suffix}`)).body;
  }

  async ack<T = unknown>(itemId: string): Promise<T> {
    return expectOk<T>(await this.transport.send('POST', `/v1/inbox/${encodeURIComponent(itemId)}/ack`)).body;
  }

  async track<T = unknown>(messageId: string): Promise<T> {
    return expectOk<T>(await this.transport.send('GET', `/v1/messages/${encodeURIComponent(messageId)}`)).body;
  }

  /** Opens a delivery (pushed or pulled): decrypts with this agency's key (the one its `kid` names) and checks the hub's signature. */
  async openFromHub(jwe: string): Promise<OpenedEnvelope> {
    return open(jwe, {
      decryptionKeys: this.decryptionKeys,
      resolveSigner: (thumbprint) => this.hubKeys.signingCertificate(thumbprint),
      audience: this.options.agencyId,
      clockSkewSeconds: this.options.clockSkewSeconds ?? 60,
      maxLifetimeSeconds: 7 * 24 * 3600,
      maxBytes: this.options.maxEnvelopeBytes ?? 1024 * 1024,
    });
  }

  /** Raw request, for tests and tools that need to see exactly what the hub answered. */
  request(method: string, path: string, body?: string, contentType = JOSE_CONTENT_TYPE): Promise<HttpResponse> {
    return this.transport.send(method, path, body === undefined ? {} : { body, contentType });
  }

  close(): void {
    this.transport.close();
  }

  private async getJson(path: string): Promise<unknown> {
    return expectOk(await this.transport.send('GET', path)).body;
  }

  private async postWithRetries(path: string, jwe: string, retries: number): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await this.transport.send('POST', path, { body: jwe, contentType: JOSE_CONTENT_TYPE });
        if (response.status < 500 || attempt >= retries) return response;
      } catch (error) {
        if (attempt >= retries) throw error;
      }
      // Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter").
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));
    }
  }
}

function parseAnswer(response: HttpResponse): HubAnswer {
  const text = response.body.toString('utf8');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

/** A 2xx answer's JSON body, or the hub's error as a HubError with the hub's code. */
function expectOk<T>(response: HttpResponse): HubAnswer<T> {
  const answer = parseAnswer(response);
  if (response.status >= 200 && response.status < 300) return answer as HubAnswer<T>;
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = HUB_ERROR_CODES.includes(error?.code as HubErrorCode) ? (error!.code as HubErrorCode) : 'INTERNAL';
  throw new HubError(code, error?.message ?? `the hub answered ${response.status}`, { status: response.status });
}
