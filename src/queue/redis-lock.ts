// Reviews of one pull request, one at a time across every worker on a Redis: a lock per PR with a
// lease. BullMQ's open-source queue has no per-group concurrency (its groups are BullMQ Pro's) and
// its deduplication only drops a second job with the same id; a recheck or a newer push is a job of
// its own and may reach a second worker while the first is still reviewing the PR. The lease is
// renewed while the review runs; a worker killed mid-review stops renewing it, and the lock lapses.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** Extends the lease when the lock is still this holder's. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Gives the lock back when it is still this holder's (never another's, taken after a lapse). */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface RedisLockOptions {
  /** How long a holder that stopped renewing (killed) keeps others out. */
  leaseMs: number;
  /** How often a waiter asks again. */
  pollMs: number;
  log: (line: string) => void;
}

export class RedisLocks {
  private readonly client: Redis;
  private readonly o: RedisLockOptions;

  constructor(url: string, opts: Partial<RedisLockOptions> = {}) {
    this.o = { leaseMs: 30_000, pollMs: 250, log: (line) => process.stderr.write(`kreview queue: ${line}\n`), ...opts };
    // A command may wait for Redis to come back; the review waits with it rather than run unlocked.
    this.client = new Redis(url, { maxRetriesPerRequest: null });
    let said = '';
    this.client.on('error', (e: Error) => {
      if (e.message !== said) this.o.log(`redis: ${(said = e.message)}`);
    });
    this.client.on('ready', () => (said = ''));
  }

  /** Runs `fn` holding the lock `name`, waiting for it first; `onWait` is told once when another holds it. */
  async with<T>(name: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
    const key = `kreview:lock:${name}`;
    const token = randomUUID();
    for (let told = false; (await this.client.set(key, token, 'PX', this.o.leaseMs, 'NX')) !== 'OK'; ) {
      if (!told) onWait?.();
      told = true;
      await new Promise((r) => setTimeout(r, this.o.pollMs));
    }
    const renew = setInterval(() => {
      this.client.eval(RENEW, 1, key, token, this.o.leaseMs).then(
        (held) => Number(held) === 1 || this.o.log(`the lock on ${name} lapsed while held (the process stalled past ${this.o.leaseMs / 1000} s)`),
        (e: Error) => this.o.log(`cannot renew the lock on ${name}: ${e.message}`),
      );
    }, this.o.leaseMs / 3);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.client.eval(RELEASE, 1, key, token).catch((e: Error) => this.o.log(`cannot release the lock on ${name} (it lapses in ${this.o.leaseMs / 1000} s): ${e.message}`));
    }
  }

  close(): void {
    this.client.disconnect();
  }
}
