// Patchwork checks owed, as the outbox keeps mails owed: one row per patch Message-ID, moving
// pending -> sending -> sent | failed. Exactly once: a row is claimed (state 'sending', this run's id)
// and committed before the POST, and marked 'sent' right after it. A row left 'sending' by a run that
// died, or by a POST whose answer never came, is settled by asking patchwork for the patch's checks:
// one like it is there -> sent; else it is posted again. A patch patchwork has not read yet is tried
// again later, with backoff, up to maxAttempts.
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../core/errors.js';
import type { CheckBody, PatchworkClient } from '../sinks/patchwork.js';
import { PatchNotFound } from '../sinks/patchwork.js';
import type { Db } from './open-state.js';

const TABLE = `
CREATE TABLE IF NOT EXISTS patchwork_checks (
  message_id  TEXT PRIMARY KEY,
  instance    TEXT NOT NULL,
  body        TEXT NOT NULL,
  state       TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  patch_id    INTEGER,
  claimed_by  TEXT,
  last_error  TEXT
);
CREATE INDEX IF NOT EXISTS patchwork_checks_due ON patchwork_checks(state, next_at);
`;

export interface ChecksReport {
  posted: string[];
  settled: string[];
  failed: string[];
  errors: string[];
}

interface Row {
  message_id: string;
  instance: string;
  body: string;
  state: string;
  attempts: number;
  patch_id: number | null;
  claimed_by: string | null;
}

export class PatchworkChecks {
  readonly runId = randomUUID();
  maxAttempts = 8;
  baseBackoffMs = 60_000;

  constructor(private readonly db: Db) {
    db.exec(TABLE);
  }

  /** Owes one check for this patch; a second enqueue of the same Message-ID is a no-op. */
  enqueue(messageId: string, instance: string, body: CheckBody, now: number): boolean {
    const r = this.db
      .prepare(`INSERT OR IGNORE INTO patchwork_checks (message_id, instance, body, state, next_at) VALUES (?, ?, ?, 'pending', ?)`)
      .run(messageId, instance, JSON.stringify(body), now);
    return r.changes === 1;
  }

  state(messageId: string): string | null {
    return (this.db.prepare(`SELECT state FROM patchwork_checks WHERE message_id = ?`).pluck().get(messageId) as string | undefined) ?? null;
  }

  /** Posts what is due; `clientFor` gives the client of an instance (null: not configured any more). */
  async dispatch(clientFor: (instance: string) => PatchworkClient | null, now: number): Promise<ChecksReport> {
    const out: ChecksReport = { posted: [], settled: [], failed: [], errors: [] };
    const rows = this.db
      .prepare(`SELECT * FROM patchwork_checks WHERE (state = 'pending' AND next_at <= ?) OR (state = 'sending' AND (claimed_by IS NULL OR claimed_by != ?))`)
      .all(now, this.runId) as Row[];
    for (const row of rows) {
      const client = clientFor(row.instance);
      if (!client) continue;
      const body = JSON.parse(row.body) as CheckBody;
      try {
        const patchId = row.patch_id ?? (await client.findPatch(row.message_id));
        if (row.state === 'sending' && (await client.hasCheck(patchId, body))) {
          this.mark(row.message_id, 'sent', patchId, null);
          out.settled.push(row.message_id);
          continue;
        }
        this.db.prepare(`UPDATE patchwork_checks SET state = 'sending', claimed_by = ?, patch_id = ?, attempts = attempts + 1 WHERE message_id = ?`).run(this.runId, patchId, row.message_id);
        try {
          await client.postCheck(patchId, body);
        } catch (e) {
          // No answer: the check may be there; the next dispatch (any run) asks before posting again.
          this.db.prepare(`UPDATE patchwork_checks SET claimed_by = NULL, last_error = ? WHERE message_id = ?`).run(errorMessage(e), row.message_id);
          throw e;
        }
        this.mark(row.message_id, 'sent', patchId, null);
        out.posted.push(row.message_id);
      } catch (e) {
        const msg = errorMessage(e);
        const attempts = row.attempts + 1;
        if (attempts >= this.maxAttempts) {
          this.mark(row.message_id, 'failed', row.patch_id, msg);
          out.failed.push(row.message_id);
        } else if (this.state(row.message_id) !== 'sending') {
          const wait = this.baseBackoffMs * 2 ** (attempts - 1);
          this.db.prepare(`UPDATE patchwork_checks SET state = 'pending', attempts = ?, next_at = ?, last_error = ? WHERE message_id = ?`).run(attempts, now + wait, msg, row.message_id);
        }
        if (!(e instanceof PatchNotFound)) out.errors.push(`patchwork check for <${row.message_id}>: ${msg}`);
      }
    }
    return out;
  }

  private mark(messageId: string, state: 'sent' | 'failed', patchId: number | null, error: string | null): void {
    this.db.prepare(`UPDATE patchwork_checks SET state = ?, patch_id = ?, claimed_by = NULL, last_error = ? WHERE message_id = ?`).run(state, patchId, error, messageId);
  }
}
