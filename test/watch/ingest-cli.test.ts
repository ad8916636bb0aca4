// `kreview ingest` from an MTA pipe and `kreview watch --once` through the real CLI: a patch on
// stdin is queued, reviewed against a real repository, and its reply lands in the directory outbox.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliAsync } from '../helpers/run-cli.js';
import { WatchWorld, repoListLines, writePassPolicy } from './watch-fixture.js';

const kreview = (args: string[], input?: string) => runCliAsync(args, { input });

describe('kreview ingest and kreview watch --once', { timeout: 240_000 }, () => {
  it('queues a mail from stdin; one pass reviews it and writes the reply to the outbox directory', async () => {
    const world = new WatchWorld();
    const dir = mkdtempSync(join(tmpdir(), 'kreview-cli-'));
    const policy = join(dir, 'policy.yml');
    writePassPolicy(policy, { list: repoListLines(world.repo.dir) });
    const [cover, p1, p2] = world.series(1);
    for (const m of [p2, cover, p1]) {
      const r = await kreview(['ingest', '--config', policy], m.raw);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const once = await kreview(['watch', '--once', '--config', policy]);
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/^read 3 messages \(3 patches, 0 duplicates, 0 undecodable\); reviewed 1 series; queued 1 replies; sent 1\n$/);
    const files = readdirSync(join(dir, 'outbox'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(dir, 'outbox', files[0]), 'utf8');
    expect(eml).toContain(`In-Reply-To: <${p1.id}>`);
    expect(eml).toContain('Auto-Submitted: auto-generated');

    // A second pass has nothing left to do.
    const again = await kreview(['watch', '--once', '--config', policy]);
    expect(again.stdout).toMatch(/^read 0 messages .* queued 0 replies; sent 0\n$/);
  });

  it('an empty stdin is a one-line message and no retry (exit 0); a broken policy is a temporary failure (75)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-cli-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(policy, 'bot: { address: kreview@bots.example.org }\n');
    const empty = await kreview(['ingest', '--config', policy], '');
    expect(empty.stderr).toBe('kreview ingest: no message on stdin\n');
    expect(empty.code).toBe(0);
    writeFileSync(policy, 'bot: [\n');
    const broken = await kreview(['ingest', '--config', policy], 'Subject: x\n\n');
    expect(broken.code).toBe(75);
    expect(broken.stderr).toMatch(/^kreview ingest: policy .*policy\.yml: not valid YAML: .*\n$/);
  });
});
