import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpoRequest } from '../support/dpo.js';
import { auditEntries, example, type ExampleMessage, type IntakeBody } from '../support/e2e.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { tokenFor } from './support.js';

/**
 * Scheme returns end to end: a small, known history sent through the real
 * API (mutual TLS, the policy engine, the statistics ledger), then the
 * return fetched as a scheme manager. Every measure's scheme figure is
 * compared with what this test works out itself from what it sent, with
 * the disclosure rules applied (1-4 shown as <5, no percentage under 10, no
 * median under 5 values, no comparison under a cohort of 60).
 */
const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY);
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const quarterStart = (() => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3, 1) / DAY;
})();
const quarterEnd = (() => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3 + 3, 1) / DAY - 1;
})();
const PERIOD = `${new Date().getUTCFullYear()}-Q${Math.floor(new Date().getUTCMonth() / 3) + 1}`;
const inPeriod = (day: number) => day >= quarterStart && day <= quarterEnd;

/** What the test sends, person by person (days are day numbers). */
interface Planned {
  crn: string;
  strand: 'catch-and-convict' | 'prevent-and-deter';
  child: boolean;
  selected: number;
  deselected?: number;
  arrests: number[];
  charges: number[];
  court: Array<{ day: number; verdict: 'convicted' | 'acquitted'; sentence?: 'immediate-custody' | 'community-order' }>;
  releases: number[];
  referrals: Array<'housing' | 'education' | 'substance-misuse'>;
  flagUpdate: boolean;
  query: boolean;
}

const adult = (index: number, extra: Partial<Planned> = {}): Planned => ({
  crn: `N${700000 + index}`,
  strand: 'catch-and-convict',
  child: false,
  selected: today - 200,
  arrests: [],
  charges: [],
  court: [],
  releases: [],
  referrals: [],
  flagUpdate: false,
  query: false,
  ...extra,
});

const PEOPLE: Planned[] = [
  adult(0, { arrests: [today - 40, today - 5], charges: [today - 38], court: [{ day: today - 20, verdict: 'convicted', sentence: 'immediate-custody' }], releases: [today - 8], referrals: ['housing'], flagUpdate: true }),
  adult(1, { arrests: [today - 40], charges: [today - 38], court: [{ day: today - 20, verdict: 'convicted', sentence: 'community-order' }], flagUpdate: true }),
  adult(2, { arrests: [today - 40], charges: [today - 38], court: [{ day: today - 20, verdict: 'convicted', sentence: 'community-order' }], flagUpdate: true }),
  adult(3, { arrests: [today - 40], charges: [today - 38], court: [{ day: today - 20, verdict: 'acquitted' }], flagUpdate: true }),
  adult(4, { arrests: [today - 40], charges: [today - 10], flagUpdate: true }),
  adult(5, { arrests: [today - 40], flagUpdate: true }),
  adult(6, { referrals: ['education'] }),
  adult(7, { referrals: ['substance-misuse'] }),
  adult(8),
  adult(9),
  adult(10),
  adult(11, { deselected: today - 30 }),
  adult(12, { selected: today - 20 }),
  { ...adult(13), crn: 'N799999', strand: 'prevent-and-deter', child: true, selected: today - 100, charges: [today - 15], query: true },
];

// --- what the test expects, worked out from PEOPLE alone
const selectedOn = (person: Planned, day: number) => person.selected <= day && (person.deselected === undefined || person.deselected > day);
const active = PEOPLE.filter((person) => selectedOn(person, quarterStart) || inPeriod(person.selected));
const countIn = (days: number[]) => days.filter(inPeriod).length;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const medianOf = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? undefined : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const showCount = (value: number) => (value >= 1 && value <= 4 ? '<5' : String(value));
const showShare = (numerator: number, denominator: number, places = 10, scale = 100) => {
  if (denominator === 0) return '[z]';
  if ((numerator >= 1 && numerator <= 4) || (denominator >= 1 && denominator <= 4)) return '[x]';
  if (denominator < 10) return '[x]';
  return String(Math.round(((scale * numerator) / denominator) * places) / places);
};
const showMedian = (values: number[]) => (values.length === 0 ? '[z]' : values.length < 5 ? '[x]' : String(Math.round(medianOf(values)! * 10) / 10));

