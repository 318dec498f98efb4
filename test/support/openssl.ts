import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * openssl(1) from the machine, run the way a partner's administrator would:
 * keys and requests it makes are the "made elsewhere" inputs of the
 * enrolment and interoperability tests.
 */
export function openssl(args: string[], options: { cwd?: string; input?: string } = {}): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}), input: options.input ?? '' });
}

/** A scratch folder for openssl's files; `remove()` when done. */
export function opensslWorkspace(): { dir: string; file(name: string): string; read(name: string): string; write(name: string, text: string | Buffer): string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'openssl-'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    read: (name) => readFileSync(path.join(dir, name), 'utf8'),
    write: (name, text) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The openssl genpkey arguments for each key type a test asks for. */
const GENPKEY: Record<string, string[]> = {
  'P-256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'P-384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  'RSA-1024': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  'RSA-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  Ed25519: ['-algorithm', 'ED25519'],
  Ed448: ['-algorithm', 'ED448'],
};

/** `openssl genpkey` then `openssl req -new`: a key and a CSR made by openssl alone. Returns the two file paths. */
export function opensslKeyAndCsr(dir: string, name: string, keyType: keyof typeof GENPKEY | string, reqArgs: string[] = []): { key: string; csr: string } {
  const key = path.join(dir, `${name}.key.pem`);
  const csr = path.join(dir, `${name}.csr.pem`);
  const genpkey = GENPKEY[keyType];
  if (!genpkey) throw new TypeError(`no openssl recipe for ${keyType}`);
  openssl(['genpkey', ...genpkey, '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, ...reqArgs, '-out', csr]);
  return { key, csr };
}
