// Checks done in the browser, so a DPO need not trust the hub's word that an
// entry is in the log: the page recomputes the leaf hash, walks the proof and
// verifies the hub's signature on the checkpoint itself, with WebCrypto.
// Formats: docs/audit-format.md. Hashing: RFC 6962 s.2.1. Proof checks:
// RFC 9162 s.2.1.3.2 (inclusion) and s.2.1.4.2 (consistency).

const encoder = new TextEncoder();
export const CHECKPOINT_TYP = 'isp-audit-checkpoint+jws';

/** RFC 8785 (JCS) canonical JSON for the values an audit entry holds. */
export function canonicalize(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('JCS cannot encode a non-finite number');
    // ECMAScript Number-to-String and JSON string escaping are what RFC 8785 s.3.2.2 prescribes.
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
  // Sorted by UTF-16 code units (RFC 8785 s.3.2.3), which is what Array.prototype.sort does for strings.
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalize(value[key])}`).join(',')}}`;
}

export function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

export function base64UrlToBytes(text) {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/');
  return base64ToBytes(padded + '='.repeat((4 - (padded.length % 4)) % 4));
}

export function bytesToBase64(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= a[index] ^ b[index];
  return difference === 0;
}

async function sha256(...parts) {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

const LEAF = new Uint8Array([0x00]);
const NODE = new Uint8Array([0x01]);

/** SHA-256(0x00 || canonical JSON of the entry) (RFC 6962 s.2.1). */
export async function entryLeafHash(entry) {
  return sha256(LEAF, encoder.encode(canonicalize(entry)));
}

const nodeHash = (left, right) => sha256(NODE, left, right);
// Sizes may exceed 2^32, where JavaScript's bit operators stop working.
const lsb = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);
function isPowerOfTwo(n) {
  let rest = n;
  while (rest > 1 && rest % 2 === 0) rest /= 2;
  return rest === 1;
}

