import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { auditEntrySchema, AUDIT_EVENTS, DECISIONS, type AuditEntry, type AuditEntryInput } from '../../audit/entry.js';
import type { CatalogLookup, SubjectReport } from '../../audit/search/index.js';
import { readCheckpointUnverified, type SignedCheckpoint } from '../../audit/verify/checkpoint.js';
import type { ConsistencyProof, InclusionProof } from '../../audit/verify/proofs.js';
import { auditIndexKeys } from '../../audit/search/index.js';
import type { DpoIdentity, DpoTokenVerifier } from '../../dpo/index.js';
import { HubError } from '../../errors.js';
import { keyspace, type RedisClient } from '../../redis/index.js';
import { errorBodySchema } from '../openapi.js';
import type { RateLimiter } from '../rate-limit.js';
import type { RouteDeps, RouteModule } from '../types.js';
import { dpoActor, dpoBearer, dpoOf } from './audit-bearer.js';
import { dpoRateLimit } from './audit-rate-limit.js';
import { withScopes } from './dpo-scopes.js';
import { createAuditOverview, type OverviewLabels } from './audit-overview.js';
import { createVerifyJobs, type FullVerifier } from './audit-verify-jobs.js';

/**
 * The DPO audit API: search, entry view with its
 * explanation and inclusion proof, exports, the subject access report,
 * checkpoints and proofs, full verification jobs, and the overview.
 *
 * Every route needs a DPO bearer token (RFC 6750). An agency DPO sees only
 * entries where their agency acted or received (least privilege, UK GDPR
 * Art 5(1)(c)); an entry outside their scope answers exactly like a missing
 * one. Every read is itself logged as an `audit-read` entry (DPA 2018
 * s.62(1)(c): consulting the log is consultation too): the search service
 * logs searches, views, exports and reports; this module logs the rest.
 */

/** The audit log's reader API (src/audit createAuditLog) as far as these routes use it. */
export interface AuditLogReader {
  append(input: AuditEntryInput): Promise<unknown>;
  size(): Promise<number>;
  getEntries(seqs: number[]): Promise<AuditEntry[]>;
  /** The exact stored bytes by seq (RFC 8785 canonical JSON, what the leaf hashes). */
  readRawEntries(seqs: number[]): Promise<Map<number, Buffer>>;
  /** Checkpoints with a tree larger than `after`, smallest first, at most `limit`. */
  checkpointsAfter(after: number, limit: number): Promise<SignedCheckpoint[]>;
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  checkpointAt(treeSize: number): Promise<SignedCheckpoint | undefined>;
  inclusionProof(seq: number, treeSize: number): Promise<InclusionProof>;
  consistencyProof(from: number, to: number): Promise<ConsistencyProof>;
}

type Scope = { kind: 'scheme' } | { kind: 'agency'; agencyId: string };
type Actor = { id: string; role: string };

/** The search service (src/audit/search createAuditSearch) as far as these routes use it. */
export interface AuditSearchPort {
  search(query: unknown, scope: Scope, dpo: Actor): Promise<{ entries: AuditEntry[]; nextCursor?: string }>;
  viewEntry(seq: unknown, scope: Scope, dpo: Actor): Promise<AuditEntry>;
  openExport(format: 'csv' | 'jsonl', filter: unknown, scope: Scope, dpo: Actor): Promise<AsyncIterable<string>>;
  subjectReport(identifier: unknown, scope: Scope, dpo: Actor): Promise<SubjectReport>;
  subjectReportCsv(identifier: unknown, scope: Scope, dpo: Actor): Promise<string>;
}

/** Titles and citations from policies/catalog.yaml and rule descriptions from the policy set. */
export interface AuditCatalog extends CatalogLookup, OverviewLabels {
  purposeDescription?(code: string): string | undefined;
  subjectCategoryTitle?(code: string): string | undefined;
  agencyName?(id: string): string | undefined;
}

export interface AuditRoutesDeps {
  verifier: DpoTokenVerifier;
  auditLog: AuditLogReader;
  auditSearch: AuditSearchPort;
  catalog?: AuditCatalog;
  /** The Redis and `{hash tag}` prefix the audit log uses: indexes for the overview and delivery states, job state. */
  redis: RedisClient;
  prefix: string;
  /** Full verification (src/audit verifyFullLog bound to the hub's certificate, archive and Redis). */
  verifyFull: FullVerifier;
  /** Requests per DPO (token subject) per window (DPO_RATE_LIMIT_PER_MINUTE). */
  rateLimiter: RateLimiter;
  now?: () => Date;
}

