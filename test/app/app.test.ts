// The GitHub App end to end: signed webhooks over HTTP to the app on loopback, GitHub's API
// answered by a local server that records every call, the PR's commits in a real bare repository.
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_FILE, Scenario, SECRET, withLines } from './scenario.js';
import { checkRunPayload, checkSuitePayload, commentPayload, deliver, pullRequestPayload, unthrottledOctokit } from './webhooks.js';

let s: Scenario;
/** 200, or 202 when probot's webhook timeout ran out first (the work goes on; Scenario.deliver waits for it). */
const accepted = (status: number) => status === 200 || status === 202;
afterEach(async () => {
  await s?.stop();
});

/** A two-commit series: patch 1 adds a FIXME and a Fixes: tag with the wrong subject; patch 2 adds lines above it. */
async function openSeries(): Promise<void> {
  s.openPull(1, 'mm: fix the counters');
  s.push(`mm: fix the counters\n\nThe counter was read without the lock.\n\nFixes: ${s.target.slice(0, 12)} ("mm: count pages without the lock")\nSigned-off-by: A <a@example.org>\n`, {
    'mm/counters.c': withLines(BASE_FILE, { 10: ['int fixed = 1; /* FIXME one */'] }),
  });
  s.push('mm: add two more counters\n\nSigned-off-by: A <a@example.org>\n', {
    'mm/counters.c': withLines(withLines(BASE_FILE, { 10: ['int fixed = 1; /* FIXME one */'] }), { 2: ['int more1;', 'int more2; /* FIXME two */'] }),
  });
}

describe('pull_request webhooks', () => {
  it('reviews a PR: a check run with annotations, inline comments on head lines, the Fixes: finding in the body', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    const res = await s.send('opened');
    expect(accepted(res.status)).toBe(true);

    const created = s.gh.callsTo('POST', /\/check-runs$/);
    expect(created).toHaveLength(1);
    expect(created[0].body).toMatchObject({ name: 'kreview', head_sha: s.pull.headSha, status: 'in_progress' });
    const run = [...s.gh.checkRuns.values()][0];
    expect(run.status).toBe('completed');
    // Warnings only, and the default threshold is error.
    expect(run.conclusion).toBe('neutral');
    expect(run!.output!.summary).toContain('mm: fix the counters');
    expect(run.annotations.map((a) => [a.path, a.start_line, a.annotation_level]).sort()).toEqual(
      [
        ['mm/counters.c', s.headLineOf('mm/counters.c', 'FIXME one'), 'warning'],
        ['mm/counters.c', s.headLineOf('mm/counters.c', 'FIXME two'), 'warning'],
      ].sort(),
    );

    expect(s.gh.reviews).toHaveLength(1);
    const review = s.gh.reviews[0];
    expect(review.commit_id).toBe(s.pull.headSha);
    expect(review.state).toBe('COMMENTED');
    // Patch 1's FIXME was line 11 in patch 1; patch 2 added two lines above it.
    expect(s.headLineOf('mm/counters.c', 'FIXME one')).toBe(13);
    expect(s.gh.comments.map((c) => [c.path, c.line, c.side]).sort()).toEqual([
      ['mm/counters.c', 13, 'RIGHT'],
      ['mm/counters.c', 4, 'RIGHT'],
    ].sort());
    expect(review.body).toMatch(/`fixes\/[a-z-]+` in the commit message of `[0-9a-f]{12}` \("mm: fix the counters"\)/);
    expect(review.body).toContain('```text\n' + s.work.fixesLine(s.target) + '\n```');
    expect(review.body).not.toContain('```suggestion');
  });
});

const contentCalls = () => s.gh.calls.filter((c) => c.method !== 'GET' && !c.path.startsWith('/app/'));

