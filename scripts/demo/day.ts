import path from 'node:path';
import type { AgencyClient, OutgoingMessage } from '../../src/client/index.js';
import type { SubjectReport } from '../../src/audit/search/index.js';
import { readExampleMessage } from '../../src/messages/index.js';
import { dpoToken, subjectReport } from './dpo-api.js';
import { repoRoot, type DemoHub } from './hub-target.js';
import { outline, summarise, withheldPaths } from './records.js';

/**
 * A day in the Northvale PPO scheme, played against a
 * running hub with the example messages in policies/examples/. Every person
 * and record is synthetic. Each step prints who did what and what each
 * recipient actually received, and records a check, so the same run is a
 * demonstration for a person and an end-to-end test for CI.
 */

export interface DayDeps {
  hub: DemoHub;
  caPem: string;
  env: NodeJS.ProcessEnv;
  client(agencyId: string): Promise<AgencyClient>;
  /** A rule's clause and description from the policy set, to quote it; undefined when unknown. */
  ruleText(ruleId: string): Promise<{ clause: string; description: string } | undefined>;
  print(line: string): void;
}

export interface Check {
  step: string;
  ok: boolean;
  what: string;
}

interface IntakeBody {
  id: string;
  recipients: Array<{ agency: string; status: 'queued' } | { agency: string; status: 'denied'; rule: string | null; reason: string }>;
}

interface InboxItem {
  id: string;
  messageId: string;
  sender: string;
  messageType: string;
  jwe: string;
}

interface Received {
  agency: string;
  messageType: string;
  claims: Record<string, unknown>;
}

const PPO = { kind: 'pnc', value: '17/0345678V' } as const;
const CHILD = { kind: 'localChildId', value: 'NV-C-000123' } as const;

