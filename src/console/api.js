// The console's only way to data: the /v1/audit API with the DPO's bearer
// token (RFC 6750 s.2.1). The token arrives in the URL fragment of the sign-in
// link (never sent to a server, RFC 3986 s.3.5), moves to sessionStorage (gone
// when the tab closes) and is removed from the address bar and history.

const TOKEN_KEY = 'isp-hub.dpo-token';

export function takeTokenFromUrl() {
  const match = /^#token=([A-Za-z0-9_.-]+)$/.exec(window.location.hash);
  if (!match) return false;
  sessionStorage.setItem(TOKEN_KEY, match[1]);
  history.replaceState(null, '', `${window.location.pathname}#/search`);
  return true;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** The claims, for display only: the hub verifies the token on every call. */
export function identity() {
  const value = token();
  if (!value) return null;
  try {
    const payload = value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(payload + '='.repeat((4 - (payload.length % 4)) % 4));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0))));
    return { name: claims.name, agency: claims.agency, scheme: claims.scope === 'scheme', manager: claims.scope === 'scheme-manager', expires: claims.exp ? new Date(claims.exp * 1000) : null };
  } catch {
    return null;
  }
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function url(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function call(path, { method = 'GET', params } = {}) {
  const value = token();
  if (!value) throw new ApiError(401, 'TOKEN_MISSING', 'You are not signed in.');
  const response = await fetch(url(path, params), {
    method,
    headers: { Authorization: `Bearer ${value}`, Accept: 'application/json' },
    cache: 'no-store',
    credentials: 'omit',
  });
  if (!response.ok) {
    let code = 'HTTP_' + response.status;
    let message = `The hub answered ${response.status}.`;
    let refused;
    try {
      const body = await response.json();
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
      // 429 AUTH_FAILURES_LIMITED carries the refusal it stands for: an expired token is still expired.
      refused = body.error?.details?.refused;
    } catch {
      // not JSON: keep the status
    }
    const signedOut = [code, refused].find((value) => value === 'TOKEN_EXPIRED' || value === 'TOKEN_INVALID');
    if (signedOut) window.dispatchEvent(new CustomEvent('isp-signed-out', { detail: signedOut }));
    throw new ApiError(response.status, code, message);
  }
  return response;
}

export async function getJson(path, params) {
  return (await call(path, { params })).json();
}

export async function postJson(path) {
  return (await call(path, { method: 'POST' })).json();
}

export async function getBlob(path, params) {
  return (await call(path, { params })).blob();
}

/** The hub's published keys (RFC 7517), needed to check checkpoint signatures. Public: no token. */
let jwksPromise;
export function hubJwks() {
  jwksPromise ??= fetch('/.well-known/jwks.json', { cache: 'no-store', credentials: 'omit' }).then((response) => {
    if (!response.ok) throw new ApiError(response.status, 'JWKS_UNAVAILABLE', 'The hub keys could not be fetched.');
    return response.json();
  });
  return jwksPromise;
}

/** Saves a Blob as a file through a temporary link (no server round trip with the token in a URL). */
export function saveBlob(blob, filename) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(link.href);
    link.remove();
  }, 1000);
}
