import { z } from 'zod';
import type { SigningCertificateRecord } from '../../audit/signing-history.js';
import type { RouteModule } from '../types.js';

const recordSchema = z.object({
  'x5t#S256': z.string().meta({ description: 'SHA-256 thumbprint of the certificate (RFC 7515 s.4.1.8); a checkpoint header names its key by this' }),
  x5c: z.array(z.string()).meta({ description: 'The certificate, standard base64 DER (RFC 7517 s.4.7)' }),
  notBefore: z.string(),
  notAfter: z.string(),
  inUseFrom: z.string().nullable().meta({ description: 'When the hub first signed a checkpoint with it (null: before the history began)' }),
  inUseUntil: z.string().nullable().meta({ description: 'When the next certificate took over (null: still in use)' }),
});

/**
 * GET /.well-known/audit-signing-certificates.json: every certificate the
 * hub has ever signed checkpoints with, so a checkpoint can be verified long
 * after its key was rotated away. Public like jwks.json: certificates are
 * public, and a verifier should need nothing from the hub but these.
 */
export function signingCertificatesRoute(list: () => Promise<SigningCertificateRecord[]>): RouteModule {
  return (router, deps) => {
    router.get('/.well-known/audit-signing-certificates.json', async (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.json({ certificates: await list() });
    });
    deps.registerOperation({
      method: 'get',
      path: '/.well-known/audit-signing-certificates.json',
      summary: 'Every certificate the hub has signed audit checkpoints with, oldest first, with its validity and when it was in use',
      tags: ['service'],
      security: 'none',
      responses: { 200: { description: 'The history', schema: z.object({ certificates: z.array(recordSchema) }) } },
    });
  };
}
