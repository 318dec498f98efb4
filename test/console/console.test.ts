import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADULT, callApi, launchBrowser, newConsolePage, screenshot, startConsoleHub, type ConsoleHub } from './harness.js';
import { CONSOLE_CSP } from '../../src/http/routes/console.js';

// Browser-side expressions are passed to page.evaluate as strings: this project's TypeScript has no DOM library.

/**
 * The DPO console in a real browser (Debian's chromium via playwright-core)
 * against a real hub over HTTPS. Each page is saved as a screenshot under
 * test-artifacts/console/. The tests run in order: the last one tampers with
 * the log.
 */

let hub: ConsoleHub;
let browser: Browser;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  hub = await startConsoleHub();
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newConsolePage(browser));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await hub?.close();
});

async function signIn(target: Page, token: string): Promise<void> {
  await target.goto(`${hub.url}/console/#token=${token}`);
  await target.getByRole('heading', { level: 1, name: 'Search the audit log' }).waitFor();
}

async function searchSubject(target: Page, subject: { kind: string; value: string }): Promise<void> {
  await target.goto(`${hub.url}/console/#/search`);
  await target.getByLabel('Identifier kind').selectOption(subject.kind);
  await target.getByLabel('Identifier', { exact: true }).fill(subject.value);
  await target.getByRole('button', { name: 'Search' }).click();
  await target.locator('table.results caption').waitFor();
}

