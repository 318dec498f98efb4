import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { HubError } from '../errors.js';
import type { EnvelopeClaims } from '../envelope/index.js';
import type { AgencyClient } from './agency-client.js';

export interface Delivery {
  /** The hub's message id: the same on every redelivery, so the receiver can deduplicate. */
  messageId: string;
  /** True when the hub has tried this delivery before (a retry or a replay after a crash). */
  redelivery: boolean;
  claims: EnvelopeClaims;
}

/**
 * Express middleware for an agency's webhook endpoint: reads the sealed body,
 * decrypts it with whichever of the client's keys its `kid` names (the
 * encryption key, or the main key), checks the hub's signature and hands the
 * record over. Answers 204 once the handler has taken it (the hub then
 * records "delivered"), 400 with a code if the envelope does not open, and
 * 500 if the handler fails, so the hub retries.
 */
export function webhookReceiver(client: AgencyClient, onDelivery: (delivery: Delivery) => Promise<void>, options: { limit?: string } = {}): Router {
  const router = express.Router();
  router.post('/', express.text({ type: 'application/jose', limit: options.limit ?? '1mb' }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (typeof req.body !== 'string' || req.body.length === 0) throw new HubError('UNSUPPORTED_MEDIA_TYPE', 'expected an application/jose body');
      const opened = await client.openFromHub(req.body);
      const messageId = String(req.header('isp-message-id') ?? (opened.claims['provenance'] as { messageId?: string } | undefined)?.messageId ?? '');
      await onDelivery({ messageId, redelivery: req.header('isp-redelivery') === 'true', claims: opened.claims });
      res.status(204).end();
    } catch (error) {
      if (error instanceof HubError) {
        res.status(error.status >= 500 ? 400 : error.status).json(error.toJSON());
        return;
      }
      next(error);
    }
  });
  return router;
}