describe('delivery and signature', () => {
  it('refuses a wrong signature before calling GitHub', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    const res = await deliver(s.app.webhookUrl, 'pull_request', pullRequestPayload(s.gh, 'opened', s.pull), { secret: 'not-the-secret' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(s.gh.calls).toEqual([]);
  });

  it('never posts twice for a redelivered webhook or a second event on the same head', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    expect(accepted((await s.send('opened', 'delivery-1')).status)).toBe(true);
    const before = contentCalls().length;
    expect(before).toBeGreaterThan(0);
    expect(accepted((await s.send('opened', 'delivery-1')).status)).toBe(true);
    expect(accepted((await s.send('reopened', 'delivery-2')).status)).toBe(true);
    expect(contentCalls()).toHaveLength(before);
    expect(s.gh.reviews).toHaveLength(1);
    expect(s.gh.checkRuns.size).toBe(1);
  });

  it('remembers across a restart: the state lives in SQLite in the cache dir', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    await s.send('opened', 'delivery-1');
    const before = contentCalls().length;
    await s.app.close();
    const { startAppServer } = await import('../../src/app/server.js');
    const { fixmeCheck } = await import('./fixme-check.js');
    s.app = await startAppServer({
      appId: 1,
      privateKey: (await import('./webhooks.js')).rsaPrivateKey(),
      secret: SECRET,
      baseUrl: s.gh.url,
      logLevel: 'fatal',
      Octokit: unthrottledOctokit(),
      app: { cacheDir: s.cache, queue: { spacingMs: 0 }, checks: [fixmeCheck] },
    });
    await s.send('opened', 'delivery-1');
    await s.send('synchronize', 'delivery-3');
    expect(contentCalls()).toHaveLength(before);
  });
});

describe('a new push', () => {
  it('marks comments that no longer apply as outdated, posts only what is new, and gives the new head its own check run', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    await s.send('opened');
    const firstHead = s.pull.headSha;
    const two = s.gh.comments.find((c) => c.body.includes('FIXME two'))!;
    const one = s.gh.comments.find((c) => c.body.includes('FIXME one'))!;
    // v2 of the series, force-pushed as kernel-patches mirrors do: patch 2 no longer adds FIXME two, patch 3 adds FIXME three.
    const one1 = withLines(BASE_FILE, { 10: ['int fixed = 1; /* FIXME one */'] });
    s.work.git('reset', '-q', '--hard', 'HEAD~2');
    s.push(s.work.git('log', '-1', '--format=%B', firstHead + '~1'), { 'mm/counters.c': one1 });
    s.push('mm: add two more counters\n\nSigned-off-by: A <a@example.org>\n', { 'mm/counters.c': withLines(one1, { 2: ['int more1;', 'int more2;'] }) });
    s.push('mm: one late counter\n\nSigned-off-by: A <a@example.org>\n', {
      'mm/counters.c': withLines(withLines(one1, { 2: ['int more1;', 'int more2;'] }), { 20: ['int late; /* FIXME three */'] }),
    });
    expect(accepted((await s.send('synchronize')).status)).toBe(true);

    const runs = [...s.gh.checkRuns.values()];
    expect(runs.map((r) => r.head_sha)).toEqual([firstHead, s.pull.headSha]);
    expect(runs[1].status).toBe('completed');
    expect(runs[1].output!.summary).toContain('mm: one late counter');

    expect(two.body).toMatch(/^\*\*Outdated\*\*: kreview no longer reports this at [0-9a-f]{12}\./);
    expect(one.body).not.toMatch(/Outdated/);
    expect(s.gh.callsTo('PATCH', /\/pulls\/comments\/\d+$/).map((c) => c.path)).toEqual([`/repos/acme/linux/pulls/comments/${two.id}`]);

    // One new review, with only the new finding; the Fixes: finding in the first review's body is not repeated.
    expect(s.gh.reviews).toHaveLength(2);
    const fresh = s.gh.comments.filter((c) => c.review_id === s.gh.reviews[1].id);
    expect(fresh.map((c) => [c.path, c.line, c.side])).toEqual([['mm/counters.c', s.headLineOf('mm/counters.c', 'FIXME three'), 'RIGHT']]);
    expect(s.gh.reviews[1].body).not.toContain('fixes/');
  });
});

describe('two pull requests', () => {
  it("leave each other's reviews and comments alone (GitHub lists a PR's own only)", async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    await s.send('opened');
    const first = s.gh.comments.map((c) => c.body);
    const firstReview = s.gh.reviews[0].body;
    s.openPull(2, 'mm: another counter');
    s.push('mm: another counter\n\nSigned-off-by: B <b@example.org>\n', { 'mm/other.c': 'int other;\nint another; /* FIXME four */\n' });
    expect(accepted((await s.send('opened')).status)).toBe(true);
    expect(s.gh.reviews.map((r) => r.pull_number)).toEqual([1, 2]);
    // A bench burst of 20 PRs on a fake that listed every PR's reviews made 27 such edits.
    expect(s.gh.callsTo('PUT', /\/pulls\/\d+\/reviews\/\d+$/)).toEqual([]);
    expect(s.gh.callsTo('PATCH', /\/pulls\/comments\/\d+$/)).toEqual([]);
    expect(s.gh.comments.filter((c) => c.pull_number === 1).map((c) => c.body)).toEqual(first);
    expect(s.gh.reviews[0].body).toBe(firstReview);
  });
});

