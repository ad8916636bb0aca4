// The mail daemon's series reviews through the job queue: `kreview watch --queue redis://` feeding
// two `kreview worker` processes through a real redis-server, one of them SIGKILLed in the middle of
// a review. Every patch with findings is answered exactly once, in the daemon's directory sink.
//
// The killed review is held at a known point by a real named pipe: its list's MAINTAINERS file is a
// FIFO, which a worker reads at the start of the review and which blocks until the test writes to
// it. The first worker to open it is killed there; the test writes the file for the second, then puts
// a plain file with the same text in its place.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KREVIEW_BIN } from '../helpers/run-cli.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { LIST, WatchWorld, type Mail } from '../watch/watch-fixture.js';
import { until } from '../helpers/until.js';

const VICTIM_LIST = 'linux-fsdevel@lists.example.org';
const procs: ChildProcess[] = [];
let redis: RedisServer | null = null;

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await redis?.stop();
});

/** The fixture's series made into series `k`: its own Message-IDs and subjects, to `list`. */
function variant(mails: Mail[], k: number, list: string): Mail[] {
  return mails.map((m) => {
    const raw = m.raw
      .replace(/<([^<>@\s]+@[^<>\s]+)>/g, (_, id: string) => `<s${k}.${id}>`)
      .replace(/fixup worker/g, `fixup worker ${k}`)
      .replaceAll(LIST, list);
    return { raw, id: `s${k}.${m.id}` };
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, [KREVIEW_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env } });
  procs.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return { child, out: () => out };
}

describe('kreview watch --queue', () => {
  it('a daemon feeding two workers on Redis, one killed mid-review: every patch answered exactly once', { timeout: 300_000 }, async () => {
    const world = new WatchWorld();
    const root = world.inbox.root;
    const md = join(root, 'md');
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(md, d), { recursive: true });
    const base = world.series(1);
    // Series 0 goes to the list whose MAINTAINERS is the pipe; 1-3 to the other.
    const series = [0, 1, 2, 3].map((k) => variant(base, k, k === 0 ? VICTIM_LIST : LIST));
    series.flat().forEach((m, i) => writeFileSync(join(md, 'new', `${i}.eml`), m.raw));
    const fifo = join(root, 'MAINTAINERS.pipe');
    execFileSync('mkfifo', [fifo]);
    const list = (address: string, extra = '') => `  - { address: ${address}, mode: enabled, minSeverity: note, repo: ${world.repo.dir}, bases: { default: master }${extra} }\n`;
    const policy = join(root, 'policy.yml');
    writeFileSync(
      policy,
      `bot: { name: kreview, address: kreview@bots.example.org }
state: state.db
sink: { type: directory, dir: outbox }
sources: [ { type: maildir, path: ${md}, name: md } ]
timing: { settleSeconds: 0, partialWaitMinutes: 0 }
lists:
${list(LIST)}${list(VICTIM_LIST, `, maintainers: ${fifo}`)}`,
    );

    redis = await startRedis();
    // A dead worker's job goes to the other once its 4 s lock lapses. (Shorter, a live worker on a
    // loaded machine lost its lock during seconds of module loading, and ran its job a second time.)
    const env = { KREVIEW_QUEUE_LOCK_MS: '4000' };
    const workers = ['a', 'b'].map((w) => run(['worker', '--queue', redis!.url, '--concurrency', '1', '--cache', join(root, `worker-${w}`)], env));
    await until(`the workers (${workers.map((w) => w.out()).join('\n')})`, () => workers.every((w) => w.out().includes('mailed series only')));
    const watch = run(['watch', '--config', policy, '--queue', redis.url], env);
    const everyone = () => [watch, ...workers].map((p) => p.out()).join('\n');

    // The first worker to start the pipe's series is killed there; the other then takes it.
    const victimLead = series[0][0].id;
    const victim = await until(`a worker to start <${victimLead}> (${everyone()})`, () => workers.find((w) => startedOn(w, victimLead)));
    victim.child.kill('SIGKILL');
    const survivor = workers.find((w) => w !== victim)!;
    await until(`the survivor to take <${victimLead}> over (${everyone()})`, () => startedOn(survivor, victimLead));
    const maintainers = 'BTRFS FILE SYSTEM\nM:\tDavid Sterba <dsterba@suse.com>\nL:\tlinux-btrfs@vger.kernel.org\nS:\tMaintained\nF:\tfs/btrfs/\n';
    await writeFile(fifo, maintainers);
    // The pipe holds one review once; a plain file with the same text takes its place for any later
    // read (a job run again after its lock lapsed on a machine this loaded, or a reader the kill raced).
    writeFileSync(`${fifo}.file`, maintainers);
    renameSync(`${fifo}.file`, fifo);

    const outbox = join(root, 'outbox');
    const replies = () => {
      try {
        return readdirSync(outbox).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(join(outbox, f), 'utf8'));
      } catch {
        return [];
      }
    };
    // Patch 1/2 of each series has findings (a Fixes: subject that is wrong, a reservation under the page lock).
    const answered = (m: Mail) => replies().filter((r) => new RegExp(`^In-Reply-To: <${m.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>`, 'im').test(r));
    await until(`a reply to every series (${everyone()})`, () => series.every((s) => answered(s[1]).length > 0), 180_000);
    expect(victim.child.signalCode).toBe('SIGKILL');
        expect(survivor.out()).toMatch(/series review done/);

    // Let anything still in flight land, then count: one reply per patch with findings, none to the rest.
    await new Promise((r) => setTimeout(r, 3000));
    for (const s of series) {
      expect(answered(s[1]), `replies to <${s[1].id}>`).toHaveLength(1);
      expect(answered(s[0]), `replies to the cover <${s[0].id}>`).toHaveLength(0);
      expect(answered(s[2]), `replies to <${s[2].id}>`).toHaveLength(0);
    }
    expect(replies()).toHaveLength(series.length);
    // The daemon reviewed nothing itself, and the pipe's series came back with its findings.
    expect(watch.out()).toMatch(/series are reviewed by the workers of redis:/);
    const victimReply = answered(series[0][1])[0];
    expect(victimReply).toMatch(/Fixes:/);
    expect(victimReply).toMatch(/page lock|lock_page/);

    watch.child.kill('SIGTERM');
    survivor.child.kill('SIGTERM');
    await until('the daemon and the worker to stop', () => watch.child.exitCode !== null && survivor.child.exitCode !== null, 60_000);
    expect(watch.child.exitCode, watch.out()).toBe(0);
    expect(survivor.child.exitCode, survivor.out()).toBe(0);
  });
});

