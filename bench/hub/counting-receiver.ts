import { listenAsAgencyWebhook } from './agency-webhook-server.js';

export interface CountingReceiver {
  url: string;
  /** Distinct messages received (by the isp-message-id header), and repeats of one already received. */
  readonly received: number;
  readonly duplicates: number;
  /** TLS connections the hub opened to it: with keep-alive working, a handful however many messages. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * An agency's webhook endpoint (HTTPS, mutual TLS with the agency's scheme
 * certificate) that takes each delivery, counts it by its message id and
 * answers 204 without opening it: a recipient decrypts on its own machine,
 * so here its crypto must not take the cores the hub is measured on.
 */
export async function startCountingReceiver(agencyId: string): Promise<CountingReceiver> {
  const seen = new Set<string>();
  let duplicates = 0;
  const server = await listenAsAgencyWebhook(agencyId, (req, res) => {
    req.resume();
    req.once('end', () => {
      const messageId = req.headers['isp-message-id'];
      if (req.method !== 'POST' || typeof messageId !== 'string' || messageId.length === 0) {
        res.statusCode = 400;
        res.end();
        return;
      }
      if (seen.has(messageId)) duplicates += 1;
      else seen.add(messageId);
      res.statusCode = 204;
      res.end();
    });
  });
  return {
    url: server.url,
    get received() {
      return seen.size;
    },
    get duplicates() {
      return duplicates;
    },
    get connections() {
      return server.connections;
    },
    close: () => server.close(),
  };
}