describe('a late delivery', () => {
  it('for an older head gets its check run but does not retire the newer head\'s comments', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    await s.send('opened');
    const older = s.work.git('rev-parse', 'HEAD~1');
    const before = s.gh.comments.map((c) => c.body);
    await s.deliver('pull_request', pullRequestPayload(s.gh, 'synchronize', { ...s.pull, headSha: older }));
    const run = [...s.gh.checkRuns.values()].find((r) => r.head_sha === older);
    expect(run?.status).toBe('completed');
    expect(run!.output!.summary).toMatch(/has moved on to [0-9a-f]{12}; no review comments were posted/);
    expect(s.gh.comments.map((c) => c.body)).toEqual(before);
    expect(s.gh.reviews).toHaveLength(1);
  });
});

describe('GitHub refuses a comment (422)', () => {
  it('moves the refused comment into the body and keeps the others', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    // GitHub's diff moved under the app: line 4 is no longer commentable.
    s.gh.refuseComment = (c) => c.line === 4;
    await s.send('opened');
    expect(s.gh.reviews).toHaveLength(1);
    expect(s.gh.comments.map((c) => c.line)).toEqual([13]);
    expect(s.gh.reviews[0].body).toContain('unfinished: int more2; /* FIXME two */');
    // The probes were pending reviews, deleted at once; nobody saw them.
    const probes = s.gh.callsTo('POST', /\/reviews$/).filter((c) => !c.body.event);
    expect(probes.length).toBeGreaterThan(0);
    const acceptedProbes = probes.filter((p) => !p.body.comments.some((x: { line: number }) => x.line === 4));
    expect(s.gh.callsTo('DELETE', /\/reviews\/\d+$/)).toHaveLength(acceptedProbes.length);
    expect(s.gh.reviews.map((r) => r.state)).toEqual(['COMMENTED']);
  });
});

