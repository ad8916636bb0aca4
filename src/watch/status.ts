// `kreview watch --status`: what the state says, for an operator: what waits, what the outbox owes,
// what was quarantined and why, and the latest warnings and errors.
import { EventLog } from '../state/events.js';
import { MessageStore } from '../state/messages.js';
import type { Db } from '../state/open-state.js';
import { Outbox } from '../state/outbox.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function statusText(db: Db, path: string): string {
  const messages = new MessageStore(db);
  const outbox = new Outbox(db);
  const c = outbox.counts();
  const lines = [
    `state ${path}`,
    `messages waiting for review: ${messages.count('waiting')}`,
    `outbox: ${c.held} held for approval, ${c.pending} pending, ${c.sending} unsettled, ${c.sent} sent, ${c.failed} failed, ${c.cancelled} cancelled, ${c.dropped} dropped`,
  ];
  const owed = db
    .prepare(`SELECT message_id, state, attempts, not_before, last_error FROM outbox WHERE state IN ('held', 'pending', 'sending', 'failed') ORDER BY created_at LIMIT 20`)
    .all() as { message_id: string; state: string; attempts: number; not_before: number; last_error: string | null }[];
  for (const r of owed)
    lines.push(`  <${r.message_id}> ${r.state}, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}${r.state === 'pending' ? `, not before ${iso(r.not_before)}` : ''}${r.last_error ? `: ${r.last_error}` : ''}`);
  const q = messages.quarantined();
  lines.push(`quarantined: ${messages.count('quarantined')}`);
  for (const m of q) lines.push(`  <${m.messageId}> ${JSON.stringify(m.subject)} (${iso(m.receivedAt)}): ${m.reason}`);
  const ev = new EventLog(db).recent(20);
  lines.push(`recent warnings and errors: ${ev.length}`);
  for (const e of ev.reverse()) lines.push(`  ${iso(e.at)} ${e.kind}: ${e.text}`);
  return lines.join('\n') + '\n';
}
