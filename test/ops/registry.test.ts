// One registry per process object: two app servers in one test process count apart, and nothing
// lands in prom-client's global registry (which would leak counts from one test to the next).
import { register } from 'prom-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app/server.js';
import { Metrics } from '../../src/ops/metrics.js';
import { deliver, rsaPrivateKey } from '../app/webhooks.js';
import { parseProm, sampleValue } from '../helpers/prom-text.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-registry-'));
const servers: AppServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('metrics registries', () => {
  it('startAppServer serves /healthz and /metrics from its own registry', async () => {
    const key = rsaPrivateKey();
    const start = async (name: string) => {
      const metrics = new Metrics({ processMetrics: false });
      const s = await startAppServer({ appId: 1, privateKey: key, secret: 's3cret', logLevel: 'fatal', metrics, app: { cacheDir: join(tmp, name), queue: { spacingMs: 0 } } });
      servers.push(s);
      return s;
    };
    const [a, b] = [await start('a'), await start('b')];
    // A refused delivery on a only.
    expect((await deliver(a.webhookUrl, 'pull_request', { action: 'opened' }, { secret: 'wrong' })).status).toBe(401);
    const scrape = async (s: AppServer) => parseProm(await (await fetch(`${s.url}/metrics`)).text());
    expect(sampleValue(await scrape(a), 'kreview_webhooks_total', { event: 'pull_request', status: '401' })).toBe(1);
    expect(sampleValue(await scrape(b), 'kreview_webhooks_total', { event: 'pull_request', status: '401' })).toBe(0);
    expect(await (await fetch(`${b.url}/healthz`)).json()).toEqual({ ok: true, checks: { state: { ok: true, detail: expect.stringMatching(/^readable, \d+ tables$/) } } });
    expect((await register.getMetricsAsJSON()).filter((m) => m.name.startsWith('kreview_'))).toEqual([]);
  });
});
