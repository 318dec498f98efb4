import path from 'node:path';
import { readExampleMessage } from '../../src/messages/index.js';
import { repoRoot } from './hub-target.js';
import type { PlannedEvent, PlannedPerson } from './year-plan.js';

/**
 * The messages a planned event becomes: the example record of its type
 * (policies/examples), about the planned person, dated by the event in the
 * record's own date fields: a referral is made (referredOn) and its consent
 * recorded on its day, and it asks for an answer within a fortnight; a flag
 * update is agreed (agreedOn) at a panel on its day and carries the plan's
 * review date. A query has no date field of its
 * own (it is answered when it is asked), so only its place in the sending
 * order follows the plan. Each says who sends it and whether it is a query
 * (answered at /v1/queries).
 */
export interface YearMessage {
  from: string;
  query: boolean;
  record: { type: string; purpose: string; actor: { id: string; role: string }; subject: Record<string, unknown>; body: Record<string, any> };
}

const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** A day as a panel minute writes it, 19 November 2026 (spelt out here: the words must not depend on the machine's locale data). */
function longDate(day: number): string {
  const date = new Date(day * 86_400_000);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
const NEED_WORDS: Record<NonNullable<PlannedEvent['need']>, string> = { housing: 'settled accommodation', education: 'education, training or employment', 'substance-misuse': 'drug treatment' };
const DAYS_TO_RESPOND = 14;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function subjectOf(person: PlannedPerson): Record<string, unknown> {
  const name = `Testperson${LETTERS[person.index % 26]}${LETTERS[Math.floor(person.index / 26) % 26]}`;
  return {
    identifiers: person.child ? { localChildId: `NV-C-${String(700000 + person.index)}` } : { crn: `N${String(800000 + person.index)}` },
    name: { given: 'Sam', family: name },
    dateOfBirth: `${person.birthYear}-0${1 + (person.index % 9)}-1${person.index % 10}`,
    category: person.child ? 'child-at-risk' : 'convicted',
  };
}

async function exampleOf(type: string): Promise<YearMessage['record']> {
  return readExampleMessage<YearMessage['record']>(path.join(repoRoot, 'policies/examples'), type);
}

export async function messageFor(person: PlannedPerson, event: PlannedEvent, strandNow: string): Promise<YearMessage> {
  const typeOf: Record<PlannedEvent['kind'], string> = {
    select: 'ppo-status-change',
    deselect: 'ppo-status-change',
    escalate: 'ppo-status-change',
    arrest: 'arrest-notification',
    charge: 'charge-notification',
    court: 'court-outcome',
    release: 'custody-release',
    referral: 'needs-referral',
    'flag-update': 'risk-flag-update',
    query: 'risk-flag-query',
  };
  const record = await exampleOf(typeOf[event.kind]);
  record.subject = subjectOf(person);
  const body = record.body;
  const ppo = { status: 'selected', strand: strandNow };
  switch (event.kind) {
    case 'select':
    case 'deselect':
    case 'escalate':
      Object.assign(body, {
        status: event.kind === 'deselect' ? 'deselected' : 'selected',
        previousStatus: event.kind === 'select' ? 'nominated' : 'selected',
        strand: event.kind === 'escalate' ? 'catch-and-convict' : person.strand,
        effectiveDate: iso(event.day),
      });
      if (person.child) record.purpose = 'prevent-and-deter';
      return { from: person.child ? 'nv-yot' : 'nv-probation', query: false, record };
    case 'arrest':
      Object.assign(body, { arrestedAt: `${iso(event.day)}T09:30:00Z`, ppo });
      if (person.child) record.purpose = 'prevent-and-deter';
      return { from: 'nv-police', query: false, record };
    case 'charge':
      Object.assign(body, { chargedAt: `${iso(event.day)}T15:00:00Z`, ppo, decision: { outcome: event.remanded ? 'remanded-in-custody' : 'police-bail' } });
      return { from: 'nv-police', query: false, record };
    case 'court':
      body['hearingDate'] = iso(event.day);
      body['outcomes'] = [{ ...body['outcomes'][0], plea: event.verdict === 'convicted' ? 'guilty' : 'not-guilty', verdict: event.verdict }];
      if (event.sentence) body['sentence'] = { type: event.sentence, lengthMonths: 6 };
      else delete body['sentence'];
      delete body['orders'];
      return { from: 'nv-court', query: false, record };
    case 'release':
      body['releaseDate'] = iso(event.day);
      return { from: 'nv-prison', query: false, record };
    case 'referral':
      body['need'] = event.need;
      if (event.need === 'education') body['education'] = { provision: 'not-in-education-employment-or-training' };
      // The example's reason names the example's own release day: the demo's says what the referral is for.
      body['referralReason'] = `Referred for help with ${NEED_WORDS[event.need!]}; the offender manager has the details.`;
      body['referredOn'] = iso(event.day);
      body['respondBy'] = iso(event.day + DAYS_TO_RESPOND);
      body['consent'] = { given: true, recordedOn: iso(event.day) };
      return { from: person.child ? 'nv-yot' : 'nv-probation', query: false, record };
    case 'flag-update':
      if (!person.child) record.purpose = 'catch-and-convict';
      body['flags'] = body['flags'].map((flag: Record<string, unknown>) => ({ ...flag, reviewDate: iso(event.reviewDay!) }));
      body['agreedAt'] = `Northvale ${person.child ? "Vulnerable Children's Panel" : 'PPO Panel'}, ${longDate(event.day)}`;
      body['agreedOn'] = iso(event.day);
      return { from: person.child ? 'nv-yot' : 'nv-police', query: false, record };
    case 'query':
      return { from: person.child ? 'nv-police' : 'nv-probation', query: true, record };
  }
}

/** The strand a person is on after each of their events, so arrests carry it. */
export function strandsOver(person: PlannedPerson): string[] {
  let strand: string = person.strand;
  return person.events.map((event) => {
    if (event.kind === 'escalate') strand = 'catch-and-convict';
    return strand;
  });
}