describe('kreview watch --queue sqlite:FILE', () => {
  it('one pass hands the series to a worker on the same file and mails its review from the daemon\'s outbox', { timeout: 240_000 }, async () => {
    const world = new WatchWorld();
    const root = world.inbox.root;
    const md = join(root, 'md');
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(md, d), { recursive: true });
    const mails = world.series(1);
    mails.forEach((m, i) => writeFileSync(join(md, 'new', `${i}.eml`), m.raw));
    const policy = join(root, 'policy.yml');
    writeFileSync(
      policy,
      `bot: { name: kreview, address: kreview@bots.example.org }
state: state.db
sink: { type: directory, dir: outbox }
sources: [ { type: maildir, path: ${md}, name: md } ]
timing: { settleSeconds: 0, partialWaitMinutes: 0 }
lists:
  - { address: ${LIST}, mode: enabled, minSeverity: note, repo: ${world.repo.dir}, bases: { default: master } }
`,
    );
    const queue = `sqlite:${join(root, 'jobs.sqlite')}`;
    const worker = run(['worker', '--queue', queue, '--concurrency', '1', '--cache', join(root, 'worker')], {});
    const once = run(['watch', '--config', policy, '--queue', queue, '--once'], {});
    await until(`the pass (${once.out()}\n${worker.out()})`, () => once.child.exitCode !== null, 180_000);
    expect(once.child.exitCode, once.out()).toBe(0);
    expect(once.out()).toMatch(/reviewed 1 series; queued 1 replies; sent 1/);
    expect(worker.out()).toContain(`series review done: <${mails[0].id}>`);
    const replies = readdirSync(join(root, 'outbox')).filter((f) => f.endsWith('.eml'));
    expect(replies).toHaveLength(1);
    expect(readFileSync(join(root, 'outbox', replies[0]), 'utf8')).toMatch(new RegExp(`^In-Reply-To: <${mails[1].id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>`, 'im'));
    worker.child.kill('SIGTERM');
    await until('the worker to stop', () => worker.child.exitCode !== null, 30_000);
  });
});

/** Has this worker started the review of the series led by `messageId`? */
const startedOn = (w: { out: () => string }, messageId: string): boolean => w.out().includes(`series review started: <${messageId}>`);
