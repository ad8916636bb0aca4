// The GitHub App end to end: signed webhooks over HTTP to the app on loopback, GitHub's API
// answered by a local server that records every call, the PR's commits in a real bare repository.
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_FILE, Scenario, SECRET, withLines } from './scenario.js';
import { checkRunPayload, commentPayload, deliver, pullRequestPayload } from './webhooks.js';

let s: Scenario;
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
    expect(res.status).toBe(200);

    const created = s.gh.callsTo('POST', /\/check-runs$/);
    expect(created).toHaveLength(1);
    expect(created[0].body).toMatchObject({ name: 'kreview', head_sha: s.pull.headSha, status: 'in_progress' });
    const run = [...s.gh.checkRuns.values()][0];
    expect(run.status).toBe('completed');
    // Warnings only, and the default threshold is error.
    expect(run.conclusion).toBe('neutral');
    expect(run.output.summary).toContain('mm: fix the counters');
    expect(run.annotations.map((a: any) => [a.path, a.start_line, a.annotation_level]).sort()).toEqual(
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
