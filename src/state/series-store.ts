// Series already reviewed (by identity across versions) and the problems already reported for them.
import { prepared, type Db } from './open-state.js';

export class SeriesStore {
  constructor(private readonly db: Db) {}

  /** The newest version of this series identity reviewed so far, or null. */
  reviewedVersion(identity: string): number | null {
    return (prepared(this.db, `SELECT max(version) FROM series WHERE identity = ?`).pluck().get(identity) as number | null) ?? null;
  }

  /** The reviewed series of this version that one of `messageIds` belonged to (but those in `ignore`), or null. */
  reviewedWith(messageIds: string[], version: number, ignore: ReadonlySet<string> = new Set()): string | null {
    const st = prepared(this.db, `SELECT key FROM series_members WHERE message_id = ? AND version = ?`).pluck();
    for (const id of messageIds) {
      const key = st.get(id, version) as string | undefined;
      if (key !== undefined && !ignore.has(key)) return key;
    }
    return null;
  }

  /** The reviewed series these messages were members of. */
  keysOf(messageIds: string[]): string[] {
    const st = prepared(this.db, `SELECT key FROM series_members WHERE message_id = ?`).pluck();
    return [...new Set(messageIds.map((id) => st.get(id) as string | undefined).filter((k): k is string => k !== undefined))];
  }

  record(key: string, identity: string, version: number, missing: number[], at: number, members: string[] = [], state = 'reviewed'): void {
    const member = prepared(this.db, `INSERT OR IGNORE INTO series_members (message_id, key, version) VALUES (?, ?, ?)`);
    for (const id of members) member.run(id, key, version);
    prepared(this.db, `INSERT INTO series (key, identity, version, state, reviewed_at, missing) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET reviewed_at = excluded.reviewed_at, missing = excluded.missing, state = excluded.state`).run(key, identity, version, state, at, JSON.stringify(missing));
  }

  /** The first earlier version that reported this problem, or null if it is new in `version`. */
  reportedBefore(identity: string, findingKey: string, version: number): number | null {
    const v = prepared(this.db, `SELECT first_version FROM reported WHERE identity = ? AND finding_key = ?`).pluck().get(identity, findingKey) as number | undefined;
    return v !== undefined && v < version ? v : null;
  }

  /** Was this finding mailed on `version` (or a later one) of the series already? A resend of that version is. */
  mailedAt(identity: string, findingKey: string, version: number): boolean {
    const v = prepared(this.db, `SELECT last_version FROM reported WHERE identity = ? AND finding_key = ?`).pluck().get(identity, findingKey) as number | undefined;
    return v !== undefined && v >= version;
  }

  addReported(identity: string, keys: string[], version: number): void {
    const st = prepared(this.db, `INSERT INTO reported (identity, finding_key, first_version, last_version) VALUES (?, ?, ?, ?)
      ON CONFLICT(identity, finding_key) DO UPDATE SET last_version = max(last_version, excluded.last_version),
        first_version = min(first_version, excluded.first_version)`);
    for (const k of keys) st.run(identity, k, version, version);
  }
}
