// A daemon's outbox step as its own process, for the crash tests: reads the "list" Maildir where
// sent replies come back, settles orphans, sends what is due, and SIGKILLs itself at the step named.
// argv: <state.db> <smtp port> <list maildir> <crash step|none> <Message-ID to crash on> <orphan grace ms>
import { MaildirSource } from '../../src/sources/maildir.js';
import { SmtpSink } from '../../src/sinks/smtp-sink.js';
import { MessageStore } from '../../src/state/messages.js';
import { openState } from '../../src/state/open-state.js';
import { Outbox } from '../../src/state/outbox.js';
import { peekHeaders } from '../../src/watch/header-scan.js';

const [dbPath, port, maildir, crashAt, crashOn, grace] = process.argv.slice(2);
const db = openState(dbPath);
const messages = new MessageStore(db);
const outbox = new Outbox(db);
outbox.orphanGraceMs = Number(grace);
await new MaildirSource(maildir, 'list').poll(async (batch) => {
  for (const m of batch) {
    const id = peekHeaders(m.raw).messageId;
    if (id) messages.add({ id, source: m.origin, at: Date.now(), kind: 'ignored', lists: [] });
  }
});
// A short answer window, so that the test's last run (grace 0) may settle orphans after ANSWER_MS.
const sink = new SmtpSink({ host: '127.0.0.1', port: Number(port), socketTimeoutMs: 1000 });
await outbox.recover(sink, { seen: (id) => messages.has(id) });
await outbox.dispatch(sink, {
  seen: (id) => messages.has(id),
  onStep: (step, id) => {
    if (step === crashAt && id === crashOn) process.kill(process.pid, 'SIGKILL');
  },
});
await sink.close();
db.close();
