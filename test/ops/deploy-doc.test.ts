// docs/deploy.md, done as written: its unit files through `systemd-analyze verify`, its services
// started from their ExecStart= lines (paths moved into a temporary root, ports made free), and
// every command of its `sh` blocks either run (kreview, curl, cp, jq over the daemon's JSON log
// lines; systemctl start/stop on the services started here) or checked against the files it
// names (useradd, git, npm, ln). A command this test does not know fails it: a new line in the
// doc needs its exercise here.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildExample } from '../../src/example/build.js';
import { rsaPrivateKey } from '../app/webhooks.js';
import { parseProm } from '../helpers/prom-text.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { KREVIEW_BIN } from '../helpers/run-cli.js';
import { splitFormatPatch } from '../watch/watch-fixture.js';
import { until } from '../helpers/until.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'kreview-deploy-'));
const running = new Map<string, { child: ChildProcess; output: string }>();
let redis: RedisServer | null = null;

afterAll(async () => {
  for (const r of running.values()) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Block {
  lang: string;
  file: string | null;
  body: string;
}

function blocks(md: string): Block[] {
  return [...md.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1],
    file: /\bfile=(\S+)/.exec(m[2])?.[1] ?? null,
    body: m[3],
  }));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** `key=value` lines of an EnvironmentFile. */
