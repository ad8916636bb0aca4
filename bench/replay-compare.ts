// Are two replays' outcomes the same, row for row? Compares the state databases of two
// `bench/replay-bench.ts --dir D` runs of the same messages (e.g. main's CLI and this tree's): the
// stored patch reviews (findings, bases, applied, notes, errors), the series views and series
// states, the replies queued (their raw text but the Date line), the findings reported, and each
// message's kind, state and note. Times of review and sending are left out: they differ by run, as
// does which messages a SIGKILL found under review.
// Run by hand: npx tsx bench/replay-compare.ts A/state.db B/state.db
import Database from 'better-sqlite3';

const [a, b] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: replay-compare.ts A/state.db B/state.db');

const TABLES: Record<string, string> = {
  patch_reviews: 'SELECT message_id, series_key, part, subject, author, applied, base, findings, more, notes, errors FROM patch_reviews ORDER BY message_id',
  series_views: 'SELECT key, lead, identity, version, missing, subject, author, list, total, route, origin FROM series_views ORDER BY key',
  series: 'SELECT key, identity, version, state, missing FROM series ORDER BY key',
  outbox: "SELECT message_id, in_reply_to, series_key, series_identity, version, list, thread, env_from, env_to, regexp_date(raw) AS raw, state FROM outbox ORDER BY message_id",
  reported: 'SELECT identity, finding_key, first_version, last_version FROM reported ORDER BY identity, finding_key',
  // Which series was under review at a SIGKILL depends on when the kill landed: that note is left out.
  messages: "SELECT message_id, kind, state, nullif(note, 'interrupted once: the process died during its review') AS note FROM messages ORDER BY message_id",
};

function rows(file: string, sql: string): string[] {
  const d = new Database(file, { readonly: true, fileMustExist: true });
  try {
    d.function('regexp_date', (raw: unknown) => String(raw).replace(/^Date: .*$/m, 'Date: -'));
    return (d.prepare(sql).all() as Record<string, unknown>[]).map((r) => JSON.stringify(r));
  } finally {
    d.close();
  }
}

let same = true;
for (const [table, sql] of Object.entries(TABLES)) {
  const x = rows(a, sql);
  const y = rows(b, sql);
  const ys = new Set(y);
  const xs = new Set(x);
  const onlyA = x.filter((r) => !ys.has(r));
  const onlyB = y.filter((r) => !xs.has(r));
  const ok = !onlyA.length && !onlyB.length;
  same &&= ok;
  console.log(`${table}: ${x.length} rows against ${y.length}: ${ok ? 'identical' : `${onlyA.length} only in the first, ${onlyB.length} only in the second`}`);
  for (const r of [...onlyA.slice(0, 3).map((r) => `  first:  ${r}`), ...onlyB.slice(0, 3).map((r) => `  second: ${r}`)]) console.log(r.slice(0, 400));
}
console.log(same ? 'same outcome, row for row' : 'DIFFERENT');
process.exitCode = same ? 0 : 1;
