// The daemon on 300 consecutive real messages of linux-btrfs (2025-11; headers as sent, bodies
// re-told: test/fixtures/mail/real/README.md): every patch is taken in and grouped, none is dropped
// as automatic mail (every vger message carries Precedence: bulk), the bots' mails are, and every
// patch ends in a reviewed (or superseded) series.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Watcher } from '../../src/watch/daemon.js';

const dir = mkdtempSync(join(tmpdir(), 'kreview-real-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kreview watch on real list traffic', () => {
  it('takes in and reviews every patch of 300 real linux-btrfs messages', async () => {
    const mbox = join(dir, 'btrfs.mbox');
    copyFileSync(fileURLToPath(new URL('../fixtures/mail/real/btrfs-300.mbox', import.meta.url)), mbox);
    const policy = join(dir, 'policy.yml');
    writeFileSync(
      policy,
      `bot: { name: kreview, address: kreview@bots.example.org }
state: ${join(dir, 'state.db')}
sink: { type: directory, dir: ${join(dir, 'outbox')} }
sources: [ { type: mbox, path: ${mbox}, name: real } ]
timing: { settleSeconds: 0, partialWaitMinutes: 0 }
lists: [ { id: linux-btrfs.vger.kernel.org, mode: enabled } ]
`,
    );
    const w = new Watcher({ policyFile: policy, log: () => {} });
    try {
      const t = await w.tick();
      expect(t.intake.read).toBe(300);
      const rows = w.db.prepare('SELECT kind, state, note FROM messages').all() as { kind: string; state: string; note: string | null }[];
      expect(rows).toHaveLength(300);
      expect(rows.filter((r) => /precedence/i.test(r.note ?? ''))).toEqual([]);
      const ignored = rows.filter((r) => r.kind === 'ignored').map((r) => r.note);
      // Only bots and patchwork-hinted mail (stable AUTOSEL) are left alone.
      expect(ignored.every((n) => /bot|x-patchwork-hint/i.test(n ?? '')), ignored.join('; ')).toBe(true);
      const patches = rows.filter((r) => r.kind === 'patch' || r.kind === 'cover');
      expect(patches.length).toBeGreaterThan(90);
      const left = patches.filter((r) => r.state !== 'reviewed' && r.state !== 'superseded');
      // Only covers whose patches are not in this window of the archive are let go.
      expect(left.every((r) => r.kind === 'cover' && r.state === 'done'), JSON.stringify(left)).toBe(true);
      expect(t.reviewed.length).toBeGreaterThanOrEqual(20);
      // The btrfs-progs series of the window are user space: recorded as such, never reviewed with kernel rules.
      const all = w.db.prepare('SELECT identity, state FROM series').all() as { identity: string; state: string }[];
      const progs = all.filter((r) => r.identity.includes('btrfs-progs')).map((r) => r.state);
      expect(progs.length).toBeGreaterThan(0);
      expect(progs.every((st) => st === 'not reviewed: for btrfs-progs (no rules for that tree)'), progs.join('; ')).toBe(true);
      const answered = w.db.prepare('SELECT raw FROM outbox').pluck().all() as string[];
      expect(answered.filter((raw) => /^Subject: Re: .*btrfs-progs/im.test(raw))).toEqual([]);
    } finally {
      await w.close();
    }
  }, 120_000);
});
