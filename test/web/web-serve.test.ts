// kreview serve with a mail policy: the web view is mounted beside the webhooks on the same server,
// a series PR's check run links to the series' page (details_url), and a moderated list's reply to
// the PR's review is held until approved there. Real parts: public-inbox, git, SMTP, the local
// GitHub API server (test/app/github-api.ts), the app on loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app/server.js';
import { PullRequestMailer } from '../../src/watch/pr-mailer.js';
import { webView } from '../../src/web/view.js';
import { FakeGitHub } from '../app/github-api.js';
import { SECRET } from '../app/scenario.js';
import { deliver, pullRequestPayload, rsaPrivateKey, unthrottledOctokit } from '../app/webhooks.js';
import { WatchWorld } from '../watch/watch-fixture.js';
import { TOKEN, TOKEN_ENV, until } from './web-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('kreview serve: the web view beside the webhooks', { timeout: 240_000 }, () => {
  it("links the check run to the series' page and holds the mailed-back reply until it is approved", async () => {
    const world = new WatchWorld();
    await world.start();
    cleanups.push(() => world.close());
    writeFileSync(world.policyFile, readFileSync(world.policyFile, 'utf8').replace('mode: enabled', 'mode: moderated') + `web:\n  url: https://kreview.example.org\n  tokenEnv: ${TOKEN_ENV}\n`);
    const mails = world.series(1);
    for (const m of mails) world.inbox.deliver(m.raw);
    const bare = mkdtempSync(join(tmpdir(), 'kreview-gh-')) + '/linux.git';
    const cache = mkdtempSync(join(tmpdir(), 'kreview-app-cache-'));
    cleanups.push(() => rmSync(cache, { recursive: true, force: true }));
    execFileSync('git', ['init', '-q', '--bare', bare]);
    world.repo.git('push', '-q', bare, 'master:master', 'topic-v1:refs/pull/1/head');
    const gh = new FakeGitHub(bare);
    const pull = { number: 1, title: 'btrfs: fixup worker space', body: `Message-Id: <${mails[0].id}>\n`, user: 'kernel-patches-daemon', headSha: world.repo.git('rev-parse', 'topic-v1'), baseSha: world.base, baseRef: 'master' };
    gh.pulls.set(1, pull);
    gh.config = 'mail:\n  reply: true\n';
    await gh.start();
    cleanups.push(() => gh.close());
    const mailer = new PullRequestMailer({ policyFile: world.policyFile, log: () => {} });
    cleanups.push(() => mailer.close());
    const w = mailer.watcher;
    const view = webView({ db: w.db, policy: () => w.policy.current, env: { [TOKEN_ENV]: TOKEN }, onDecision: () => void mailer.flush(), log: () => {} });
    const app: AppServer = await startAppServer({
      appId: 1, privateKey: rsaPrivateKey(), secret: SECRET, baseUrl: gh.url, logLevel: 'fatal', Octokit: unthrottledOctokit(),
      app: { queue: { spacingMs: 0 }, cacheDir: cache, mail: mailer }, routes: [view],
    });
    cleanups.push(() => app.close());

    await deliver(app.webhookUrl, 'pull_request', pullRequestPayload(gh, 'opened', pull), { secret: SECRET });
    await app.idle();
    const run = [...gh.checkRuns.values()][0] as { status: string; details_url?: string };
    expect(run.status).toBe('completed');
    expect(run.details_url).toBe(`https://kreview.example.org/msg/${encodeURIComponent(mails[0].id)}`);
    // Held: the list is moderated.
    expect(world.smtp.received).toHaveLength(0);
    expect(w.outbox.counts().held).toBe(1);

    // The same path on this server leads to the series, reviewed on the PR, with its held reply.
    const msg = await fetch(`${app.url}/msg/${encodeURIComponent(mails[0].id)}`, { redirect: 'manual' });
    expect(msg.status).toBe(303);
    const series = await (await fetch(`${app.url}${msg.headers.get('location')}`)).text();
    expect(series).toContain('btrfs: fixup worker space');
    expect(series).toContain('Reviewed on the pull request acme/linux#1');
    expect(series).toContain('reply-held');
    // The webhooks still answer as before; the view did not take their path.
    expect((await fetch(app.webhookUrl, { method: 'POST', body: '{}' })).status).not.toBe(404);

    const login = await fetch(`${app.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: TOKEN }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const id = w.db.prepare(`SELECT message_id FROM outbox WHERE state = 'held'`).pluck().get() as string;
    const page = await (await fetch(`${app.url}/reply/${encodeURIComponent(id)}`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1];
    const ok = await fetch(`${app.url}/reply/${encodeURIComponent(id)}/approve`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }) });
    expect(ok.status).toBe(303);
    await until(() => world.smtp.received.length > 0);
    await mailer.flush();
    expect(world.smtp.received).toHaveLength(1);
    expect(world.smtp.received[0].raw).toContain(`Message-ID: <${id}>`);
  });
});