/** RFC 9162 s.2.1.3.2: the root the inclusion path leads to, or null if the path is malformed. */
export async function rootFromInclusion(leafIndex, treeSize, leaf, path) {
  if (!(leafIndex < treeSize)) return null;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (lsb(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

/** RFC 9162 s.2.1.4.2: whether the path joins the two roots. */
export async function consistencyHolds(firstSize, secondSize, firstRoot, secondRoot, path) {
  if (firstSize > secondSize) return false;
  if (firstSize === secondSize) return path.length === 0 && equalBytes(firstRoot, secondRoot);
  if (firstSize === 0) return path.length === 0; // every tree extends the empty one
  let nodes = path;
  // When the old tree is a complete subtree its root is the first node of the walk.
  if (isPowerOfTwo(firstSize)) nodes = [firstRoot, ...path];
  if (nodes.length === 0) return false;
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = nodes[0];
  let sr = nodes[0];
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

/**
 * Verifies a checkpoint's compact JWS (RFC 7515 s.7.1) with ES256 (RFC 7518
 * s.3.4: the signature is R || S, which is WebCrypto's ECDSA format) under
 * the hub key whose certificate the header names by x5t#S256 (s.4.1.8).
 * Returns { ok, checkpoint, reason }.
 */
export async function verifyCheckpointJws(jws, jwks) {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3) return { ok: false, reason: 'the checkpoint is not a compact JWS' };
  let header;
  let checkpoint;
  try {
    header = JSON.parse(new TextDecoder().decode(base64UrlToBytes(parts[0])));
    checkpoint = JSON.parse(new TextDecoder().decode(base64UrlToBytes(parts[1])));
  } catch {
    return { ok: false, reason: 'the checkpoint cannot be read' };
  }
  if (header.alg !== 'ES256') return { ok: false, reason: `algorithm ${String(header.alg)} is not ES256` };
  if (header.typ !== CHECKPOINT_TYP) return { ok: false, reason: 'the checkpoint has the wrong type' };
  const thumbprint = header['x5t#S256'];
  const jwk = (jwks.keys ?? []).find((key) => key['x5t#S256'] === thumbprint && key.use === 'sig');
  if (!jwk) return { ok: false, reason: 'no hub signing key with that certificate thumbprint is published' };
  const leafCertificate = jwk.x5c?.[0];
  if (!leafCertificate) return { ok: false, reason: 'the hub key carries no certificate' };
  const certificateHash = await sha256(base64ToBytes(leafCertificate));
  const computed = bytesToBase64(certificateHash).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  if (computed !== thumbprint) return { ok: false, reason: 'the published certificate does not have the named thumbprint' };
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') return { ok: false, reason: 'the hub signing key is not a P-256 key' };
  const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const signature = base64UrlToBytes(parts[2]);
  const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, encoder.encode(`${parts[0]}.${parts[1]}`));
  if (!valid) return { ok: false, reason: 'the signature does not verify under the hub key' };
  return { ok: true, checkpoint, thumbprint };
}

/**
 * Everything the entry page shows as "verified": returns a list of checks,
 * each { label, ok, detail }, and ok overall.
 */
export async function checkEntryProof({ entry, proof, checkpoint, jwks }) {
  const checks = [];
  const add = (label, ok, detail) => {
    checks.push({ label, ok, detail });
    return ok;
  };
  const signature = await verifyCheckpointJws(checkpoint.jws, jwks);
  add('Checkpoint signed by the hub (ES256, key named by x5t#S256)', signature.ok, signature.ok ? `tree size ${signature.checkpoint.treeSize}, signed ${signature.checkpoint.time}` : signature.reason);
  const leaf = await entryLeafHash(entry);
  const leafMatches = equalBytes(leaf, base64ToBytes(proof.leafHash)) && proof.leafIndex === entry.seq;
  add('Leaf hash recomputed from the entry (RFC 8785 JSON, SHA-256)', leafMatches, leafMatches ? bytesToHex(leaf) : `recomputed ${bytesToHex(leaf)} but the log holds ${bytesToHex(base64ToBytes(proof.leafHash))}`);
  let rootOk = false;
  if (signature.ok) {
    const root = await rootFromInclusion(proof.leafIndex, proof.treeSize, leaf, proof.path.map(base64ToBytes));
    const signedRoot = base64ToBytes(signature.checkpoint.rootHash);
    rootOk = root !== null && proof.treeSize === signature.checkpoint.treeSize && equalBytes(root, signedRoot);
    add('Inclusion path leads to the signed root (RFC 9162 s.2.1.3.2)', rootOk, rootOk ? `${proof.path.length} hashes to root ${bytesToHex(signedRoot)}` : 'the path from this entry does not reach the root the hub signed');
  } else {
    add('Inclusion path leads to the signed root (RFC 9162 s.2.1.3.2)', false, 'not checked: the checkpoint signature failed');
  }
  return { ok: checks.every((check) => check.ok), checks };
}

/** Verifies both checkpoints' signatures and the consistency proof between them. */
export async function checkConsistency({ older, newer, proof, jwks }) {
  const checks = [];
  const first = await verifyCheckpointJws(older.jws, jwks);
  checks.push({ label: `Checkpoint at tree size ${older.checkpoint.treeSize} signed by the hub`, ok: first.ok, detail: first.ok ? first.checkpoint.time : first.reason });
  const second = await verifyCheckpointJws(newer.jws, jwks);
  checks.push({ label: `Checkpoint at tree size ${newer.checkpoint.treeSize} signed by the hub`, ok: second.ok, detail: second.ok ? second.checkpoint.time : second.reason });
  if (first.ok && second.ok) {
    const holds =
      proof.firstSize === first.checkpoint.treeSize &&
      proof.secondSize === second.checkpoint.treeSize &&
      first.checkpoint.origin === second.checkpoint.origin &&
      (await consistencyHolds(proof.firstSize, proof.secondSize, base64ToBytes(first.checkpoint.rootHash), base64ToBytes(second.checkpoint.rootHash), proof.path.map(base64ToBytes)));
    checks.push({
      label: 'The newer tree contains the older one unchanged (RFC 9162 s.2.1.4.2)',
      ok: holds,
      detail: holds ? `${proof.path.length} hashes join the two roots` : 'the consistency proof does not join the two signed roots',
    });
  } else {
    checks.push({ label: 'The newer tree contains the older one unchanged (RFC 9162 s.2.1.4.2)', ok: false, detail: 'not checked: a signature failed' });
  }
  return { ok: checks.every((check) => check.ok), checks };
}