const envOf = (text: string): Record<string, string> =>
  Object.fromEntries(text.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

/** `Key=value` lines of a unit's section, repeatable keys in order. */
function unitValues(unit: string, key: string): string[] {
  return unit.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

describe('docs/deploy.md', () => {
  it('verifies its units, starts its services as written, and runs or checks every command', { timeout: 300_000 }, async () => {
    const all = blocks(DOC);
    const files = new Map(all.filter((b) => b.file).map((b) => [b.file!, b]));
    const units = [...files.values()].filter((b) => b.file!.endsWith('.service'));
    expect(units.map((u) => basename(u.file!)).sort()).toEqual(['kreview-serve.service', 'kreview-watch.service', 'kreview-worker.service']);

    // Every unit as systemd reads it: no unknown key, the programs it runs exist.
    const unitDir = join(tmp, 'units');
    mkdirSync(unitDir);
    for (const u of units) writeFileSync(join(unitDir, basename(u.file!)), u.body);
    const verify = spawnSync('systemd-analyze', ['verify', ...units.map((u) => join(unitDir, basename(u.file!)))], { encoding: 'utf8', cwd: unitDir });
    expect(verify.stderr + verify.stdout).toBe('');
    expect(verify.status).toBe(0);
    const users = new Set(units.flatMap((u) => unitValues(u.body, 'User')));
    expect([...users]).toEqual(['kreview']);

    // The paths of the doc, moved into the temporary root; the ports of the doc, made free.
    const servePort = await freePort();
    const watchPort = await freePort();
    const workerPort = await freePort();
    // The doc's Redis (10.0.0.5) is a real redis-server here; its worker machine (10.0.0.7) is loopback.
    redis = await startRedis();
    const at = (p: string) => join(tmp, p);
    const moved = (s: string) =>
      s
        .replaceAll('/usr/bin/node', process.execPath)
        .replaceAll('/opt/kreview', ROOT)
        .replaceAll('/var/lib/kreview', at('var/lib/kreview'))
        .replaceAll('/var/backups', at('var/backups'))
        .replaceAll('/etc/kreview', at('etc/kreview'))
        .replaceAll('127.0.0.1:3000', `127.0.0.1:${servePort}`)
        .replaceAll('--port 3000', `--port ${servePort}`)
        .replaceAll('127.0.0.1:9464', `127.0.0.1:${watchPort}`)
        .replaceAll('--metrics-port 9464', `--metrics-port ${watchPort}`)
        .replaceAll('redis://10.0.0.5:6379', redis!.url)
        .replaceAll('10.0.0.7:9465', `127.0.0.1:${workerPort}`)
        .replaceAll('--metrics-port 9465 --metrics-host 10.0.0.7', `--metrics-port ${workerPort} --metrics-host 127.0.0.1`);
    for (const d of ['var/lib/kreview', 'var/backups', 'etc/kreview']) mkdirSync(at(d), { recursive: true });
    for (const [file, b] of files) if (file.startsWith('/etc/kreview/')) writeFileSync(moved(file), moved(b.body));
    writeFileSync(at('etc/kreview/app.private-key.pem'), rsaPrivateKey());
    expect(envOf(files.get('/etc/kreview/serve.env')!.body).PRIVATE_KEY_PATH).toBe('/etc/kreview/app.private-key.pem');
    expect(envOf(files.get('/etc/kreview/queue.env')!.body).KREVIEW_QUEUE).toMatch(/^redis:\/\/[^\s/]+:\d+\/\d+$/);

    // The doc's policy mutes every list; the test enables the one its series goes to, against a
    // kernel-like repository, and delivers the series to the policy's Maildir.
    const example = await buildExample();
    const policyFile = at('etc/kreview/policy.yml');
    const policy = readFileSync(policyFile, 'utf8');
    expect(policy).toMatch(/^lists: \[\]/m);
    writeFileSync(policyFile, policy.replace(/^lists: \[\].*$/m, `lists:\n  - { address: linux-btrfs@vger.kernel.org, mode: enabled, minSeverity: note, repo: ${example.dir}, bases: { default: master } }`));
    const maildir = at('var/lib/kreview/Maildir');
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
    const mails = splitFormatPatch(readFileSync(join(ROOT, 'examples', 'fixup-worker.mbox'), 'utf8'));
    mails.forEach((m, i) => writeFileSync(join(maildir, 'new', `${i}.eml`), m.raw));

    /** systemctl's verbs on the services of the doc, done to child processes started as the unit says. */
    const unitFor = (name: string) => {
      const u = units.find((x) => basename(x.file!) === name);
      if (!u) throw new Error(`deploy.md names ${name}, which it does not define`);
      return u;
    };
    const start = (name: string) => {
      const u = unitFor(name);
      let env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      // The environment files were written with their paths moved; Environment= lines are moved here.
      for (const f of unitValues(u.body, 'EnvironmentFile')) env = { ...env, ...envOf(readFileSync(moved(f), 'utf8')) };
      for (const e of unitValues(u.body, 'Environment')) env = { ...env, ...envOf(moved(e)) };
      const [exec] = unitValues(u.body, 'ExecStart');
      expect(exec).not.toMatch(/["'\\$%]/);
      const argv = moved(exec).split(/\s+/);
      const child = spawn(argv[0], argv.slice(1), { env, cwd: env.HOME, stdio: ['ignore', 'pipe', 'pipe'] });
      const r = { child, output: '' };
      child.on('error', (e) => (r.output += `cannot start ${name}: ${e.message}\n`));
      child.stdout!.on('data', (b) => (r.output += b));
      child.stderr!.on('data', (b) => (r.output += b));
      running.set(name, r);
    };
    const stop = async (name: string) => {
      unitFor(name);
      const r = running.get(name)!;
      r.child.kill('SIGTERM');
      await until(`${name} to stop`, () => r.child.exitCode !== null || r.child.signalCode !== null, 60_000);
      // systemd counts an exit by SIGTERM as clean.
      expect(r.child.exitCode === 0 || r.child.signalCode === 'SIGTERM', r.output).toBe(true);
    };

    const commands = all.filter((b) => b.lang === 'sh').flatMap((b) => b.body.trim().split('\n').map((line) => ({ line })));
    const exercised: string[] = [];
    const outbox = at('var/lib/kreview/outbox');
    const replies = () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')).length : 0);
    let repliesBeforeUpgrade = 0;
    for (const { line } of commands) {
      let m: RegExpExecArray | null;
      if ((m = /^sudo useradd --system --home-dir (\S+) --shell \/usr\/sbin\/nologin (\w+)$/.exec(line))) {
        expect(m[2]).toBe('kreview');
        expect(m[1]).toBe('/var/lib/kreview');
        for (const u of units) expect(unitValues(u.body, 'ReadWritePaths')).toEqual([m[1]]);
      } else if ((m = /^sudo git clone \S+ (\S+)$/.exec(line))) {
        expect(m[1]).toBe('/opt/kreview');
      } else if (/^cd \/opt\/kreview && sudo npm ci$/.test(line) || /^cd \/opt\/kreview && sudo git pull --ff-only && sudo npm ci$/.test(line)) {
        // npm ci runs `prepare`, which builds what bin/kreview.js starts.
        expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.prepare).toBe('npm run build');
      } else if ((m = /^sudo ln -s (\S+) \/usr\/local\/bin\/kreview$/.exec(line))) {
        accessSync(moved(m[1]), constants.X_OK);
      } else if ((m = /^sudo systemctl daemon-reload$/.exec(line))) {
        // The units were verified above.
      } else if ((m = /^sudo systemctl (enable --now|start|stop) ((?:kreview-\w+\.service ?)+)$/.exec(line))) {
        for (const name of m[2].trim().split(' ')) {
          if (m[1] === 'stop') await stop(name);
          else start(name);
        }
      } else if ((m = /^curl -fsS (\S+)$/.exec(line))) {
        const url = moved(m[1]);
        const body = await until(`${line} (${[...running.values()].map((r) => r.output).join('')})`, () => {
          const r = spawnSync('curl', ['-fsS', url], { encoding: 'utf8' });
          return r.status === 0 ? r.stdout : null;
        });
        expect(JSON.parse(body)).toMatchObject({ ok: true });
      } else if ((m = /^sudo -u kreview kreview (.+)$/.exec(line))) {
        const r = spawnSync(process.execPath, [KREVIEW_BIN, ...moved(m[1]).split(' ')], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).not.toBe('');
      } else if ((m = /^sudo journalctl -u (\S+) -o cat \| jq -c '(.+)'$/.exec(line))) {
        const out = () => running.get(m![1])?.output ?? '';
        unitFor(m[1]);
        const messageId = /"([^"]+@[^"]+)"/.exec(m[2])![1];
        expect(mails[0].id).toBe(messageId);
        await until(`the review of <${messageId}> (${out()})`, () => out().includes(': reviewed in '));
        const jq = spawnSync('jq', ['-c', m[2]], { input: out(), encoding: 'utf8' });
        expect(jq.status, jq.stderr).toBe(0);
        const lines = jq.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; messageId: string });
        expect(lines.some((l) => / reviewed in [\d.]+ s, \d+ repl/.test(l.msg))).toBe(true);
        repliesBeforeUpgrade = await until('the replies', () => replies());
      } else if ((m = /^sudo cp -a (\S+) (\S+)$/.exec(line))) {
        execFileSync('cp', ['-a', moved(m[1]), moved(m[2])]);
        expect(existsSync(join(moved(m[2]), 'watch.db'))).toBe(true);
      } else {
        throw new Error(`deploy.md: a command this test does not exercise: ${line}`);
      }
      exercised.push(line);
    }
    expect(exercised).toHaveLength(commands.length);

    // After the upgrade's start: both answer again, Prometheus' job scrapes both, and its workers' job the worker.
    const targetsOf = (file: string) =>
      (parseYaml(files.get(file)!.body) as { scrape_configs: { static_configs: { targets: string[] }[] }[] }).scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    const targets = targetsOf('/etc/prometheus/kreview.yml');
    expect(targets).toEqual(['127.0.0.1:3000', '127.0.0.1:9464']);
    const workerTargets = targetsOf('/etc/prometheus/kreview-workers.yml');
    expect(workerTargets).toEqual(['10.0.0.7:9465']);
    for (const t of [...targets, ...workerTargets]) {
      const base = `http://${moved(t)}`;
      const text = await until(`${base}/metrics`, async () => {
        const r = await fetch(`${base}/metrics`).catch(() => null);
        return r?.ok ? r.text() : null;
      });
      if (workerTargets.includes(t)) expect(parseProm(text).some((s) => s.name === 'kreview_queue_depth' && s.labels.queue === 'series-jobs')).toBe(true);
      expect(parseProm(text).some((s) => s.name === 'kreview_process_cpu_seconds_total')).toBe(true);
    }
    // The restarted daemon made a pass (its /healthz says so) and answered nothing a second time.
    expect(JSON.parse(spawnSync('curl', ['-fsS', `http://127.0.0.1:${watchPort}/healthz`], { encoding: 'utf8' }).stdout)).toMatchObject({ ok: true });
    expect(replies()).toBe(repliesBeforeUpgrade);
    for (const name of ['kreview-serve.service', 'kreview-watch.service', 'kreview-worker.service']) await stop(name);
    expect(dirname(policyFile)).toBe(at('etc/kreview'));
  });
});
