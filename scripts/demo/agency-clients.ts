import { agencyFilesIn, createAgencyClientFromFiles, type AgencyClient } from '../../src/client/index.js';
import { certsDir, type DemoHub } from './hub-target.js';

/**
 * The demo's agencies, each with its own certificate from certs-example/,
 * made the first time one is asked for and kept, so a run opens one mutual
 * TLS client per agency however many messages it sends.
 */
export function demoAgencyClients(hub: DemoHub): { client(agencyId: string): Promise<AgencyClient>; closeAll(): void } {
  const clients = new Map<string, AgencyClient>();
  return {
    async client(agencyId) {
      const known = clients.get(agencyId);
      if (known) return known;
      const made = await createAgencyClientFromFiles({ hubUrl: hub.url, hubId: hub.config.HUB_ID, agencyId, ...agencyFilesIn(certsDir, agencyId) });
      clients.set(agencyId, made);
      return made;
    },
    closeAll() {
      clients.forEach((made) => made.close());
    },
  };
}