const code = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:\/#()-]+$/);
const isoTime = z.string().datetime({ offset: true });
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const count = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const filterQuery = {
  'subject.kind': z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/).optional(),
  'subject.value': z.string().min(1).max(64).optional(),
  agency: code.optional(),
  actor: z.string().regex(/^[a-z0-9-]+\/[A-Za-z0-9._@+:/\\=~|#-]+$/).max(200).optional().meta({ description: 'agency/staff-id' }),
  purpose: code.optional(),
  event: z.enum(AUDIT_EVENTS).optional(),
  decision: z.enum(DECISIONS).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
};
const searchQuery = z.strictObject({ ...filterQuery, cursor: z.string().min(1).max(200).optional(), limit: z.coerce.number().int().min(1).max(500).optional() });
const exportQuery = z.strictObject(filterQuery);
const subjectQuery = z.strictObject({ kind: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/), value: z.string().min(1).max(64), format: z.enum(['json', 'csv']).optional() });
const seqParams = z.strictObject({ seq: count });
const sizeParams = z.strictObject({ size: count });
const inclusionQuery = z.strictObject({ seq: count, treeSize: count });
const consistencyQuery = z.strictObject({ from: count, to: count });
const overviewQuery = z.strictObject({ from: isoDay.optional(), to: isoDay.optional() });
const jobParams = z.strictObject({ job: z.string().regex(/^vj_[0-9a-f]{24}$/) });
const checkpointListQuery = z.strictObject({
  after: count.optional().meta({ description: 'Only checkpoints of trees larger than this (the nextAfter of the previous page)' }),
  limit: z.coerce.number().int().min(1).max(500).optional().meta({ description: 'At most this many (default 100)' }),
});
const CHECKPOINT_PAGE = 100;