export async function playDay(deps: DayDeps): Promise<Check[]> {
  const { print } = deps;
  const checks: Check[] = [];
  const check = (step: string, ok: boolean, what: string) => {
    checks.push({ step, ok, what });
    print(`  ${ok ? 'ok' : 'NOT AS EXPECTED'}: ${what}`);
  };
  const messageIds = new Set<string>();

  // --- 1. Catch and Convict: police tell the offender manager a PPO is in custody.
  heading(print, 1, 'Police report the arrest of a PPO');
  const arrest = await example('arrest-notification');
  print(`  nv-police (custody sergeant) sends arrest-notification: ${subjectLine(arrest)}, purpose ${arrest.purpose}`);
  const arrestAnswer = await send(deps, 'nv-police', arrest);
  messageIds.add(arrestAnswer.id);
  const arrestReceived = await receiveAll(deps, arrestAnswer, arrest);
  check('arrest', arrestReceived.some((item) => item.agency === 'nv-probation' && item.messageType === 'arrest-notification'), 'arrest delivered to nv-probation (offender manager)');

  // --- 2. Prevent and Deter: a flag is agreed, then the YOT asks about the child.
  heading(print, 2, "A YOT asks about a 15-year-old's risk flags");
  const flagUpdate = await example('risk-flag-update');
  print(`  nv-police sends risk-flag-update agreed at the Vulnerable Children's Panel: ${subjectLine(flagUpdate)}, purpose ${flagUpdate.purpose}`);
  const flagAnswer = await send(deps, 'nv-police', flagUpdate);
  messageIds.add(flagAnswer.id);
  await receiveAll(deps, flagAnswer, flagUpdate);
  const query = await example('risk-flag-query');
  const age = ageOn(String((query.subject as { dateOfBirth?: string }).dateOfBirth ?? ''), new Date());
  print(`  nv-yot (YOT officer) asks: does ${subjectLine(query)}, aged ${age}, carry any of: ${((query.body as { flagCodes?: string[] }).flagCodes ?? []).join(', ')}?`);
  const yot = await deps.client('nv-yot');
  const asked = await yot.query(query as OutgoingMessage);
  messageIds.add(asked.id);
  const flags = ((asked.answer['body'] as { flags?: Array<Record<string, unknown>> } | undefined)?.flags ?? []) as Array<{
    code?: string;
    level?: string;
    reviewDate?: string;
    holder?: { agency?: string; name?: string; contact?: { name?: string; email?: string } };
  }>;
  print(`  hub answers nv-yot (sealed to the YOT, signed by the hub), query ${asked.id}:`);
  if (flags.length === 0) print('    nothing held that nv-yot may see');
  for (const flag of flags) {
    print(`    flag ${flag.code} (${flag.level}, review by ${flag.reviewDate}), held by ${flag.holder?.agency} (${flag.holder?.name})`);
    if (flag.holder?.contact) print(`      contact: ${flag.holder.contact.name} <${flag.holder.contact.email}>`);
  }
  check('flags', flags.length > 0 && flags.every((flag) => flag.holder?.agency === 'nv-police'), 'flag answer names the holding agency (nv-police)');
  check('flags', age >= 10 && age < 18, `the subject is ${age}: a child, so only rules that cover children may apply`);

  // --- 3. Rehabilitate and Resettle: the prison tells partners of a release.
  heading(print, 3, 'A prison gives notice of a release');
  const release = { ...(await example('custody-release')), to: ['nv-police', 'nv-housing', 'nv-drugs'] };
  print(`  nv-prison (offender management unit) sends custody-release: ${subjectLine(release)}, to nv-police, nv-housing, nv-drugs`);
  const releaseAnswer = await send(deps, 'nv-prison', release);
  messageIds.add(releaseAnswer.id);
  const releaseReceived = await receiveAll(deps, releaseAnswer, release);
  const bodyOf = (agency: string) => releaseReceived.find((item) => item.agency === agency && item.messageType === 'custody-release')?.claims['body'] as Record<string, unknown> | undefined;
  const police = bodyOf('nv-police');
  const housing = bodyOf('nv-housing');
  const drugs = bodyOf('nv-drugs');
  check('release', police !== undefined && housing !== undefined && drugs !== undefined, 'release delivered to nv-police, nv-housing and nv-drugs');
  check('release', police !== undefined && police['risk'] !== undefined && police['needs'] === undefined, 'police got the licence and risk, not the needs');
  check('release', housing !== undefined && housing['risk'] === undefined && housing['licence'] !== undefined && !('conditions' in (housing['licence'] as object)), 'housing got the address and housing need only: no risk, no licence conditions');
  check('release', drugs !== undefined && drugs['addressOnRelease'] === undefined && (drugs['needs'] as Record<string, unknown> | undefined)?.['substanceMisuse'] !== undefined, 'the drug service got substance misuse and the licence, not the address');

  // --- 4. Housing asks police for offence details and is refused.
  heading(print, 4, 'Housing asks for offence details and is refused');
  const request = {
    ...(await example('information-request')),
    purpose: 'resettlement-housing',
    actor: { id: 'HSG-0311', role: 'housing-officer' },
    body: {
      requestId: 'req-2026-11-0107',
      question: 'Before offering a tenancy: what offences has the subject been convicted of?',
      categoriesRequested: ['offence-history'],
      dueBy: '2026-12-01',
      urgency: 'routine',
    },
    to: ['nv-police'],
  };
  print(`  nv-housing (housing officer) sends information-request to nv-police: offence history of ${subjectLine(request)}, purpose ${request.purpose}`);
  const refused = await send(deps, 'nv-housing', request);
  messageIds.add(refused.id);
  const toPolice = refused.recipients.find((recipient) => recipient.agency === 'nv-police');
  const housingClient = await deps.client('nv-housing');
  const tracked = await housingClient.track<{ recipients: Array<{ agencyId: string; state: string }> }>(refused.id);
  const policeState = tracked.recipients.find((recipient) => recipient.agencyId === 'nv-police')?.state;
  print(`  nv-housing tracks ${refused.id}: nv-police ${policeState ?? 'not listed'}`);
  check('housing', toPolice?.status === 'denied' && policeState === 'denied', 'housing refused: nothing goes to nv-police');
  const standing = await deps.ruleText('f-housing-no-offences-or-health');
  if (standing) print(`  and whatever else is sent, rule f-housing-no-offences-or-health (ISP clause ${standing.clause}) stands: "${standing.description}"`);
  const sensitive = ['body.risk', 'body.needs.health', 'body.needs.substanceMisuse', 'body.licence.conditions'];
  const housingWithheld = housing ? withheldPaths(release, { subject: release.subject, body: housing }) : [];
  check('housing', housing !== undefined && sensitive.every((item) => housingWithheld.includes(item)), `housing's copy of the release (step 3) held none of: ${sensitive.join(', ')}`);

  // --- 5. The DPO's subject access report shows all of it.
  heading(print, 5, "The DPO's subject report shows all of it");
  const token = await dpoToken(deps.hub, deps.env);
  if ('unavailable' in token) {
    print(`  cannot sign in as the DPO: ${token.unavailable}`);
    check('report', false, 'subject report read through the DPO audit API');
    return checks;
  }
  print(`  the scheme DPO signs in (bearer token from the hub's embedded issuer) and asks GET /v1/audit/subject-report?kind=pnc&value=${PPO.value}`);
  const adult = await subjectReport(deps.hub.url, deps.caPem, token.token, PPO);
  printReport(print, adult, messageIds);
  const disclosedTo = (type: string) => new Set(adult.disclosures.filter((item) => item.messageType === type && messageIds.has(item.messageId ?? '')).flatMap((item) => item.to));
  check('report', disclosedTo('arrest-notification').has('nv-probation'), 'report lists the arrest disclosed to nv-probation');
  check('report', ['nv-police', 'nv-housing', 'nv-drugs'].every((agency) => disclosedTo('custody-release').has(agency)), 'report lists the release disclosed to nv-police, nv-housing and nv-drugs');
  check('report', adult.refusals.some((item) => item.messageId === refused.id && item.from === 'nv-housing'), "report lists housing's refused request");
  print(`  and for the child: GET /v1/audit/subject-report?kind=localChildId&value=${CHILD.value}`);
  const child = await subjectReport(deps.hub.url, deps.caPem, token.token, CHILD);
  printReport(print, child, messageIds);
  check('report', child.disclosures.some((item) => item.from === 'hub' && item.to.includes('nv-yot') && item.isChild === true), "report lists the YOT's flag query answered, marked as about a child");
  return checks;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function heading(print: (line: string) => void, step: number, title: string): void {
  print('');
  print(`Step ${step}. ${title}`);
}

/** policies/examples/<type>.json with its dates moved to today, so the day plays the same whenever it is run. */
async function example(type: string): Promise<OutgoingMessage> {
  return readExampleMessage<OutgoingMessage>(path.join(repoRoot, 'policies/examples'), type);
}

function subjectLine(message: OutgoingMessage): string {
  const subject = message.subject as { name?: { given?: string; family?: string }; identifiers?: Record<string, string> };
  const [kind, value] = Object.entries(subject.identifiers ?? {})[0] ?? ['?', '?'];
  return `${subject.name?.given ?? ''} ${subject.name?.family ?? ''} (${kind} ${value})`.trim();
}

function ageOn(dateOfBirth: string, on: Date): number {
  const born = new Date(`${dateOfBirth}T00:00:00Z`);
  let age = on.getUTCFullYear() - born.getUTCFullYear();
  if (on.getUTCMonth() < born.getUTCMonth() || (on.getUTCMonth() === born.getUTCMonth() && on.getUTCDate() < born.getUTCDate())) age -= 1;
  return age;
}

/** POST /v1/messages and print the hub's answer, one line per recipient (default-deny refusals folded into one). */
async function send(deps: DayDeps, from: string, message: OutgoingMessage): Promise<IntakeBody> {
  const client = await deps.client(from);
  const answer = await client.send<IntakeBody | { error?: { code?: string } }>(message);
  if (answer.status !== 202) {
    const code = (answer.body as { error?: { code?: string } }).error?.code ?? 'unknown';
    throw new DemoStepError(`the hub refused the ${message.type} from ${from}: HTTP ${answer.status} ${code}`);
  }
  const body = answer.body as IntakeBody;
  deps.print(`  hub accepted message ${body.id}:`);
  const byDefault: string[] = [];
  for (const recipient of body.recipients) {
    if (recipient.status === 'queued') deps.print(`    -> ${recipient.agency}: queued`);
    else if (recipient.rule === null && !message.to) byDefault.push(recipient.agency);
    else {
      deps.print(`    x  ${recipient.agency}: DENIED (${recipient.rule ? `rule ${recipient.rule}` : 'no rule permits it: default deny'})`);
      deps.print(`       reason: ${recipient.reason}`);
    }
  }
  if (byDefault.length > 0) deps.print(`    x  not sent to ${byDefault.length} other agencies: no rule permits it (default deny)`);
  return body;
}

/** Collects each queued recipient's delivery from its inbox, opens it with the SDK and prints it briefly. */
async function receiveAll(deps: DayDeps, answer: IntakeBody, sent: OutgoingMessage): Promise<Received[]> {
  const received: Received[] = [];
  for (const recipient of answer.recipients.filter((item) => item.status === 'queued')) {
    const client = await deps.client(recipient.agency);
    const items = await collect(client, answer.id);
    if (items.length === 0) {
      deps.print(`  ${recipient.agency}: nothing in its inbox yet (pushed to a webhook instead?)`);
      continue;
    }
    for (const item of items) {
      const opened = await client.openFromHub(item.jwe);
      const claims = opened.claims as Record<string, unknown>;
      await client.ack(item.id);
      received.push({ agency: recipient.agency, messageType: item.messageType, claims });
      printReceived(deps.print, recipient.agency, item, claims, sent);
    }
  }
  // Notices a rule's `notify` obligation requires travel under `<id>.notice`;
  // they are enqueued with the deliveries, so one more look finds them.
  for (const recipient of answer.recipients.filter((item) => item.status === 'queued')) {
    const client = await deps.client(recipient.agency);
    for (const item of await collect(client, `${answer.id}.notice`, 0)) {
      const claims = (await client.openFromHub(item.jwe)).claims as Record<string, unknown>;
      await client.ack(item.id);
      const notice = (claims['body'] ?? {}) as { disclosedTo?: string; messageType?: string };
      deps.print(`  ${recipient.agency} received a disclosure-notice: ${notice.disclosedTo} was sent this ${notice.messageType} (identifiers only, no record)`);
    }
  }
  return received;
}

function printReceived(print: (line: string) => void, agency: string, item: InboxItem, claims: Record<string, unknown>, sent: OutgoingMessage): void {
  const provenance = (claims['provenance'] ?? {}) as { ruleIds?: string[]; marking?: string; retainUntil?: string };
  const rules = provenance.ruleIds?.join(', ');
  print(`  ${agency} received ${item.messageType} from ${item.sender}${rules ? ` (rule ${rules}; ${provenance.marking}; keep until ${provenance.retainUntil})` : ''}, opened and checked with the SDK:`);
  const summary = summarise(claims);
  if (summary) print(`    says: ${summary}`);
  if (item.messageType !== sent.type) return;
  print(`    body fields: ${outline(claims['body'])}`);
  const withheld = withheldPaths({ subject: sent.subject, body: sent.body }, { subject: claims['subject'], body: claims['body'] });
  if (withheld.length > 0) print(`    withheld: ${withheld.join(', ')}`);
}

/** Polls the agency's inbox (oldest first, paged) until items for this message appear. */
async function collect(client: AgencyClient, messageId: string, timeoutMs = 15_000): Promise<InboxItem[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found: InboxItem[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const listing = await client.inbox<{ items: InboxItem[]; nextCursor?: string }>({ limit: 100, ...(cursor ? { cursor } : {}) });
      found.push(...listing.items.filter((item) => item.messageId === messageId));
      cursor = listing.nextCursor;
      if (!cursor) break;
    }
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function printReport(print: (line: string) => void, report: SubjectReport, thisRun: ReadonlySet<string>): void {
  const mine = <T extends { messageId: string | null }>(items: T[]) => items.filter((item) => item.messageId !== null && thisRun.has(item.messageId));
  const disclosures = mine(report.disclosures);
  const refusals = mine(report.refusals);
  print(`    this run: ${plural(disclosures.length, 'disclosure')}, ${plural(refusals.length, 'refusal')}; in all ${plural(report.otherActivity.length, 'other act')} such as collections (subject key ${report.subjectKey.slice(0, 12)}..., scope ${report.scope})`);
  for (const item of disclosures) {
    const basis = item.legalBases[0];
    print(`    #${item.seq} ${item.event}: ${item.messageType} ${item.from} -> ${item.to.join(', ')}; rule ${item.ruleIds.join(', ')}`);
    const law = `${basis?.title ?? basis?.code ?? 'no legal basis'}${item.legalBases.length > 1 ? ` (+${item.legalBases.length - 1})` : ''}`;
    print(`        ${item.purpose?.title ?? item.purpose?.code}; ${law}; ${item.fieldsDisclosed.length} fields disclosed, ${item.fieldsWithheld.length} withheld${item.isChild ? '; child' : ''}`);
  }
  for (const item of refusals) {
    print(`    #${item.seq} refusal: ${item.messageType} ${item.from} -> ${item.to.join(', ') || '(nobody)'}; ${item.ruleIds.length > 0 ? `rule ${item.ruleIds.join(', ')}` : 'default deny'}`);
    print(`        reason: ${item.reason ?? item.outcome ?? 'not recorded'}`);
  }
  const older = report.disclosures.length + report.refusals.length - disclosures.length - refusals.length;
  if (older > 0) print(`    (${older} earlier disclosures or refusals about this person, from before this run, not shown)`);
}

/** A step that could not be played; its message is for a person and names no record values. */
export class DemoStepError extends Error {}