function expectedCells(): Record<string, string> {
  const endDay = quarterEnd;
  const arrestsOf = (person: Planned) => person.arrests.filter(inPeriod);
  const chargeDelays = active.flatMap((person) =>
    person.arrests.flatMap((day, index) => {
      if (!inPeriod(day)) return [];
      const next = person.arrests[index + 1] ?? Infinity;
      const charge = person.charges.find((c) => c >= day && c < next);
      return charge === undefined ? [] : [charge - day];
    }),
  );
  const arrests = sum(active.map((person) => arrestsOf(person).length));
  const peopleArrested = active.filter((person) => arrestsOf(person).length > 0).length;
  const charges = sum(active.map((person) => countIn(person.charges)));
  const finalDelays = active.flatMap((person) => person.charges.filter(inPeriod).flatMap((day) => person.court.filter((c) => c.day >= day).slice(0, 1).map((c) => c.day - day)));
  const sentenceDelays = active.flatMap((person) => arrestsOf(person).flatMap((day) => person.court.filter((c) => c.sentence && c.day >= day).slice(0, 1).map((c) => c.day - day)));
  const convictedHearings = active.flatMap((person) => person.court.filter((c) => inPeriod(c.day) && c.verdict === 'convicted'));
  const convictedPeople = active.filter((person) => person.court.some((c) => inPeriod(c.day) && c.verdict === 'convicted')).length;
  const releases = active.flatMap((person) => person.releases.filter(inPeriod).map((day) => ({ person, day })));
  // Referrals are made (referredOn) and flag changes agreed (agreedOn) today; queries happen when they are sent: today.
  const referrals = sum(active.map((person) => person.referrals.length));
  const referredReleases = releases.filter(({ person }) => person.referrals.length > 0).length;
  const rearrested = (days: number) => releases.filter(({ person, day }) => person.arrests.some((a) => a > day && a - day <= days)).length;
  const reviewed = active.filter((person) => person.flagUpdate).length;
  const queries = active.filter((person) => person.query).length;
  const promptQueries = 0; // the only query is about the child, who has no arrest
  const snapshot = PEOPLE.filter((person) => selectedOn(person, quarterStart));
  const previousStart = Date.UTC(new Date(quarterStart * DAY).getUTCFullYear(), new Date(quarterStart * DAY).getUTCMonth() - 3, 1) / DAY;
  const baseline = snapshot.flatMap((person) => person.court.filter((c) => c.verdict === 'convicted' && c.day >= previousStart && c.day < quarterStart)).length;
  const deselected = active.filter((person) => !selectedOn(person, endDay)).length;
  const custody = active.filter((person) => selectedOn(person, endDay) && person.court.some((c) => c.sentence === 'immediate-custody' && c.day <= endDay) && !person.releases.some((r) => r <= endDay)).length;
  const children = active.filter((person) => person.strand === 'prevent-and-deter' && person.child);
  const lags = [
    ...PEOPLE.flatMap((person) => [person.selected, ...(person.deselected ? [person.deselected] : []), ...person.arrests, ...person.charges, ...person.court.map((c) => c.day), ...person.releases, ...person.referrals.map(() => today), ...(person.flagUpdate ? [today] : [])].filter(inPeriod)),
  ].map((day) => today - day);
  const orphanCharges = PEOPLE.flatMap((person) => person.charges.filter(inPeriod).filter((day) => !person.arrests.some((a) => a <= day && a >= day - 90))).length;
  const allCharges = PEOPLE.flatMap((person) => person.charges.filter(inPeriod)).length;
  const flowSelections = active.filter((person) => inPeriod(person.selected)).length;
  const flowDeselections = active.filter((person) => person.deselected !== undefined && inPeriod(person.deselected)).length;
  const daysOnScheme = active.map((person) => (person.deselected !== undefined && person.deselected <= endDay ? person.deselected : endDay) - person.selected);
  return {
    'cohort-status.people': showCount(active.length),
    'cohort-status.people [status=deselected]': showCount(deselected),
    'cohort-status.people [status=custody]': showCount(custody),
    'cohort-flow.selections': showCount(flowSelections),
    'cohort-flow.deselections': showCount(flowDeselections),
    'cohort-flow.median-days-on-scheme': showMedian(daysOnScheme),
    'arrests.active': showCount(active.length),
    'arrests.people-arrested': showCount(peopleArrested),
    'arrests.arrests': showCount(arrests),
    'arrests.share-arrested': showShare(peopleArrested, active.length),
    'arrest-to-charge.arrests': showCount(arrests),
    'arrest-to-charge.charged-within-28-days': showCount(chargeDelays.filter((d) => d <= 28).length),
    'arrest-to-charge.share-charged-within-28-days': showShare(chargeDelays.filter((d) => d <= 28).length, arrests),
    'arrest-to-charge.median-days': showMedian(chargeDelays),
    'charge-to-outcome.charges': showCount(charges),
    'charge-to-outcome.finalised-within-42-days': showCount(finalDelays.filter((d) => d <= 42).length),
    'charge-to-outcome.share-finalised-within-42-days': showShare(finalDelays.filter((d) => d <= 42).length, charges),
    'charge-to-outcome.median-days': showMedian(finalDelays),
    'arrest-to-sentence.arrests-sentenced': showCount(sentenceDelays.length),
    'arrest-to-sentence.median-days': showMedian(sentenceDelays),
    'convictions.active': showCount(active.length),
    'convictions.people-convicted': showCount(convictedPeople),
    'convictions.convictions': showCount(convictedHearings.length),
    'convictions.share-convicted': showShare(convictedPeople, active.length),
    'convictions.convictions-per-head': showShare(convictedHearings.length, active.length, 100, 1),
    'reoffending-change.cohort': showCount(snapshot.length),
    'reoffending-change.baseline-convictions': showCount(baseline),
    'reoffending-change.change': baseline === 0 ? '[z]' : snapshot.length < 60 ? '[x]' : 'unexpected',
    'custody-rate.conviction-hearings': showCount(convictedHearings.length),
    'custody-rate.immediate-custody': showCount(convictedHearings.filter((c) => c.sentence === 'immediate-custody').length),
    'custody-rate.custody-rate': showShare(convictedHearings.filter((c) => c.sentence === 'immediate-custody').length, convictedHearings.length),
    'release-follow-up.releases': showCount(releases.length),
    'release-follow-up.referred-within-28-days': showCount(referredReleases),
    'release-follow-up.rearrested-within-28-days': showCount(rearrested(28)),
    'release-follow-up.rearrested-within-90-days': showCount(rearrested(90)),
    'release-follow-up.share-referred-within-28-days': showShare(referredReleases, releases.length),
    'needs-referrals.referrals': showCount(referrals),
    'needs-referrals.referrals [pathway=housing]': showCount(1),
    'needs-referrals.referrals-per-head': showShare(referrals, active.length, 100, 1),
    'risk-flag-currency.people-reviewed-in-90-days': showCount(reviewed),
    'risk-flag-currency.updates': showCount(reviewed),
    'risk-flag-currency.share-reviewed-in-90-days': showShare(reviewed, active.length),
    'information-sharing.queries': showCount(queries),
    'information-sharing.arrests': showCount(arrests),
    'information-sharing.arrests-with-prompt-query': showCount(promptQueries),
    'information-sharing.queries-per-arrest': showShare(queries, arrests, 100, 1),
    'prevent-and-deter.active-children': showCount(children.length),
    'prevent-and-deter.first-charge': showCount(children.filter((person) => person.charges.some(inPeriod)).length),
    'prevent-and-deter.escalations': showCount(0),
    'notification-lag.median-lag-by-type': showMedian(lags),
    'notification-lag.charges': showCount(allCharges),
    'notification-lag.orphan-charges': showCount(orphanCharges),
  };
}

