import { HubError, isHubError } from '../errors.js';
import type { PolicySet } from './policy-set.js';

export type PolicyReloadResult =
  | { readonly ok: true; readonly version: string; readonly changed: boolean }
  | { readonly ok: false; readonly error: HubError; readonly keptVersion: string | undefined };

export interface PolicyStore {
  /** The policy set in force. Throws HubError UNAVAILABLE before the first good load. */
  current(): PolicySet;
  /** Loads the files again; a set that fails to load leaves the last good set in force. */
  reload(): Promise<PolicyReloadResult>;
}

/**
 * Holds the policy set a running hub enforces. An ISP owner's broken edit must
 * never leave the hub with no rules or half a set, so a failed reload keeps
 * the last good set and reports why (for the `policy-loaded` audit entry).
 */
export function createPolicyStore(load: () => Promise<PolicySet>): PolicyStore {
  let current: PolicySet | undefined;
  return {
    current() {
      if (!current) throw new HubError('UNAVAILABLE', 'no policy set has loaded yet');
      return current;
    },
    async reload() {
      try {
        const next = await load();
        const changed = next.version !== current?.version;
        current = next;
        return { ok: true, version: next.version, changed };
      } catch (error) {
        if (!isHubError(error)) throw error;
        return { ok: false, error, keptVersion: current?.version };
      }
    },
  };
}
