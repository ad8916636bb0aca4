// /healthz of `kreview watch --queue redis://...` names the queue: with Redis gone, the feeder waits
// (BullMQ's requests wait for as long as ioredis retries), and the health check must say that the
// queue does not answer, within its own bound, not only later that the loop has gone quiet.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { KREVIEW_BIN } from '../helpers/run-cli.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { opsWorld } from './watch-world.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Health {
  status: number;
  body: { ok: boolean; checks: Record<string, { ok: boolean; detail: string }> };
}

async function health(url: string): Promise<Health> {
  const r = await fetch(`${url}/healthz`);
  return { status: r.status, body: (await r.json()) as Health['body'] };
}

describe('kreview watch --queue: /healthz', { timeout: 120_000 }, () => {
  it('has a queue check that passes while Redis answers and fails, naming the queue, once it is gone', async () => {
    let redis: RedisServer | null = await startRedis();
    cleanup.push(() => redis?.stop());
    const w = opsWorld();
    const child: ChildProcess = spawn(process.execPath, [KREVIEW_BIN, 'watch', '--config', w.policy, '--queue', redis.url, '--metrics-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const url = await until(`the ops server (${stderr})`, () => /\/healthz and \/metrics on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1]);

    const up = await until('the queue check to pass', async () => {
      const h = await health(url);
      return h.body.checks.queue?.ok ? h : null;
    });
    expect(up.body.checks.queue.detail).toMatch(/^\d+ waiting, \d+ running$/);

    await redis.stop();
    redis = null;
    const t0 = Date.now();
    const down = await health(url);
    // Answered within the check's own bound (2 s), not held by the queue's endless retries.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(down.status).toBe(503);
    expect(down.body.ok).toBe(false);
    expect(down.body.checks.queue).toEqual({ ok: false, detail: 'the queue did not answer within 2 s' });
    // The state is fine: the report says which part is not.
    expect(down.body.checks.state.ok).toBe(true);
  });
});
