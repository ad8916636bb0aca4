// The headers of patches and cover letters, kept after their review: enough to answer a message
// later (its Message-ID, thread, author, To and Cc, subject) without keeping its diff.
import type { Patch } from '../core/types.js';
import type { Db } from './open-state.js';

export interface MailHead {
  messageId: string;
  /** The thread's root Message-ID (first of References, else In-Reply-To, else itself). */
  thread: string;
  kind: 'patch' | 'cover';
  version: number;
  /** Part number from the subject prefix (`2/7` -> 2; a cover letter is 0), or null. */
  part: number | null;
  receivedAt: number;
  /** The message as a patch without its body and diff (`message`, `trailers`, `files`, `notes` are empty). */
  patch: Patch;
}

export function threadOf(patch: Patch): string {
  return patch.mail?.references[0] ?? patch.mail?.inReplyTo ?? patch.id;
}

/** The patch without what a reply's addressing does not need: body, diff, raw header map. */
export function headOnly(patch: Patch): Patch {
  return {
    ...patch,
    message: '',
    trailers: [],
    notes: '',
    files: [],
    warnings: [],
    mail: patch.mail ? { ...patch.mail, headers: {} } : null,
  };
}

interface Row {
  message_id: string;
  thread: string;
  kind: 'patch' | 'cover';
  version: number;
  part: number | null;
  received_at: number;
  head_json: string;
}

function fromRow(r: Row): MailHead {
  return { messageId: r.message_id, thread: r.thread, kind: r.kind, version: r.version, part: r.part, receivedAt: r.received_at, patch: JSON.parse(r.head_json) as Patch };
}

export class MailHeads {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly threadStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO mail_heads (message_id, thread, kind, version, part, received_at, head_json) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare(`SELECT * FROM mail_heads WHERE message_id = ?`);
    this.threadStmt = db.prepare(`SELECT * FROM mail_heads WHERE thread = ? ORDER BY part, received_at, message_id`);
  }

  add(patch: Patch, kind: 'patch' | 'cover', at: number): void {
    const part = kind === 'cover' ? 0 : patch.prefix.index;
    this.insertStmt.run(patch.id, threadOf(patch), kind, patch.prefix.version, part, at, JSON.stringify(headOnly(patch)));
  }

  get(messageId: string): MailHead | null {
    const r = this.getStmt.get(messageId) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** Every recorded patch and cover letter of a thread, by part number. */
  thread(root: string): MailHead[] {
    return (this.threadStmt.all(root) as Row[]).map(fromRow);
  }
}
