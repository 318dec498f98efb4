import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { HubError } from '../errors.js';
import { assertJsonDepth } from './json-depth.js';

export interface BodyLimits {
  /** Largest body accepted, in bytes (ENVELOPE_MAX_BYTES). */
  maxBytes: number;
  /** Deepest JSON nesting accepted (MAX_JSON_DEPTH). */
  maxJsonDepth: number;
}

/**
 * Body readers a route puts in front of its handler. Each checks the media
 * type (415), the size (413, from Content-Length before reading and while
 * reading), and sets `req.body`:
 * - `jose`: `application/jose`, the JWS/JWE compact serialisation
 *   (RFC 7515 s.9.2.1, RFC 7516 s.9.2.1), as a string;
 * - `json`: `application/json` (UTF-8 only, RFC 8259 s.8.1), depth-checked
 *   before parsing (400 JSON_TOO_DEEP), then parsed.
 */
export interface BodyReaders {
  jose: RequestHandler;
  json: RequestHandler;
}

export function createBodyReaders(limits: BodyLimits): BodyReaders {
  if (!Number.isInteger(limits.maxBytes) || limits.maxBytes < 1) throw new TypeError('maxBytes must be a positive integer');
  return {
    jose: async (req, _res, next) => {
      requireMediaType(req, 'application/jose');
      const raw = await readRawBody(req, limits.maxBytes);
      if (raw.length === 0) throw new HubError('BAD_REQUEST', 'request body is empty');
      req.body = decodeUtf8(raw);
      next();
    },
    json: async (req, _res, next) => {
      requireMediaType(req, 'application/json');
      const raw = await readRawBody(req, limits.maxBytes);
      if (raw.length === 0) throw new HubError('BAD_REQUEST', 'request body is empty');
      const text = decodeUtf8(raw);
      assertJsonDepth(text, limits.maxJsonDepth);
      try {
        req.body = JSON.parse(text);
      } catch {
        throw new HubError('BAD_REQUEST', 'request body is not valid JSON');
      }
      next();
    },
  };
}

function requireMediaType(req: IncomingMessage, expected: string): void {
  const header = req.headers['content-type'];
  const [type = '', ...parameters] = (header ?? '').split(';');
  if (type.trim().toLowerCase() !== expected) {
    throw new HubError('UNSUPPORTED_MEDIA_TYPE', `expected Content-Type ${expected}`, { expected });
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() === 'charset' && value.trim().replace(/"/g, '').toLowerCase() !== 'utf-8') {
      throw new HubError('UNSUPPORTED_MEDIA_TYPE', 'only the utf-8 charset is accepted', { expected });
    }
  }
  // A compressed body could expand far beyond the size limit (a "zip bomb");
  // the envelope format forbids compression anyway (no `zip` header: docs/envelope.md).
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new HubError('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding is not accepted');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function decodeUtf8(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new HubError('BAD_REQUEST', 'request body is not valid UTF-8');
  }
}

/**
 * Reads the whole body, refusing it as soon as it passes `maxBytes` (whether
 * announced by Content-Length or streamed chunked). What is left unread is
 * never read: the error mapper closes the connection instead.
 */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(new HubError('BODY_TOO_LARGE', 'request body is too large', { maxBytes }));
  }
  if (req.readableEnded) return Promise.reject(new TypeError('request body was already read'));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (error: Error) => {
      cleanup();
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) fail(new HubError('BODY_TOO_LARGE', 'request body is too large', { maxBytes }));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = () => fail(new HubError('BAD_REQUEST', 'request body could not be read'));
    const onClose = () => {
      if (!req.complete) fail(new HubError('BAD_REQUEST', 'request body was cut short'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