describe('re-running', () => {
  it('/kreview recheck: refused with a reaction for a reader, done for the author and for writers', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    await s.send('opened');
    const runId = [...s.gh.checkRuns.keys()][0];
    const updates = () => s.gh.callsTo('PATCH', new RegExp(`/check-runs/${runId}$`)).length;
    const n0 = updates();

    await s.deliver('issue_comment', commentPayload(s.gh, s.pull, 'mallory', '/kreview recheck', 1));
    expect(s.gh.callsTo('POST', /\/issues\/comments\/1\/reactions$/)[0].body).toEqual({ content: 'confused' });
    expect(updates()).toBe(n0);

    await s.deliver('issue_comment', commentPayload(s.gh, s.pull, 'alice', 'please\n/kreview recheck', 2));
    expect(s.gh.callsTo('POST', /\/issues\/comments\/2\/reactions$/)[0].body).toEqual({ content: '+1' });
    expect(updates()).toBeGreaterThan(n0);
    const n1 = updates();

    s.gh.writers.add('bob');
    await s.deliver('issue_comment', commentPayload(s.gh, s.pull, 'bob', '/kreview recheck', 3));
    expect(s.gh.callsTo('POST', /\/issues\/comments\/3\/reactions$/)[0].body).toEqual({ content: '+1' });
    expect(updates()).toBeGreaterThan(n1);

    // A recheck of an unchanged head finds nothing new to post.
    expect(s.gh.reviews).toHaveLength(1);
    expect(s.gh.checkRuns.size).toBe(1);
    expect(s.gh.checkRuns.get(runId)!.status).toBe('completed');
  });

  it('"Re-run" on the check (check_run rerequested) reviews the head again', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    await s.send('opened');
    const runId = [...s.gh.checkRuns.keys()][0];
    const before = s.gh.callsTo('PATCH', /\/check-runs\//).length;
    const res = await s.deliver('check_run', checkRunPayload(s.gh, s.pull, runId));
    expect(accepted(res.status)).toBe(true);
    const after = s.gh.callsTo('PATCH', /\/check-runs\//);
    expect(after.length).toBeGreaterThan(before);
    expect(after[before].body).toMatchObject({ status: 'in_progress' });
    expect(after.at(-1)!.body).toMatchObject({ status: 'completed', conclusion: 'neutral' });

    // "Re-run all checks" arrives as check_suite rerequested.
    await s.deliver('check_suite', checkSuitePayload(s.gh, s.pull));
    const suite = s.gh.callsTo('PATCH', /\/check-runs\//).slice(after.length);
    expect(suite[0].body).toMatchObject({ status: 'in_progress' });
    expect(suite.at(-1)!.body).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(s.gh.reviews).toHaveLength(1);
  });

  it('leaves a draft alone until it is ready for review', async () => {
    s = new Scenario();
    await s.start();
    await openSeries();
    s.pull.draft = true;
    await s.send('opened');
    expect(contentCalls()).toEqual([]);
    s.pull.draft = false;
    await s.send('ready_for_review');
    expect(s.gh.checkRuns.size).toBe(1);
    expect(s.gh.reviews).toHaveLength(1);
  });
});

describe('check run details', () => {
  it('sends annotations 50 at a time and fails at the configured threshold read from the default branch', async () => {
    s = new Scenario();
    await s.start();
    s.gh.config = 'failOn: warning\n';
    s.openPull(2, 'mm: many');
    const many = Array.from({ length: 60 }, (_, i) => `int todo${i}; /* FIXME ${i} */`);
    s.push('mm: many unfinished counters\n\nSigned-off-by: A <a@example.org>\n', { 'mm/counters.c': withLines(BASE_FILE, { 20: many }) });
    await s.send('opened');
    const run = [...s.gh.checkRuns.values()][0];
    const sizes = s.gh.callsTo('PATCH', /\/check-runs\//).map((c) => c.body.output?.annotations?.length ?? 0);
    expect(sizes).toEqual([50, 10]);
    expect(run.annotations).toHaveLength(60);
    expect(run.conclusion).toBe('failure');
    const configReads = s.gh.callsTo('GET', /\/contents\/\.github\/kreview\.yml$/);
    expect(configReads.length).toBeGreaterThan(0);
    for (const c of configReads) expect(c.query.get('ref')).toBeNull();
  });

  it('waits out a secondary rate limit instead of losing the call', async () => {
    s = new Scenario();
    await s.start({ queue: { spacingMs: 0 } });
    await openSeries();
    s.gh.rateLimitNext = 1;
    const t0 = Date.now();
    await s.send('opened');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(s.gh.callsTo('POST', /\/check-runs$/)).toHaveLength(2);
    expect(s.gh.checkRuns.size).toBe(1);
    expect(s.gh.reviews).toHaveLength(1);
  });
});

describe('without a clone', () => {
  it('falls back to the API diffs, says so, and still places comments on head lines', async () => {
    s = new Scenario();
    await s.start({ cloneMaxSizeKb: 1 });
    await openSeries();
    await s.send('opened');
    const run = [...s.gh.checkRuns.values()][0];
    expect(run!.output!.summary).toMatch(/No local clone \(acme\/linux is 0 MiB, above the clone limit[^)]*\): reviewed from the API/);
    expect(s.gh.comments.map((c) => [c.path, c.line, c.side]).sort()).toEqual([
      ['mm/counters.c', 13, 'RIGHT'],
      ['mm/counters.c', 4, 'RIGHT'],
    ].sort());
    expect(s.gh.callsTo('GET', /\/pulls\/1\/commits$/)).toHaveLength(1);
  });
});

describe('series from the list', () => {
  it('hands the review to the mail integration once, when the PR body names the series and the policy allows it', async () => {
    const sent: { messageId: string; head: string; patches: number }[] = [];
    s = new Scenario();
    await s.start({
      mail: { send: async (a) => void sent.push({ messageId: a.messageId, head: a.pr.headSha, patches: a.review.patches.length }) },
    });
    await openSeries();
    s.pull.body = 'Pull request for series with\nsubject: mm: fix the counters\nMessage-Id: <20261124-counters-v1-0-abc@example.org>\n';
    await s.send('opened');
    expect(sent).toEqual([]);
    s.gh.config = 'mail:\n  reply: true\n';
    await s.deliver('issue_comment', commentPayload(s.gh, s.pull, 'alice', '/kreview recheck', 5));
    await s.deliver('issue_comment', commentPayload(s.gh, s.pull, 'alice', '/kreview recheck', 6));
    expect(sent).toEqual([{ messageId: '20261124-counters-v1-0-abc@example.org', head: s.pull.headSha, patches: 2 }]);
  });
});
