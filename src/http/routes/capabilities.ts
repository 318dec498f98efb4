import { z } from 'zod';
import type { Capabilities } from '../../policy/index.js';
import { agencyOf } from '../identity.js';
import { agencyRouteErrors } from '../openapi.js';
import type { RouteModule } from '../types.js';

/** What the calling agency may send, read from the policy set in force at the time of the request. */
export type CapabilitiesOf = (agencyId: string) => Capabilities;

const condition = z.record(z.string(), z.unknown()).meta({ description: 'A rule condition as written in the policy (path/equals/in, subjectAge, ...)' });
const permit = z.object({
  id: z.string(),
  description: z.string(),
  clause: z.string(),
  purposes: z.array(z.string()),
  recipients: z.array(z.string()),
  legalBases: z.array(z.string()),
  subjectCategories: z.array(z.string()).nullable().meta({ description: 'null: any subject category' }),
  conditions: z.array(condition),
  children: z.boolean().meta({ description: "Whether the rule may share a child's record (the children's annex)" }),
  disclose: z.array(z.string()).meta({ description: 'The fields that reach the recipient; everything else is withheld' }),
  marking: z.string(),
  retainDays: z.number(),
});
export const capabilitiesSchema = z.object({
  agency: z.string(),
  role: z.string(),
  policyVersion: z.string(),
  messageTypes: z.array(
    z.object({
      type: z.string(),
      purposes: z.array(z.object({ code: z.string(), title: z.string() })),
      recipients: z.array(z.string()),
      rules: z.array(permit),
    }),
  ),
  forbids: z.array(
    z.object({
      id: z.string(),
      description: z.string(),
      messageTypes: z.array(z.string()).nullable(),
      purposes: z.array(z.string()).nullable(),
      recipients: z.array(z.string()),
      conditions: z.array(condition),
      withhold: z.array(z.string()).nullable().meta({ description: 'null: the rule refuses the whole message' }),
    }),
  ),
});

export function capabilitiesRoutes(capabilitiesOf: CapabilitiesOf): RouteModule {
  return (router, deps) => {
    router.get('/v1/capabilities', (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(capabilitiesOf(agencyOf(req).agencyId));
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/capabilities',
      summary: 'What the calling agency may send: message types, purposes, recipients and the rules behind them',
      description:
        'Derived from the policy set in force and limited to the rules whose `from` takes in the caller. A listed permit is necessary, not sufficient: each message is still decided on its subject and body conditions, and a forbid rule wins over a permit.',
      responses: { 200: { description: "The caller's capabilities", schema: capabilitiesSchema }, ...agencyRouteErrors },
    });
  };
}
