// The per-installation write caps of content-queue.ts shared by every process on one Redis: serve
// and all its workers draw from one sliding window per installation, so three worker machines
// together still stay under GitHub's per-installation limits. The window is a sorted set of call
// times (Redis's own clock, so machines' clocks need not agree), checked and taken in one script.
import { randomUUID } from 'node:crypto';
import type { ContentQueueOptions, WriteBudget } from '../app/content-queue.js';
import { Redis } from 'ioredis';

/** Returns 0 when a call may go now (and counts it), else the ms to wait. */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key, gap, perMinute, perHour = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - 3600000)
local wait = 0
local n = redis.call('ZCARD', key)
if n > 0 then
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  wait = math.max(wait, tonumber(last[2]) + gap - now)
end
if n >= perHour then
  local o = redis.call('ZRANGE', key, n - perHour, n - perHour, 'WITHSCORES')
  wait = math.max(wait, tonumber(o[2]) + 3600000 - now)
end
local m = redis.call('ZCOUNT', key, now - 60000, '+inf')
if m >= perMinute then
  local o = redis.call('ZRANGE', key, n - perMinute, n - perMinute, 'WITHSCORES')
  wait = math.max(wait, tonumber(o[2]) + 60000 - now)
end
if wait <= 0 then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, 3600000)
  return 0
end
return wait
`;

export class RedisWriteBudget implements WriteBudget {
  private readonly client: Redis;

  constructor(url: string) {
    // A slot not taken in time fails the call's wait (the queue then retries): never block forever.
    this.client = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: true });
    this.client.on('error', () => undefined); // each failed take reports itself to the caller
  }

  /** A `take` for one installation's ContentQueue. */
  forInstallation(installationId: number): (o: Pick<ContentQueueOptions, 'spacingMs' | 'perMinute' | 'perHour'>) => Promise<number> {
    const key = `kreview:writes:${installationId}`;
    return async (o) => {
      const wait = await this.client.eval(TAKE, 1, key, o.spacingMs, o.perMinute, o.perHour, randomUUID());
      return Number(wait);
    };
  }

  close(): void {
    this.client.disconnect();
  }
}