// --- sending it
function subjectOf(person: Planned): Record<string, unknown> {
  return {
    identifiers: { crn: person.crn },
    name: { given: 'Sam', family: `Testperson${String.fromCharCode(97 + Number(person.crn.slice(-2)) % 26)}` },
    dateOfBirth: person.child ? `${new Date().getUTCFullYear() - 15}-01-01` : '1995-05-05',
    category: person.child ? 'child-at-risk' : 'convicted',
  };
}

async function messagesFor(person: Planned): Promise<Array<{ from: string; message: ExampleMessage; query?: boolean }>> {
  const out: Array<{ from: string; message: ExampleMessage; query?: boolean }> = [];
  const withSubject = async (type: string, body: (base: Record<string, any>) => void) => {
    const message = await example(type);
    message.subject = subjectOf(person);
    body(message.body as Record<string, any>);
    return message;
  };
  const status = async (status: string, day: number, previous: string) =>
    withSubject('ppo-status-change', (body) => Object.assign(body, { status, previousStatus: previous, strand: person.strand, effectiveDate: iso(day) }));
  out.push({ from: 'nv-probation', message: await status('selected', person.selected, 'nominated') });
  if (person.deselected !== undefined) out.push({ from: 'nv-probation', message: await status('deselected', person.deselected, 'selected') });
  for (const day of person.arrests) out.push({ from: 'nv-police', message: await withSubject('arrest-notification', (body) => Object.assign(body, { arrestedAt: `${iso(day)}T10:00:00Z`, ppo: { status: 'selected', strand: person.strand } })) });
  for (const day of person.charges) out.push({ from: 'nv-police', message: await withSubject('charge-notification', (body) => Object.assign(body, { chargedAt: `${iso(day)}T12:00:00Z`, ppo: { status: 'selected', strand: person.strand }, decision: { outcome: 'police-bail' } })) });
  for (const hearing of person.court) {
    out.push({
      from: 'nv-court',
      message: await withSubject('court-outcome', (body) => {
        body['hearingDate'] = iso(hearing.day);
        body['outcomes'] = [{ ...body['outcomes'][0], verdict: hearing.verdict, plea: hearing.verdict === 'convicted' ? 'guilty' : 'not-guilty' }];
        if (hearing.sentence) body['sentence'] = { type: hearing.sentence, lengthMonths: 6 };
        else delete body['sentence'];
        delete body['orders'];
      }),
    });
  }
  for (const day of person.releases) out.push({ from: 'nv-prison', message: await withSubject('custody-release', (body) => Object.assign(body, { releaseDate: iso(day) })) });
  for (const need of person.referrals) {
    out.push({
      from: 'nv-probation',
      message: await withSubject('needs-referral', (body) => {
        body['need'] = need;
        body['referredOn'] = iso(today);
        if (need === 'education') body['education'] = { provision: 'not-in-education-employment-or-training' };
      }),
    });
  }
  if (person.flagUpdate) out.push({ from: 'nv-police', message: await withSubject('risk-flag-update', (body) => Object.assign(body, { agreedOn: iso(today) })) });
  if (person.query) out.push({ from: 'nv-yot', message: await withSubject('risk-flag-query', () => undefined), query: true });
  return out;
}

