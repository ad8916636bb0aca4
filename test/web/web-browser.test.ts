// The web view in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// a maintainer opens the list, sees the held reply, logs in with the token and approves it, and the
// real SMTP server gets exactly one mail; a drop sends none; without the token there is no button
// and a forged post is refused; a <script> subject is text. A screenshot of each page is kept in
// test-artifacts/web/ (or $KREVIEW_TEST_ARTIFACTS/web) for a look by hand.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebWorld, TOKEN, until, type WebWorld } from './web-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(process.env.KREVIEW_TEST_ARTIFACTS ?? join(import.meta.dirname, '..', '..', 'test-artifacts'), 'web');

let profile: string;
let browser: BrowserContext;
const worlds: WebWorld[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'kreview-chromium-'));
  // A fresh profile each run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, javaScriptEnabled: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
});
afterEach(async () => {
  for (const p of browser.pages()) await p.close();
  await browser.clearCookies();
  for (const w of worlds.splice(0)) await w.close();
});

async function world(opts: Parameters<typeof startWebWorld>[0] = {}): Promise<WebWorld> {
  const w = await startWebWorld(opts);
  worlds.push(w);
  w.run();
  return w;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** Opens the list, follows the series and the held reply's link, as a maintainer would. */
async function openHeldReply(page: Page, w: WebWorld, name: string): Promise<void> {
  await page.goto(`${w.web.url}/`);
  await shot(page, `${name}-1-series-list`);
  await page.getByRole('link', { name: /fixup worker space|script/ }).first().click();
  await expect.poll(() => page.locator('.reply-held').count()).toBeGreaterThan(0);
  await shot(page, `${name}-2-series`);
  await page.locator('tr.reply-held a').first().click();
  await expect.poll(() => page.locator('pre.mail').count()).toBe(1);
  await shot(page, `${name}-3-held-reply`);
}

async function logIn(page: Page, token: string): Promise<void> {
  await page.getByRole('link', { name: 'Log in' }).first().click();
  await page.locator('input[name="token"]').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

describe('web view in Chromium', { timeout: 300_000 }, () => {
  it('a maintainer sees the held reply, approves it with the token, and exactly one mail goes out', async () => {
    const w = await world();
    const page = await browser.newPage();
    await openHeldReply(page, w, 'approve');
    expect(await page.locator('button.approve').count()).toBe(0);
    await logIn(page, TOKEN);
    // Back on the reply, now with its buttons.
    await expect.poll(() => page.locator('button.approve').count()).toBe(1);
    await shot(page, 'approve-4-logged-in');
    await page.locator('button.approve').click();
    await until(() => w.world.smtp.received.length > 0);
    await page.reload();
    await expect.poll(() => page.locator('.meta .reply-state').textContent()).toMatch(/pending|sent/);
    await shot(page, 'approve-5-approved');
    // The browser's back button and a second click on the old form change nothing.
    await page.goBack();
    await page.waitForTimeout(500);
    expect(w.world.smtp.received).toHaveLength(1);
    expect(w.world.smtp.received[0].raw).toContain('In-Reply-To: <');
    expect(w.watcher.outbox.counts()).toMatchObject({ held: 0, sent: 1 });
  });

  it('a dropped reply is never sent', async () => {
    const w = await world();
    const page = await browser.newPage();
    await openHeldReply(page, w, 'drop');
    await logIn(page, TOKEN);
    await expect.poll(() => page.locator('button.drop').count()).toBe(1);
    await page.locator('button.drop').click();
    await expect.poll(() => page.locator('.meta .reply-state').textContent()).toBe('dropped');
    await shot(page, 'drop-4-dropped');
    w.watcher.wake();
    await page.waitForTimeout(1000);
    expect(w.world.smtp.received).toHaveLength(0);
    expect(w.watcher.outbox.counts()).toMatchObject({ held: 0, dropped: 1, sent: 0 });
  });

  it('without the token there is no button, a wrong token is refused, and a forged post is refused', async () => {
    const w = await world();
    const page = await browser.newPage();
    await openHeldReply(page, w, 'refused');
    expect(await page.locator('button.approve').count()).toBe(0);
    await logIn(page, 'a-wrong-token-of-some-length');
    await expect.poll(() => page.locator('p.error').textContent()).toBe('wrong token');
    await shot(page, 'refused-4-wrong-token');
    const id = w.watcher.db.prepare(`SELECT message_id FROM outbox WHERE state = 'held'`).pluck().get() as string;
    const approve = `${w.web.url}/reply/${encodeURIComponent(id)}/approve`;
    // Script on the page may not even reach the server (the CSP allows no connections)...
    await expect(page.evaluate(async (u) => (await fetch(u, { method: 'POST', body: 'csrf=x' })).status, approve)).rejects.toThrow(/Failed to fetch/);
    // ...and a post made by hand with the browser's cookies (none: no login) is refused.
    const r = await page.request.post(approve, { form: { csrf: 'x' }, maxRedirects: 0 });
    expect(r.status()).toBe(403);
    await page.waitForTimeout(500);
    expect(w.world.smtp.received).toHaveLength(0);
    expect(w.watcher.outbox.counts().held).toBe(1);
  });

  it('a subject with <script> renders as text and runs nothing', async () => {
    const evil = '<script>document.title="owned";window.owned=1</script><img src=x onerror="window.owned=2">';
    const w = await world({ subject: evil });
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${w.web.url}/`);
    await expect.poll(() => page.getByText(evil).count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: /script/ }).first().click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('<script>');
    await shot(page, 'script-subject');
    expect(await page.evaluate(() => (window as unknown as { owned?: number }).owned)).toBeUndefined();
    expect(await page.title()).not.toBe('owned');
    expect(await page.locator('script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
