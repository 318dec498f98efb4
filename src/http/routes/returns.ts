import { z } from 'zod';
import type { DpoTokenVerifier } from '../../dpo/index.js';
import { MEASURES, parseReturnFormat, renderReturn, type ReturnsService, type Target } from '../../returns/index.js';
import { errorBodySchema } from '../openapi.js';
import type { RouteModule } from '../types.js';
import { dpoActor, dpoBearer, dpoOf } from './audit-bearer.js';
import { withScopes } from './dpo-scopes.js';

/**
 * The scheme returns for the scheme DPO and scheme managers (DPO bearer
 * tokens with scope `scheme` or `scheme-manager`): aggregate cells only,
 * compiled from the statistics ledger on each request and audited with who
 * asked. An agency DPO is refused: a return covers every agency's data.
 */
export interface ReturnsRoutesDeps {
  verifier: DpoTokenVerifier;
  returns: ReturnsService;
  targets: () => Promise<Target[]>;
}

const returnQuery = z.object({
  // A quarter (2026-Q1) or a month (2026-03); parsePeriod gives the error with what was expected.
  period: z.string().max(16),
  format: z.enum(['json', 'csv', 'xlsx']).optional(),
});

const errors = {
  400: { description: 'PERIOD_INVALID or RETURN_FORMAT_INVALID, with details.expected', schema: errorBodySchema },
  401: { description: 'TOKEN_MISSING, TOKEN_INVALID or TOKEN_EXPIRED (WWW-Authenticate: Bearer)', schema: errorBodySchema },
  403: { description: 'FORBIDDEN: an agency DPO token (returns are for the scheme DPO and scheme managers)', schema: errorBodySchema },
};

export function returnsRoutes(options: ReturnsRoutesDeps): RouteModule {
  return (router, deps) => {
    const bearer = withScopes(dpoBearer(options.verifier, deps.authenticationFailures), ['scheme', 'scheme-manager'], 'scheme returns are for the scheme DPO and scheme managers');

    router.get('/v1/returns', bearer, async (req, res) => {
      const format = parseReturnFormat(req.query['format']);
      const dpo = dpoOf(res);
      const schemeReturn = await options.returns.compile(req.query['period'], { agency: dpo.agencyId, actor: dpoActor(dpo) });
      const rendered = await renderReturn(schemeReturn, format);
      res.setHeader('Content-Type', rendered.contentType);
      if (format !== 'json') res.setHeader('Content-Disposition', `attachment; filename="${rendered.fileName}"`);
      res.send(rendered.body);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/returns',
      summary: 'The scheme return for a quarter or a month, compiled from the statistics ledger (JSON, CSV or XLSX); each compilation is audited',
      tags: ['returns'],
      security: 'bearer',
      request: { query: returnQuery },
      responses: { 200: { description: 'The return', schema: z.record(z.string(), z.unknown()) }, ...errors },
    });

    router.get('/v1/returns/targets', bearer, async (_req, res) => {
      res.json({
        targets: await options.targets(),
        measures: MEASURES.map((measure) => ({ id: measure.id, title: measure.title, definition: measure.definition, feeds: measure.feeds })),
      });
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/returns/targets',
      summary: "The scheme's targets (policies/targets.yaml) and every measure's definition",
      tags: ['returns'],
      security: 'bearer',
      responses: { 200: { description: 'Targets and definitions', schema: z.record(z.string(), z.unknown()) }, ...errors },
    });
  };
}