const signedCheckpointSchema = z.object({
  jws: z.string().meta({ description: 'Compact JWS, ES256, x5t#S256 of the hub signing certificate (docs/audit-format.md)' }),
  checkpoint: z.object({ origin: z.string(), treeSize: z.number(), rootHash: z.string(), time: z.string() }),
});
const inclusionSchema = z.object({ type: z.literal('inclusion'), leafIndex: z.number(), treeSize: z.number(), leafHash: z.string(), path: z.array(z.string()) });
const consistencySchema = z.object({ type: z.literal('consistency'), firstSize: z.number(), secondSize: z.number(), path: z.array(z.string()) });
const recipientStateSchema = z.object({
  agency: z.string(),
  name: z.string().nullable(),
  state: z.string().meta({ description: 'queued, denied, delivered, collected, acknowledged, undeliverable' }),
  seq: z.number().nullable(),
  time: z.string().nullable(),
});
const entryViewSchema = z.object({
  entry: auditEntrySchema,
  explanation: z.object({
    agencyName: z.string().nullable(),
    purpose: z.object({ code: z.string(), title: z.string().nullable(), description: z.string().nullable() }).nullable(),
    legalBases: z.array(z.object({ code: z.string(), title: z.string().nullable(), citation: z.string().nullable() })),
    rules: z.array(z.object({ id: z.string(), description: z.string().nullable() })),
    subjectCategory: z.object({ code: z.string(), title: z.string().nullable() }).nullable(),
  }),
  recipients: z.array(recipientStateSchema),
  checkpoint: signedCheckpointSchema.nullable(),
  proof: inclusionSchema.nullable(),
});
const verifyJobSchema = z.object({
  id: z.string(),
  state: z.enum(['running', 'passed', 'failed', 'error']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  checked: z.number(),
  total: z.number(),
  problem: z
    .object({ kind: z.string(), seq: z.number().optional(), id: z.string().optional(), file: z.string().optional(), index: z.string().optional(), message: z.string() })
    .optional()
    .meta({ description: 'The first problem found; kinds are listed in docs/audit-format.md "What verify reports"' }),
});
const bearerErrors = {
  400: { description: 'A parameter is malformed', schema: errorBodySchema },
  401: { description: 'TOKEN_MISSING, TOKEN_INVALID or TOKEN_EXPIRED (WWW-Authenticate: Bearer)', schema: errorBodySchema },
  429: { description: 'RATE_LIMITED: this DPO is over DPO_RATE_LIMIT_PER_MINUTE, or AUTH_FAILURES_LIMITED: too many refused sign-ins (details.refused holds the refusal it stands for); Retry-After', schema: errorBodySchema },
  503: { description: "UNAVAILABLE: the identity provider's keys could not be fetched; try again", schema: errorBodySchema },
};

/** Delivery outcomes that follow a disclosure, as the recipient's state as tracking names it. */
const DELIVERY_STATE: Partial<Record<AuditEntry['event'], string>> = {
  delivered: 'delivered',
  collected: 'collected',
  acknowledged: 'acknowledged',
  'delivery-failed': 'undeliverable',
  expired: 'undeliverable',
  'delivery-replayed': 'queued',
};
/** How many later entries of the same subject or recipient are looked at for a message's delivery outcomes. */
const DELIVERY_LOOKAHEAD = 500;

export function auditRoutes(options: AuditRoutesDeps): RouteModule {
  return (router, deps) => {
    // Every route: the token first (a scheme manager's is refused here), then the DPO's own rate limit.
    const bearer = inTurn(
      withScopes(dpoBearer(options.verifier, deps.authenticationFailures), ['scheme', 'agency'], 'a scheme manager sees the scheme returns, not the audit log'),
      dpoRateLimit(options.rateLimiter, options.auditLog),
    );
    const keys = auditIndexKeys(options.prefix);
    const checkpointsKey = keyspace(options.prefix)('audit', 'checkpoints');
    const overview = createAuditOverview({
      redis: options.redis,
      prefix: options.prefix,
      auditLog: options.auditLog,
      ...(options.catalog ? { labels: options.catalog } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const jobs = createVerifyJobs({ redis: options.redis, prefix: options.prefix, verifyFull: options.verifyFull, logger: deps.logger, ...(options.now ? { now: options.now } : {}) });

    const jobAsker = (dpo: DpoIdentity) => ({ subject: dpo.subject, scheme: dpo.scope.kind === 'scheme' });
    const caller = (res: Response) => {
      const dpo = dpoOf(res);
      if (dpo.scope.kind === 'scheme-manager') throw new HubError('FORBIDDEN', 'a scheme manager sees the scheme returns, not the audit log');
      const scope: Scope = dpo.scope.kind === 'scheme' ? { kind: 'scheme' } : { kind: 'agency', agencyId: dpo.scope.agencyId };
      return { dpo, scope, actor: dpoActor(dpo) };
    };
    const readLogged = async (dpo: DpoIdentity, outcome: string, reason: string) => {
      await options.auditLog.append({
        event: 'audit-read',
        agency: dpo.scope.kind === 'agency' ? dpo.scope.agencyId : 'hub',
        actor: dpoActor(dpo),
        outcome,
        reason: `${reason} (scope ${dpo.scope.kind === 'agency' ? `agency ${dpo.scope.agencyId}` : 'scheme'})`,
      });
    };
    const inScope = (entry: AuditEntry, scope: Scope) =>
      scope.kind === 'scheme' || entry.agency === scope.agencyId || entry.recipients.includes(scope.agencyId);

    /** Query → the search service's filter. An agency DPO naming another agency is refused, not silently narrowed. */
    async function toFilter(query: z.infer<typeof exportQuery>, scope: Scope, dpo: DpoIdentity): Promise<Record<string, unknown>> {
      if (scope.kind === 'agency' && query.agency !== undefined && query.agency !== scope.agencyId) {
        // A refused read is logged like any other read (DPA 2018 s.62: refusals are accountable too).
        await readLogged(dpo, 'forbidden', `asked for another agency's entries`);
        throw new HubError('FORBIDDEN', 'an agency DPO may only ask for their own agency\'s entries');
      }
      const hasKind = query['subject.kind'] !== undefined;
      if (hasKind !== (query['subject.value'] !== undefined)) throw new HubError('BAD_REQUEST', 'subject.kind and subject.value go together');
      const slash = query.actor?.indexOf('/') ?? -1;
      return {
        ...(hasKind ? { subject: { kind: query['subject.kind'], value: query['subject.value'] } } : {}),
        ...(query.agency ? { agency: query.agency } : {}),
        ...(query.actor ? { actor: { agency: query.actor.slice(0, slash), id: query.actor.slice(slash + 1) } } : {}),
        ...(query.purpose ? { purpose: query.purpose } : {}),
        ...(query.event ? { event: query.event } : {}),
        ...(query.decision ? { decision: query.decision } : {}),
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
      };
    }

    async function checkpointBefore(treeSize: number): Promise<SignedCheckpoint | undefined> {
      // Checkpoints are a sorted set scored by tree size (docs/audit-format.md); the log's API has no "previous".
      const [jws] = await options.redis.zrevrangebyscore(checkpointsKey, `(${treeSize}`, '-inf', 'LIMIT', 0, 1);
      return jws ? { jws, checkpoint: readCheckpointUnverified(jws) } : undefined;
    }

    async function recipientStates(entry: AuditEntry) {
      const name = (id: string) => options.catalog?.agencyName?.(id) ?? null;
      const initial = entry.decision === 'deny' || entry.event === 'refusal' ? 'denied' : 'queued';
      const states = new Map(entry.recipients.map((agency) => [agency, { agency, name: name(agency), state: initial, seq: null as number | null, time: null as string | null }]));
      if (!entry.messageId || states.size === 0 || initial === 'denied') return [...states.values()];
      // Outcomes come later in the log under the same message id; the subject (or recipient) index narrows the look.
      const index = entry.subjectKeys[0] ? keys.subject(entry.subjectKeys[0]) : keys.agency(entry.recipients[0] as string);
      const later = await options.redis.zrangebyscore(index, `(${entry.seq}`, '+inf', 'LIMIT', 0, DELIVERY_LOOKAHEAD);
      const outcomes = await options.auditLog.getEntries(later.map(Number));
      for (const outcome of outcomes.sort((a, b) => a.seq - b.seq)) {
        const state = DELIVERY_STATE[outcome.event];
        if (!state || outcome.messageId !== entry.messageId) continue;
        for (const agency of new Set([outcome.agency, ...outcome.recipients])) {
          const found = states.get(agency);
          if (found) Object.assign(found, { state, seq: outcome.seq, time: outcome.time });
        }
      }
      return [...states.values()];
    }

    function explain(entry: AuditEntry) {
      const catalog = options.catalog;
      return {
        agencyName: catalog?.agencyName?.(entry.agency) ?? null,
        purpose: entry.purpose
          ? { code: entry.purpose, title: catalog?.purposeTitle(entry.purpose) ?? null, description: catalog?.purposeDescription?.(entry.purpose) ?? null }
          : null,
        legalBases: entry.legalBases.map((basis) => {
          const found = catalog?.legalBasis(basis);
          return { code: basis, title: found?.title ?? null, citation: found?.citation ?? null };
        }),
        rules: entry.ruleIds.map((id) => ({ id, description: catalog?.ruleDescription(id) ?? null })),
        subjectCategory: entry.subjectCategory ? { code: entry.subjectCategory, title: catalog?.subjectCategoryTitle?.(entry.subjectCategory) ?? null } : null,
      };
    }

    async function sendStream(res: Response, chunks: AsyncIterable<string>): Promise<void> {
      for await (const chunk of chunks) {
        if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
      }
      res.end();
    }

    const parse = <T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> => {
      const result = schema.safeParse(input);
      if (result.success) return result.data;
      // Names the parameters, never their values (a subject identifier is personal data).
      const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(query)'))];
      throw new HubError('BAD_REQUEST', `invalid ${what}: check ${fields.join(', ')}`, { fields });
    };

    // --- search
    router.get('/v1/audit/entries', bearer, async (req: Request, res) => {
      const { scope, actor, dpo } = caller(res);
      const query = parse(searchQuery, req.query, 'search');
      const filter = await toFilter(query, scope, dpo);
      const page = await options.auditSearch.search(
        { ...filter, ...(query.cursor ? { cursor: query.cursor } : {}), ...(query.limit ? { limit: query.limit } : {}) },
        scope,
        actor,
      );
      res.json(page);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/entries',
      summary: 'Search the audit log (newest first, cursor paging); logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      request: { query: searchQuery },
      responses: {
        200: { description: 'One page', schema: z.object({ entries: z.array(auditEntrySchema), nextCursor: z.string().optional() }) },
        ...bearerErrors,
        403: { description: 'An agency DPO asked for another agency', schema: errorBodySchema },
      },
    });

    // --- one entry, explained, with its inclusion proof against the latest checkpoint
    router.get('/v1/audit/entries/:seq', bearer, async (req, res) => {
      const { scope, actor } = caller(res);
      const { seq } = parse(seqParams, req.params, 'entry number');
      const entry = await options.auditSearch.viewEntry(seq, scope, actor);
      const latest = await options.auditLog.latestCheckpoint();
      const covered = latest !== undefined && entry.seq < latest.checkpoint.treeSize;
      const [proof, recipients] = await Promise.all([
        covered ? options.auditLog.inclusionProof(entry.seq, latest.checkpoint.treeSize) : Promise.resolve(null),
        recipientStates(entry),
      ]);
      res.json({ entry, explanation: explain(entry), recipients, checkpoint: covered ? latest : null, proof });
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/entries/:seq',
      summary: 'One entry with legal basis titles, rule descriptions, recipient states and its inclusion proof; logged as audit-read',
      description: '`proof` and `checkpoint` are null while no signed checkpoint covers the entry yet.',
      tags: ['audit'],
      security: 'bearer',
      request: { params: seqParams },
      responses: { 200: { description: 'The entry', schema: entryViewSchema }, ...bearerErrors, 404: { description: 'AUDIT_NOT_FOUND (also for another agency\'s entry)', schema: errorBodySchema } },
    });

    // --- one entry's exact stored bytes, for a verifier that hashes the leaf itself
    router.get('/v1/audit/entries/:seq/canonical', bearer, async (req, res) => {
      const { scope, dpo } = caller(res);
      const { seq } = parse(seqParams, req.params, 'entry number');
      const body = (await options.auditLog.readRawEntries([seq])).get(seq);
      // getEntries checks the stored position against the entry's own seq, and gives the scope check its fields.
      const [entry] = body ? await options.auditLog.getEntries([seq]) : [];
      if (!body || !entry || !inScope(entry, scope)) {
        await readLogged(dpo, 'not-found', `canonical bytes of entry ${seq} asked for; none in scope`);
        throw new HubError('AUDIT_NOT_FOUND', 'no such audit entry');
      }
      await readLogged(dpo, 'view-canonical', `canonical bytes of entry ${seq} served`);
      res.status(200).setHeader('Content-Type', 'application/json');
      res.end(body);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/entries/:seq/canonical',
      summary: 'The exact bytes stored for one entry (RFC 8785 canonical JSON): SHA-256 of 0x00 and these bytes is its leaf hash; logged as audit-read',
      description: 'The other entry routes parse the stored entry and write it again; this one serves the stored bytes unchanged.',
      tags: ['audit'],
      security: 'bearer',
      request: { params: seqParams },
      responses: { 200: { description: 'The stored bytes', contentType: 'application/json', schema: auditEntrySchema }, ...bearerErrors, 404: { description: 'AUDIT_NOT_FOUND (also for another agency\'s entry)', schema: errorBodySchema } },
    });

    // --- exports
    for (const format of ['csv', 'jsonl'] as const) {
      router.get(`/v1/audit/export.${format}`, bearer, async (req, res) => {
        const { scope, actor, dpo } = caller(res);
        const filter = await toFilter(parse(exportQuery, req.query, 'export'), scope, dpo);
        const chunks = await options.auditSearch.openExport(format, filter, scope, actor);
        res.status(200);
        res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/jsonl; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="audit-export.${format}"`);
        await sendStream(res, chunks);
      });
      deps.registerOperation({
        method: 'get',
        path: `/v1/audit/export.${format}`,
        summary: `Every matching entry as ${format === 'csv' ? 'CSV (RFC 4180)' : 'JSON Lines (canonical JSON per entry)'}, streamed; logged as audit-read`,
        tags: ['audit'],
        security: 'bearer',
        request: { query: exportQuery },
        responses: {
          200: { description: 'The export', contentType: format === 'csv' ? 'text/csv' : 'application/jsonl', schema: z.string() },
          ...bearerErrors,
          403: { description: 'An agency DPO asked for another agency', schema: errorBodySchema },
        },
      });
    }

    // --- subject access report
    router.get('/v1/audit/subject-report', bearer, async (req, res) => {
      const { scope, actor } = caller(res);
      const query = parse(subjectQuery, req.query, 'subject report');
      const identifier = { kind: query.kind, value: query.value };
      if (query.format === 'csv') {
        const csv = await options.auditSearch.subjectReportCsv(identifier, scope, actor);
        res.setHeader('Content-Disposition', 'attachment; filename="subject-report.csv"');
        res.type('text/csv; charset=utf-8; header=present').send(csv);
        return;
      }
      res.json(await options.auditSearch.subjectReport(identifier, scope, actor));
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/subject-report',
      summary: 'Subject access report (UK GDPR Art 15, DPA 2018 s.45): disclosures, refusals and other acts about one person; logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      request: { query: subjectQuery },
      responses: { 200: { description: 'The report (JSON, or CSV with format=csv)', schema: z.record(z.string(), z.unknown()) }, ...bearerErrors },
    });

    // --- checkpoints and proofs
    router.get('/v1/audit/checkpoints', bearer, async (req, res) => {
      const { dpo } = caller(res);
      const query = parse(checkpointListQuery, req.query, 'checkpoint list');
      const limit = query.limit ?? CHECKPOINT_PAGE;
      const after = query.after ?? -1;
      // One more than asked tells whether a next page exists.
      const found = await options.auditLog.checkpointsAfter(after, limit + 1);
      const page = found.slice(0, limit);
      const last = page[page.length - 1];
      await readLogged(dpo, 'list-checkpoints', `checkpoints listed (after tree size ${after < 0 ? 'none' : after}, ${page.length} returned)`);
      res.json({ checkpoints: page, ...(found.length > limit && last ? { nextAfter: last.checkpoint.treeSize } : {}) });
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/checkpoints',
      summary: 'Every signed checkpoint, smallest tree first, in pages (follow nextAfter); logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      request: { query: checkpointListQuery },
      responses: {
        200: { description: 'One page', schema: z.object({ checkpoints: z.array(signedCheckpointSchema), nextAfter: z.number().optional() }) },
        ...bearerErrors,
      },
    });

    router.get('/v1/audit/checkpoints/latest', bearer, async (_req, res) => {
      const { dpo } = caller(res);
      const latest = await options.auditLog.latestCheckpoint();
      if (!latest) throw new HubError('AUDIT_CHECKPOINT_NOT_FOUND', 'no checkpoint has been signed yet');
      const previous = (await checkpointBefore(latest.checkpoint.treeSize)) ?? null;
      await readLogged(dpo, 'view-checkpoint', `latest checkpoint viewed (tree size ${latest.checkpoint.treeSize})`);
      res.json({ ...latest, previous });
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/checkpoints/latest',
      summary: 'The newest signed checkpoint, and the one before it (for a consistency check); logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      responses: {
        200: { description: 'Latest and previous', schema: signedCheckpointSchema.extend({ previous: signedCheckpointSchema.nullable() }) },
        ...bearerErrors,
        404: { description: 'AUDIT_CHECKPOINT_NOT_FOUND', schema: errorBodySchema },
      },
    });

    router.get('/v1/audit/checkpoints/:size', bearer, async (req, res) => {
      const { dpo } = caller(res);
      const { size } = parse(sizeParams, req.params, 'tree size');
      const found = await options.auditLog.checkpointAt(size);
      await readLogged(dpo, found ? 'view-checkpoint' : 'not-found', `checkpoint at tree size ${size} ${found ? 'viewed' : 'asked for; none signed'}`);
      if (!found) throw new HubError('AUDIT_CHECKPOINT_NOT_FOUND', 'no checkpoint was signed at that tree size');
      res.json(found);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/checkpoints/:size',
      summary: 'The signed checkpoint at one tree size; logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      request: { params: sizeParams },
      responses: { 200: { description: 'The checkpoint', schema: signedCheckpointSchema }, ...bearerErrors, 404: { description: 'AUDIT_CHECKPOINT_NOT_FOUND', schema: errorBodySchema } },
    });

    router.get('/v1/audit/proofs/inclusion', bearer, async (req, res) => {
      const { scope, dpo } = caller(res);
      const query = parse(inclusionQuery, req.query, 'inclusion proof');
      if (scope.kind === 'agency') {
        // Even a leaf hash is not given for an entry the DPO may not see.
        const [entry] = await options.auditLog.getEntries([query.seq]);
        if (!entry || !inScope(entry, scope)) {
          await readLogged(dpo, 'not-found', `inclusion proof of entry ${query.seq} asked for; not in scope`);
          throw new HubError('AUDIT_NOT_FOUND', 'no such audit entry');
        }
      }
      const proof = await options.auditLog.inclusionProof(query.seq, query.treeSize);
      await readLogged(dpo, 'proof-inclusion', `inclusion proof of entry ${query.seq} in tree size ${query.treeSize} served`);
      res.json(proof);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/proofs/inclusion',
      summary: 'RFC 6962 s.2.1.1 inclusion proof of entry `seq` in the tree of size `treeSize`; logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      request: { query: inclusionQuery },
      responses: { 200: { description: 'The proof', schema: inclusionSchema }, ...bearerErrors, 404: { description: 'AUDIT_NOT_FOUND', schema: errorBodySchema } },
    });

    router.get('/v1/audit/proofs/consistency', bearer, async (req, res) => {
      const { dpo } = caller(res);
      const query = parse(consistencyQuery, req.query, 'consistency proof');
      const proof = await options.auditLog.consistencyProof(query.from, query.to);
      await readLogged(dpo, 'proof-consistency', `consistency proof from tree size ${query.from} to ${query.to} served`);
      res.json(proof);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/proofs/consistency',
      summary: 'RFC 6962 s.2.1.2 consistency proof between tree sizes `from` and `to`; logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      request: { query: consistencyQuery },
      responses: { 200: { description: 'The proof', schema: consistencySchema }, ...bearerErrors, 404: { description: 'AUDIT_NOT_FOUND', schema: errorBodySchema } },
    });

    // --- full verification
    router.post('/v1/audit/verify', bearer, async (_req, res) => {
      const { dpo } = caller(res);
      const { job, started } = await jobs.start(jobAsker(dpo));
      await readLogged(dpo, 'verify-full', started ? `full verification started (job ${job.id})` : `full verification joined (job ${job.id})`);
      res.status(202).setHeader('Location', `/v1/audit/verify/${job.id}`);
      res.json(job);
    });
    deps.registerOperation({
      method: 'post',
      path: '/v1/audit/verify',
      summary: 'Start full verification of the log (or join the running one); poll the job; logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      responses: { 202: { description: 'The job', schema: verifyJobSchema }, ...bearerErrors },
    });

    router.get('/v1/audit/verify/:job', bearer, async (req, res) => {
      const { dpo } = caller(res);
      const { job } = parse(jobParams, req.params, 'job');
      let found;
      try {
        found = await jobs.get(job, jobAsker(dpo));
      } catch (error) {
        // Asking for a job one did not start or join (or none at all) is a refused read, logged like one.
        await readLogged(dpo, 'not-found', `asked for verification job ${job}, which it did not start or join or which does not exist`);
        throw error;
      }
      await readLogged(dpo, 'verify-progress', `verification job ${job} viewed (${found.state})`);
      res.json(found);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/verify/:job',
      summary: 'Progress of a verification job, and the first bad entry when it failed; only for the DPOs who started or joined it, and scheme DPOs (others: 404); logged as audit-read',
      tags: ['audit'],
      security: 'bearer',
      request: { params: jobParams },
      responses: { 200: { description: 'The job', schema: verifyJobSchema }, ...bearerErrors, 404: { description: 'NOT_FOUND', schema: errorBodySchema } },
    });

    // --- overview
    router.get('/v1/audit/overview', bearer, async (req, res) => {
      const { dpo, scope } = caller(res);
      const query = parse(overviewQuery, req.query, 'overview');
      const figures = await overview.overview(query, scope);
      await readLogged(dpo, 'overview', `overview viewed (${figures.from} to ${figures.to})`);
      res.json(figures);
    });
    deps.registerOperation({
      method: 'get',
      path: '/v1/audit/overview',
      summary: 'Sharing by agency pair and purpose per day, refusals by rule, records about children (UTC days, default the last 30)',
      tags: ['audit'],
      security: 'bearer',
      request: { query: overviewQuery },
      responses: { 200: { description: 'Figures', schema: z.record(z.string(), z.unknown()) }, ...bearerErrors },
    });

    // Anything else under /v1/audit: authenticated 404, never the agency (mTLS) routes' answer.
    router.use('/v1/audit', bearer, () => {
      throw new HubError('NOT_FOUND', 'no such resource');
    });
  };
}

export type { FullVerifier };

/** Two middlewares as one: the second runs once the first has called next() without an error. */
function inTurn(first: RequestHandler, second: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    await new Promise<void>((resolve, reject) => {
      Promise.resolve(first(req, res, (error?: unknown) => (error ? reject(error) : resolve()))).catch(reject);
    });
    await second(req, res, next);
  };
}
