// A daemon killed between the directory sink's write and its rename leaves `<reply>.eml.tmp-<pid>`
// and a reply claimed by a dead run. The next start removes the leftover and the reply goes out
// exactly once; the removal is a warning kept in the state.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emlName } from '../../src/sinks/directory-sink.js';
import { buildRawMail } from '../../src/sinks/mail-format.js';
import { openState } from '../../src/state/open-state.js';
import { Outbox } from '../../src/state/outbox.js';
import { Watcher } from '../../src/watch/daemon.js';

const ID = 'left-1@bots.example.org';

describe('directory sink leftovers', () => {
  it('are removed at start-up, and the reply whose write was cut goes out exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-left-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(policy, 'bot: { address: kreview@bots.example.org }\nstate: state.db\nsink: { type: directory, dir: outbox }\n');
    const raw = buildRawMail({ headers: [['From', 'kreview@bots.example.org'], ['To', 'jane@example.org'], ['Subject', 'Re: x'], ['Message-ID', `<${ID}>`]], text: 'reply\n' });
    const db = openState(join(dir, 'state.db'));
    new Outbox(db).enqueue({ messageId: ID, inReplyTo: 'p@example.org', seriesKey: 's', seriesIdentity: 'i', version: 1, list: 'l', thread: 't', envFrom: 'kreview@bots.example.org', envTo: ['jane@example.org'], raw, notBefore: 0 });
    // What the killed run left: its claim, and the written but never renamed file (its pid is gone).
    db.prepare(`UPDATE outbox SET state = 'sending', claimed_by = 'dead-run', claimed_at = ?, attempts = 1`).run(Date.now());
    db.close();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(dir, 'outbox'));
    writeFileSync(join(dir, 'outbox', `${emlName(ID)}.tmp-${dead}`), raw);
    // A live writer's temporary file is not touched.
    writeFileSync(join(dir, 'outbox', `other.eml.tmp-${process.pid}`), 'in progress');

    const logs: string[] = [];
    const w = new Watcher({ policyFile: policy, log: (m) => logs.push(m) });
    const t = await w.tick();
    const events = w.events.recent();
    await w.close();
    expect(t.outbox.sent).toEqual([ID]);
    expect(readdirSync(join(dir, 'outbox')).sort()).toEqual([emlName(ID), `other.eml.tmp-${process.pid}`].sort());
    expect(readFileSync(join(dir, 'outbox', emlName(ID)), 'utf8')).toBe(raw);
    const line = `outbox directory ${join(dir, 'outbox')}: removed 1 unfinished file of a process that died while writing (${emlName(ID)}.tmp-${dead}); their replies are sent again`;
    expect(logs).toContain(line);
    expect(events.map((e) => e.text)).toContain(line);
  });
});