/** The fields of one RFC 4180 line. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quoted && char === '"' && line[i + 1] === '"') (field += '"'), (i += 1);
    else if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) fields.push(field), (field = '');
    else field += char;
  }
  return [...fields, field];
}

describe('scheme returns end to end', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let manager: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    hub = await startTestHub(redis);
    for (const person of PEOPLE) {
      for (const { from, message, query } of await messagesFor(person)) {
        const client = await hub.client(from);
        if (query) {
          await client.query(message);
          continue;
        }
        const sent = await client.send<IntakeBody>(message);
        expect(sent.status, `${message.type} ${JSON.stringify(sent.body)}`).toBe(202);
      }
    }
    manager = await tokenFor(hub, 'scheme-manager');
  }, 120_000);
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
  });

  it('every measure matches what the test works out from what it sent, disclosure rules applied', async () => {
    const answer = await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}`, manager);
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(body).toMatchObject({ format: 'isp-hub-scheme-return/1', period: { id: PERIOD }, revision: { number: 1 } });
    expect(body.policyVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(body.ledgerPosition).toBeGreaterThan(PEOPLE.length);
    expect(body.measures.length).toBeGreaterThanOrEqual(12);
    const shown: Record<string, string> = {};
    for (const measure of body.measures) for (const cell of measure.cells) shown[cell.breakdown === 'all' ? `${measure.id}.${cell.metric}` : `${measure.id}.${cell.metric} [${cell.breakdown}]`] = cell.display;
    const expected = expectedCells();
    for (const [name, display] of Object.entries(expected)) expect(shown[name], name).toBe(display);
    // Every measure of the return was compared.
    expect(new Set(Object.keys(expected).map((name) => name.split('.')[0]))).toEqual(new Set(body.measures.map((measure: { id: string }) => measure.id)));
  });

  it('secondary suppression: one Prevent and Deter child in the strands hides Catch and Convict too, so the total does not give the child away', async () => {
    const body = (await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}`, manager)).json();
    const cells = body.measures.find((measure: { id: string }) => measure.id === 'cohort-status').cells.filter((cell: { metric: string }) => cell.metric === 'people');
    const strand = (code: string) => cells.find((cell: { breakdown: string }) => cell.breakdown === `strand=${code}`).display;
    expect(strand('prevent-and-deter')).toBe('<5');
    expect(strand('rehabilitate-and-resettle')).toBe('0');
    expect(strand('catch-and-convict')).toBe('[c]');
  });

  it('the same period over the same ledger gives the same bytes, in every format; CSV has the agreed header', async () => {
    for (const format of ['json', 'csv', 'xlsx']) {
      const first = await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}&format=${format}`, manager);
      const second = await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}&format=${format}`, manager);
      expect(first.status, format).toBe(200);
      expect(first.body.equals(second.body), format).toBe(true);
    }
    const csv = (await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}&format=csv`, manager)).body.toString('utf8').split('\r\n');
    expect(csv[0]).toBe('measure_id,measure,breakdown,unit,value,note');
    expect(csv).toContain('cohort-status.people,Cohort at the end of the period: People in the cohort,strand=prevent-and-deter,people,<5,fewer than 5');
    for (const line of csv.slice(1).filter(Boolean)) expect(csvFields(line)[3]).toMatch(/^(people|events|percent|days|rate)$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}&format=xlsx`, manager)).body as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Scheme', 'Prevent and Deter', 'Catch and Convict', 'Rehabilitate and Resettle', 'Definitions']);
  });

  it('a charge notified late makes the next compilation a visible revision, and every compilation is audited with who compiled it', async () => {
    const before = (await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}`, manager)).json();
    const police = await hub.client('nv-police');
    // A charge dated in this quarter (a day or two back) that reaches the hub only now.
    const late = (await messagesFor({ ...PEOPLE[5]!, arrests: [], charges: [Math.max(quarterStart, today - 2)], court: [], flagUpdate: false }))[1]!;
    expect((await police.send(late.message)).status).toBe(202);
    const after = (await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}`, manager)).json();
    expect(after.ledgerPosition).toBe(before.ledgerPosition + 1);
    expect(after.revision).toMatchObject({ number: before.revision.number + 1, revisesLedgerPosition: before.ledgerPosition });
    expect(after.revision.changedCells).toContain('charge-to-outcome.charges [all]');
    const compilations = (await auditEntries(hub)).filter((entry) => entry.outcome === 'return-compiled');
    expect(compilations.length).toBeGreaterThanOrEqual(9);
    expect(compilations.at(-1)).toMatchObject({ event: 'consultation', agency: 'nv-police', actor: { role: 'scheme-manager' }, purpose: 'scheme-performance-statistics' });
    expect(JSON.stringify(after)).not.toMatch(/compiledAt|Test scheme-manager/);
  });

  it('the scheme DPO may fetch returns; an agency DPO may not; a scheme manager sees nothing of the audit log', async () => {
    expect((await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}`, await tokenFor(hub, 'scheme'))).status).toBe(200);
    const agency = await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}`, await tokenFor(hub, 'agency'));
    expect(agency.status).toBe(403);
    expect(agency.json().error.code).toBe('FORBIDDEN');
    for (const path of ['/v1/audit/entries', '/v1/audit/checkpoints/latest', '/v1/audit/overview']) {
      const refused = await dpoRequest(hub.url, path, manager);
      expect(refused.status, path).toBe(403);
    }
  });

  it('a malformed period or format is refused with a stable code and what was expected', async () => {
    const period = await dpoRequest(hub.url, '/v1/returns?period=2026-Q5', manager);
    expect(period.status).toBe(400);
    expect(period.json().error).toMatchObject({ code: 'PERIOD_INVALID', details: { expected: 'YYYY-Qn (n = 1 to 4) or YYYY-MM' } });
    const format = await dpoRequest(hub.url, `/v1/returns?period=${PERIOD}&format=pdf`, manager);
    expect(format.status).toBe(400);
    expect(format.json().error.code).toBe('RETURN_FORMAT_INVALID');
  });
});
