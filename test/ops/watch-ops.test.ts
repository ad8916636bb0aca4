// `kreview watch` as an operator runs it: /healthz and /metrics on loopback, scraped and parsed as
// Prometheus would; JSON log lines carrying the Message-ID of the series they belong to; a health
// check that fails when the loop stalls or the state file goes; quarantined messages sent back for
// review with --requeue.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, renameSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { opsHandler, startOpsServer, type OpsServer } from '../../src/ops/http.js';
import { Metrics } from '../../src/ops/metrics.js';
import { reviewSeries } from '../../src/review/pipeline.js';
import { Watcher } from '../../src/watch/daemon.js';
import type { ReviewFn } from '../../src/watch/series-reviewer.js';
import { parseProm, sampleValue } from '../helpers/prom-text.js';
import { KREVIEW_BIN, runCli } from '../helpers/run-cli.js';
import { opsWorld } from './watch-world.js';
import { until } from '../helpers/until.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const scrape = async (url: string) => {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseProm(await res.text());
};

const failOnPoison: ReviewFn = async (series, o) => {
  if (series.patches.some((p) => p.subject.includes('POISON'))) throw new RangeError('Maximum call stack size exceeded');
  return reviewSeries(series, o);
};

describe('kreview watch: operable', { timeout: 240_000 }, () => {
  it('the daemon serves /healthz and /metrics; its JSON log lines of a review carry the series Message-ID', async () => {
    const w = opsWorld();
    const child: ChildProcess = spawn(process.execPath, [KREVIEW_BIN, 'watch', '--config', w.policy, '--metrics-port', '0', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const url = await until(`the ops server (${stderr})`, () => /\/healthz and \/metrics on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1]);

    const samples = await until('a review and its mail', async () => {
      const s = await scrape(url);
      return sampleValue(s, 'kreview_mails_sent_total', { source: 'mail' }) > 0 ? s : null;
    });
    expect(sampleValue(samples, 'kreview_reviews_total', { source: 'mail', result: 'reviewed' })).toBe(1);
    expect(sampleValue(samples, 'kreview_job_duration_seconds_count', { source: 'mail' })).toBe(1);
    // The series' first patch names a commit with the wrong subject and reserves under the page lock.
    expect(sampleValue(samples, 'kreview_findings_total', { source: 'mail', id: 'fixes/subject-mismatch' })).toBe(1);
    expect(sampleValue(samples, 'kreview_findings_total', { source: 'mail', id: 'lock/reserve-under-page-lock' })).toBe(1);
    expect(sampleValue(samples, 'kreview_mails_sent_total', { source: 'mail' })).toBe(readdirSync(w.outbox).filter((f) => f.endsWith('.eml')).length);
    expect(sampleValue(samples, 'kreview_queue_depth', { queue: 'mail-waiting' })).toBe(0);
    expect(sampleValue(samples, 'kreview_queue_depth', { queue: 'mail-outbox' })).toBe(0);
    expect(sampleValue(samples, 'kreview_errors_total', { where: 'watch' })).toBe(0);
    expect(sampleValue(samples, 'kreview_process_cpu_seconds_total')).toBeGreaterThan(0);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, checks: { state: { ok: true }, loop: { ok: true } } });
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/other`)).status).toBe(404);

    child.kill('SIGTERM');
    await until('the daemon to stop', () => child.exitCode !== null || null, 30_000);
    expect(child.exitCode).toBe(0);
    const lines = stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) expect(l).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(debug|info|warn|error)$/), name: 'kreview watch', msg: expect.any(String) });
    const reviewed = lines.filter((l) => /: reviewed in [\d.]+ s/.test(l.msg as string));
    expect(reviewed).toHaveLength(1);
    expect(reviewed[0].messageId).toBe(w.series[0].id);
  });

  it('/healthz fails when the loop makes no progress for too long, and when the state file is gone', async () => {
    const w = opsWorld();
    let now = Date.now();
    const metrics = new Metrics();
    const watcher = new Watcher({ policyFile: w.policy, log: () => {}, now: () => now, metrics });
    cleanup.push(() => watcher.close());
    const server: OpsServer = await startOpsServer(opsHandler({ metrics, health: watcher.healthChecks() }), 0);
    cleanup.push(() => server.close());
    const health = async () => {
      const r = await fetch(`${server.url}/healthz`);
      return { status: r.status, body: (await r.json()) as { ok: boolean; checks: Record<string, { ok: boolean; detail: string }> } };
    };

    let h = await health();
    expect(h.status).toBe(503);
    expect(h.body.checks.loop).toEqual({ ok: false, detail: 'no progress yet' });
    expect(h.body.checks.state.ok).toBe(true);

    await watcher.tick();
    h = await health();
    expect(h.status).toBe(200);
    expect(sampleValue(await scrape(server.url), 'kreview_watch_last_tick_timestamp_seconds')).toBe(now / 1000);

    // Stale after three polls or one ten-patch review's limit, whichever is longer: well under 2 h.
    now += 7_200_000;
    h = await health();
    expect(h.status).toBe(503);
    expect(h.body.checks.loop.detail).toMatch(/^last progress 7200\.0 s ago \(stale after \d+ s\)$/);
    await watcher.tick();
    expect((await health()).status).toBe(200);

    renameSync(w.state, `${w.state}.moved`);
    h = await health();
    expect(h.status).toBe(503);
    expect(h.body.checks.state).toEqual({ ok: false, detail: expect.stringMatching(/^state database .*state\.db was deleted while kreview ran/) });
  });

  it('counts a quarantined series and its error; --requeue sends it back and the next pass reviews it', async () => {
    const w = opsWorld({ poison: true });
    const metrics = new Metrics({ processMetrics: false });
    const first = new Watcher({ policyFile: w.policy, log: () => {}, review: failOnPoison, metrics });
    const t = await first.tick();
    await first.close();
    expect(t.quarantined).toHaveLength(1);
    expect(t.reviewed).toHaveLength(1);
    const samples = parseProm(await metrics.text());
    expect(sampleValue(samples, 'kreview_reviews_total', { source: 'mail', result: 'quarantined' })).toBe(1);
    expect(sampleValue(samples, 'kreview_reviews_total', { source: 'mail', result: 'reviewed' })).toBe(1);
    expect(sampleValue(samples, 'kreview_errors_total', { where: 'watch' })).toBe(1);
    // Its own registry: nothing of prom-client's global one, no process metrics when asked for none.
    expect(samples.some((s) => s.name.startsWith('kreview_process_'))).toBe(false);

    // Quarantined whole: the status names its subject, and --requeue has a patch to review again.
    expect(runCli(['watch', '--status', '--config', w.policy]).stdout).toMatch(new RegExp(`  <${w.poison}> "\\[PATCH\\] btrfs: POISON for the review" \\(`));
    const none = runCli(['watch', '--config', w.policy, '--requeue', 'nobody@example.org']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('kreview: no quarantined message matches nobody@example.org (kreview watch --status lists them)\n');

    const r = runCli(['watch', '--config', w.policy, '--requeue', `<${w.poison}>`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`requeued 1 message for review by the next pass:\n  <${w.poison}>\n`);
    expect(runCli(['watch', '--status', '--config', w.policy]).stdout).toContain('quarantined: 0\n');

    const before = readdirSync(w.outbox).length;
    const second = new Watcher({ policyFile: w.policy, log: () => {} });
    cleanup.push(() => second.close());
    const t2 = await second.tick();
    expect(t2.quarantined).toEqual([]);
    expect(t2.reviewed).toEqual([`${w.poison}#v1`]);
    // Its review found the same page-lock reservation: a reply to the requeued message.
    const replies = readdirSync(w.outbox).slice(before);
    expect(replies.length).toBe(1);
  });
});
