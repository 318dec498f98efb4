import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { messageFor, strandsOver } from '../../scripts/demo/year-messages.js';
import { planYear } from '../../scripts/demo/year-plan.js';
import { tokenFor } from '../returns/support.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { launchBrowser, newConsolePage, screenshot } from './harness.js';

/**
 * The console's "Scheme returns" page in Debian's chromium, on a real hub
 * fed a synthetic year (the one `npm run demo:year` plays) through its API:
 * targets with red/amber/green, the quarter trends, definitions one click
 * away, and a scheme manager who sees this page and nothing else.
 */
describe('console: scheme returns', () => {
  let redis: TestRedis;
  let hub: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    redis = await startTestRedis();
    hub = await startTestHub(redis);
    const people = planYear(Math.floor(Date.now() / 86_400_000));
    for (const person of people) {
      const strands = strandsOver(person);
      for (const [index, event] of person.events.entries()) {
        const message = await messageFor(person, event, strands[index]!);
        const client = await hub.client(message.from);
        if (message.query) await client.query(message.record);
        else expect((await client.send(message.record)).status).toBe(202);
      }
    }
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await redis?.stop();
  });

  it('shows the quarter against the targets, the trends and the definitions to a scheme manager, and nothing of the audit log', async () => {
    const { page, errors, context } = await newConsolePage(browser);
    await page.goto(`${hub.url}/console/#token=${await tokenFor(hub, 'scheme-manager')}`);
    await page.waitForSelector('[data-testid="returns-position"]', { timeout: 30_000 });
    expect(await page.locator('h1').textContent()).toBe('Scheme returns');
    expect(await page.locator('[data-testid="scope"]').textContent()).toContain('scheme manager');
    // Only the returns page is offered.
    expect(await page.locator('nav li:not([hidden]) a').allTextContents()).toEqual(['Scheme returns']);
    const rag = await page.locator('[data-testid^="rag-"]').allTextContents();
    expect(rag.length).toBe(6);
    for (const text of rag) expect(text).toMatch(/^(Green|Amber|Red|Not assessable)/);
    // The reoffending comparison: a cohort under 60 is never assessed.
    expect(await page.locator('[data-testid="rag-reoffending-change.change"]').textContent()).toMatch(/^Not assessable/);
    expect(await page.locator('figure.chart-figure svg.chart').count()).toBe(2);
    const definition = page.locator('[data-testid="definition-arrest-to-charge"]');
    expect(await definition.getAttribute('open')).toBeNull();
    await definition.locator('summary').click();
    expect(await definition.getAttribute('open')).not.toBeNull();
    expect(await definition.textContent()).toContain('Fed by: arrest-notification, charge-notification');
    await screenshot(page, 'scheme-returns');
    // Asking for an audit page takes a scheme manager back to the returns.
    await page.goto(`${hub.url}/console/#/search`);
    await page.waitForSelector('[data-testid="returns-position"]');
    expect(page.url()).toMatch(/#\/returns$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an agency DPO is not offered the returns page', async () => {
    const { page, context } = await newConsolePage(browser);
    await page.goto(`${hub.url}/console/#token=${await tokenFor(hub, 'agency')}`);
    await page.waitForSelector('nav');
    expect(await page.locator('nav li:not([hidden]) a').allTextContents()).not.toContain('Scheme returns');
    await context.close();
  });
});