describe('DPO console', () => {
  it('without a token shows how to sign in; the page is served with a strict CSP', async () => {
    const { context, page: fresh } = await newConsolePage(browser);
    const response = await fresh.goto(`${hub.url}/console/`);
    expect(response?.headers()['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("default-src 'none'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    await fresh.getByRole('heading', { name: 'Sign in to the DPO console' }).waitFor();
    await screenshot(fresh, 'sign-in');
    await context.close();
  });

  it('signs in through the link: the token moves to sessionStorage and leaves the address bar', async () => {
    const token = await hub.token({ agencyId: 'nv-police', name: 'Robin Testperson', scheme: true });
    await signIn(page, token);
    expect(page.url()).toBe(`${hub.url}/console/#/search`);
    expect(await page.evaluate("sessionStorage.getItem('isp-hub.dpo-token')")).toBe(token);
    expect(await page.evaluate<number>('history.length')).toBeLessThanOrEqual(2);
    await expect(page.getByTestId('scope').textContent()).resolves.toBe('scheme DPO (all agencies)');
    await screenshot(page, 'search');
  });

  it('searches by subject and pages through results', async () => {
    const before = await hub.auditLog.size();
    await searchSubject(page, ADULT);
    const rows = page.locator('table.results tbody tr');
    await expect(rows.count()).resolves.toBe(4);
    await expect(page.locator('table.results caption').textContent()).resolves.toBe('Entries 1 to 4, newest first');
    await expect(page.getByRole('link', { name: `Entry ${hub.seqs.adultDisclosure}` }).count()).resolves.toBe(1);
    const [read] = await hub.auditLog.getEntries([before]);
    expect(read).toMatchObject({ event: 'audit-read', outcome: 'search' });
    await screenshot(page, 'search-results');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Event').selectOption('disclosure');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Entries 1 to 25, newest first').waitFor();
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('Entries 26 to 50, newest first').waitFor();
    await page.getByRole('button', { name: '← Newer' }).click();
    await page.getByText('Entries 1 to 25, newest first').waitFor();
  });

  it('opens an entry and verifies its inclusion proof in the page', async () => {
    await searchSubject(page, ADULT);
    await page.getByRole('link', { name: `Entry ${hub.seqs.adultDisclosure}` }).click();
    await page.getByTestId('proof-result').waitFor();
    await expect(page.getByTestId('proof-result').textContent()).resolves.toBe('Verified');
    await expect(page.locator('ol.checks li.check-ok').count()).resolves.toBe(3);
    const text = await page.locator('main').innerText();
    expect(text).toContain('Crime and Disorder Act 1998, section 115');
    expect(text).toContain('c.37 s.115');
    expect(text).toContain('cc-arrest-to-offender-manager');
    expect(text).toContain('arrest.custodyNotes');
    expect(text).toMatch(/nv-probation\s+Northvale Probation Delivery Unit\s+collected/);
    await screenshot(page, 'entry');
  });

  it('builds the subject report, prints it, and downloads it as CSV', async () => {
    await page.goto(`${hub.url}/console/#/subject`);
    await page.getByLabel('Identifier kind').selectOption(ADULT.kind);
    await page.getByLabel('Identifier', { exact: true }).fill(ADULT.value);
    await page.getByRole('button', { name: 'Build report' }).click();
    await page.getByRole('table', { name: 'Disclosures' }).waitFor();
    await expect(page.getByRole('table', { name: 'Disclosures' }).locator('tbody tr').count()).resolves.toBe(1);
    await expect(page.getByRole('table', { name: 'Refusals' }).locator('tbody tr').count()).resolves.toBe(1);
    await screenshot(page, 'subject-report');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    expect(download.suggestedFilename()).toBe('subject-report.csv');
    const csv = await readFile((await download.path()) as string, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^section,seq,entryId,time,event,from,to/);
    expect(lines.filter((line) => line.startsWith('disclosure,'))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('refusal,'))).toHaveLength(1);
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByRole('button', { name: 'Print' }).isVisible()).resolves.toBe(false);
    await screenshot(page, 'subject-report-print');
    await page.emulateMedia({ media: 'screen' });
  });

  it('draws the overview charts as SVG', async () => {
    await page.goto(`${hub.url}/console/#/overview`);
    await page.getByTestId('total-shared').waitFor();
    await expect(page.getByTestId('total-shared').textContent()).resolves.toBe('62');
    await expect(page.locator('svg.chart[role="img"]').count()).resolves.toBe(4);
    await expect(page.getByRole('img', { name: /Sharing volume by agency pair/ }).count()).resolves.toBe(1);
    // The figures behind each chart sit in a closed <details>: present for assistive technology once opened.
    await expect(page.locator('details.figures table:has(caption:text-is("Refusals by rule")) tbody tr').count()).resolves.toBe(2);
    await screenshot(page, 'overview');
  });

  it('is usable from the keyboard: skip link, then the navigation', async () => {
    await page.goto(`${hub.url}/console/#/search`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Search the audit log' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe('Skip to content');
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe('Search');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Subject access report' }).waitFor();
    // Every form control has a label.
    const unlabelled = await page.evaluate<number>("[...document.querySelectorAll('input, select')].filter((control) => control.labels.length === 0).length");
    expect(unlabelled).toBe(0);
  });

  it('an agency DPO sees only their agency\'s entries in the page', async () => {
    const { context, page: housingPage } = await newConsolePage(browser);
    await signIn(housingPage, await hub.token({ agencyId: 'nv-housing', name: 'Sam Testperson' }));
    await expect(housingPage.getByTestId('scope').textContent()).resolves.toBe('DPO for nv-housing');
    await searchSubject(housingPage, ADULT);
    const links = await housingPage.locator('table.results tbody th a').allTextContents();
    expect(links).toEqual([String(hub.seqs.adultRefusal)]);
    await screenshot(housingPage, 'agency-scope-search');
    await housingPage.getByLabel('Agency').fill('nv-police');
    await housingPage.getByRole('button', { name: 'Search' }).click();
    await housingPage.getByText('You may only ask for your own agency\'s entries.').waitFor();
    await housingPage.goto(`${hub.url}/console/#/entry/${hub.seqs.adultDisclosure}`);
    await housingPage.getByText('No such entry (or it is outside what you may see).').waitFor();
    await screenshot(housingPage, 'agency-scope-entry');
    await context.close();
  });

  it('integrity: checkpoint and consistency verified in the page, full verification passes, then names a tampered entry', async () => {
    await page.goto(`${hub.url}/console/#/integrity`);
    await page.getByTestId('consistency-result').waitFor();
    await expect(page.getByTestId('consistency-result').textContent()).resolves.toBe('Consistent');
    await expect(page.getByText('Signature verified').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Verify every entry' }).click();
    await page.getByTestId('verify-result').waitFor();
    await expect(page.getByTestId('verify-result').textContent()).resolves.toBe('The log is intact');
    await expect(page.locator('#verify-progress').getAttribute('value')).resolves.toBe('100');
    await screenshot(page, 'integrity');

    // Change one byte of one stored entry (housing -> hovsing), as someone with Redis access might.
    const field = String(hub.seqs.adultRefusal);
    const stored = (await hub.redis.hget(hub.auditLog.keys.entries, field)) as string;
    await hub.redis.hset(hub.auditLog.keys.entries, field, stored.replace('"nv-housing"', '"nv-hovsing"'));

    await page.reload();
    await page.getByRole('button', { name: 'Verify every entry' }).click();
    await page.getByTestId('verify-result').waitFor();
    await expect(page.getByTestId('verify-result').textContent()).resolves.toBe('The log has been changed');
    await expect(page.getByTestId('first-bad').innerText()).resolves.toMatch(new RegExp(`^First bad entry: entry ${hub.seqs.adultRefusal} \\(ae_[0-9a-z]+\\)$`));
    await screenshot(page, 'integrity-tampered');

    await page.getByTestId('first-bad').getByRole('link').click();
    await page.getByTestId('proof-result').waitFor();
    await expect(page.getByTestId('proof-result').textContent()).resolves.toBe('Verification failed');
    await expect(page.locator('ol.checks li.check-fail').count()).resolves.toBeGreaterThanOrEqual(1);
    await screenshot(page, 'entry-tampered');
  });

  it('raised no script errors (CSP, Trusted Types) in any page', async () => {
    expect(pageErrors).toEqual([]);
    const stillServed = await callApi(hub.url, '/console/app.js');
    expect(stillServed.headers['content-type']).toMatch(/^text\/javascript/);
    const traversal = await callApi(hub.url, '/console/%2e%2e%2f%2e%2e%2fpackage.json');
    expect(traversal.status).toBe(404);
    expect(traversal.json().error.code).toBe('NOT_FOUND');
  });
});
