import { z } from 'zod';
import type { Inbox } from '../../routing/delivery/index.js';
import { agencyOf } from '../identity.js';
import { agencyRouteErrors, errorBodySchema } from '../openapi.js';
import type { RouteModule } from '../types.js';

const listQuery = z.object({ cursor: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(100).optional() });
const itemParams = z.object({ id: z.string().min(1).max(200) });
const inboxItem = z.object({
  id: z.string(),
  messageId: z.string(),
  sender: z.string(),
  messageType: z.string(),
  jwe: z.string().meta({ description: 'compact JWE sealed to the caller' }),
  receivedAt: z.string(),
  expiresAt: z.string(),
});

/** Pull delivery: each agency sees and acknowledges only its own inbox. */
export function inboxRoutes(inbox: Inbox): RouteModule {
  return (router, deps) => {
    router.get('/v1/inbox', async (req, res) => {
      // The inbox validates the query itself (400 with a code for a bad cursor or limit).
      res.json(await inbox.list(agencyOf(req).agencyId, req.query as { cursor?: string; limit?: number }));
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/inbox',
      summary: "List (and so collect) the caller's deliveries, oldest first",
      request: { query: listQuery },
      responses: { 200: { description: 'A page of items', schema: z.object({ items: z.array(inboxItem), nextCursor: z.string().optional() }) }, ...agencyRouteErrors },
    });

    router.post('/v1/inbox/:id/ack', async (req, res) => {
      res.json(await inbox.ack(agencyOf(req).agencyId, String(req.params['id'])));
    });
    deps.registerOperation({
      method: 'post',
      path: '/v1/inbox/:id/ack',
      summary: 'Acknowledge an item: the sender sees "acknowledged"',
      request: { params: itemParams },
      responses: {
        200: { description: 'Acknowledged', schema: z.object({ id: z.string(), messageId: z.string() }) },
        404: { description: "Not the caller's item", schema: errorBodySchema },
        ...agencyRouteErrors,
      },
    });
  };
}
