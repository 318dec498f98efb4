/**
 * One person as the ledger knows them: the facts that share a subject key,
 * reduced to what the measures read, dated by the day of the event. A person
 * has no name or identifier here, only a number local to one compilation.
 */
export type Strand = 'prevent-and-deter' | 'catch-and-convict' | 'rehabilitate-and-resettle';
export const STRANDS: readonly Strand[] = ['prevent-and-deter', 'catch-and-convict', 'rehabilitate-and-resettle'];

export interface StatusEvent {
  day: number;
  seq: number;
  status: 'nominated' | 'selected' | 'deselected';
  strand: Strand | undefined;
}

export interface CourtEvent {
  day: number;
  /** Offences convicted at this hearing. */
  convictions: number;
  /** A verdict that ends the case (convicted, acquitted or withdrawn) on at least one offence. */
  final: boolean;
  sentenced: boolean;
  /** An immediate custodial sentence (custody, or a detention and training order). */
  custodial: boolean;
}

export interface Person {
  id: number;
  status: StatusEvent[];
  arrests: number[];
  charges: number[];
  court: CourtEvent[];
  releases: number[];
  /** Days the person went into custody: remanded, or sentenced to immediate custody. */
  custodyStarts: number[];
  referrals: Array<{ day: number; need: string }>;
  flagUpdates: number[];
  queries: Array<{ day: number; agency: string }>;
  /**
   * Whether facts were recorded while the person was under 18, by notification
   * day, as day * 2 + 1 for a child and day * 2 for an adult (plain numbers):
   * each fact in the period, and the latest one before it.
   */
  ages: number[];
  ageBefore: number | undefined;
  /** The first charge the ledger has ever seen for them (even outside the compilation's window). */
  firstCharge: number | undefined;
}

export function newPerson(id: number): Person {
  return { id, status: [], arrests: [], charges: [], court: [], releases: [], custodyStarts: [], referrals: [], flagUpdates: [], queries: [], ages: [], ageBefore: undefined, firstCharge: undefined };
}

/** Folds `from` into `into` (two subject keys turned out to be one person). */
export function mergePerson(into: Person, from: Person): void {
  into.status.push(...from.status);
  into.arrests.push(...from.arrests);
  into.charges.push(...from.charges);
  into.court.push(...from.court);
  into.releases.push(...from.releases);
  into.custodyStarts.push(...from.custodyStarts);
  into.referrals.push(...from.referrals);
  into.flagUpdates.push(...from.flagUpdates);
  into.queries.push(...from.queries);
  into.ages.push(...from.ages);
  if (from.ageBefore !== undefined && (into.ageBefore === undefined || from.ageBefore > into.ageBefore)) into.ageBefore = from.ageBefore;
  if (from.firstCharge !== undefined && (into.firstCharge === undefined || from.firstCharge < into.firstCharge)) into.firstCharge = from.firstCharge;
}

/** Sorts every timeline by day (status changes on one day by ledger order), once all facts are in. */
export function sortPerson(person: Person): void {
  const byDay = (a: number, b: number) => a - b;
  person.status.sort((a, b) => a.day - b.day || a.seq - b.seq);
  person.arrests.sort(byDay);
  person.charges.sort(byDay);
  person.court.sort((a, b) => a.day - b.day);
  person.releases.sort(byDay);
  person.custodyStarts.sort(byDay);
  person.referrals.sort((a, b) => a.day - b.day);
  person.flagUpdates.sort(byDay);
  person.queries.sort((a, b) => a.day - b.day);
  person.ages.sort(byDay);
}
