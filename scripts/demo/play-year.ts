import type { AgencyClient } from '../../src/client/index.js';
import { HubError } from '../../src/errors.js';
import { messageFor, strandsOver } from './year-messages.js';
import { planYear } from './year-plan.js';

/**
 * Plays the synthetic year (year-plan.ts) through a hub's API, each message
 * from its agency's own client, in the order the events happened across the
 * scheme. Returns how many messages the hub refused (none, for this plan).
 */
export async function playYear(options: { hubUrl: string; client(agencyId: string): Promise<AgencyClient>; print(line: string): void }): Promise<{ sent: number; refused: number }> {
  const today = Math.floor(Date.now() / 86_400_000);
  const people = planYear(today);
  const steps = people.flatMap((person) => {
    const strands = strandsOver(person);
    return person.events.map((event, index) => ({ person, event, strand: strands[index]! }));
  });
  steps.sort((a, b) => a.event.day - b.event.day || a.person.index - b.person.index);
  options.print(`A synthetic year: ${people.filter((p) => !p.child).length} adult PPOs and ${people.filter((p) => p.child).length} young people on Prevent and Deter, ${steps.length} messages (all fictional)`);
  options.print(`hub: ${options.hubUrl}`);
  const refused = new Map<string, number>();
  let sent = 0;
  for (const { person, event, strand } of steps) {
    const message = await messageFor(person, event, strand);
    const agency = await options.client(message.from);
    try {
      if (message.query) await agency.query(message.record);
      else if ((await agency.send(message.record)).status !== 202) refused.set(message.record.type, (refused.get(message.record.type) ?? 0) + 1);
      sent += 1;
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      refused.set(message.record.type, (refused.get(message.record.type) ?? 0) + 1);
    }
  }
  const refusedCount = [...refused.values()].reduce((a, b) => a + b, 0);
  options.print(`sent ${sent} messages${refusedCount > 0 ? `; refused: ${[...refused].map(([type, count]) => `${type} ${count}`).join(', ')}` : ''}`);
  return { sent, refused: refusedCount };
}
