import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The console's API client (api.js) under Node with the few browser globals
 * it touches stubbed: which answers send the DPO back to the sign-in page.
 */

type Answer = { status: number; body: unknown };

let answer: Answer;
let signedOut: string[];
const saved: Record<string, unknown> = {};

beforeEach(() => {
  signedOut = [];
  const events = new EventTarget();
  events.addEventListener('isp-signed-out', (event) => void signedOut.push((event as CustomEvent<string>).detail));
  const storage = new Map<string, string>([['isp-hub.dpo-token', 'header.payload.signature']]);
  for (const name of ['window', 'sessionStorage', 'fetch']) saved[name] = (globalThis as Record<string, unknown>)[name];
  Object.assign(globalThis, {
    window: Object.assign(events, { location: { hash: '', pathname: '/console/' } }),
    sessionStorage: { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => void storage.set(key, value), removeItem: (key: string) => void storage.delete(key) },
    fetch: async () => new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } }),
  });
});
afterEach(() => {
  Object.assign(globalThis, saved);
});

const api: any = await import('./api.js' as string);

describe('the console API client', () => {
  it.each([
    [{ status: 401, body: { error: { code: 'TOKEN_EXPIRED', message: 'expired' } } }, ['TOKEN_EXPIRED']],
    [{ status: 401, body: { error: { code: 'TOKEN_INVALID', message: 'invalid' } } }, ['TOKEN_INVALID']],
    // Over the limit of refused sign-ins: the token is still expired, so the DPO still goes back to sign in.
    [{ status: 429, body: { error: { code: 'AUTH_FAILURES_LIMITED', message: 'later', details: { retryAfterSeconds: 30, refused: 'TOKEN_EXPIRED' } } } }, ['TOKEN_EXPIRED']],
    [{ status: 429, body: { error: { code: 'RATE_LIMITED', message: 'later', details: { retryAfterSeconds: 30 } } } }, []],
    [{ status: 503, body: { error: { code: 'UNAVAILABLE', message: 'try again' } } }, []],
  ] as Array<[Answer, string[]]>)('answer %j signs the DPO out: %j', async (given, expected) => {
    answer = given;
    await expect(api.getJson('/v1/audit/entries')).rejects.toMatchObject({ status: given.status, code: (given.body as { error: { code: string } }).error.code });
    expect(signedOut).toEqual(expected);
  });
});
