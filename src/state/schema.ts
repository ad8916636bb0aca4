// The daemon's SQLite schema: what was seen, what waits to be reviewed, what was said, what is owed.
// Every table is keyed so that replaying the same input (a restart, a second list) is a no-op.

export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- One row per Message-ID, however many lists or sources carried it.
CREATE TABLE IF NOT EXISTS messages (
  message_id  TEXT PRIMARY KEY,
  source      TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  -- patch | cover | other (a reply, a non-patch) | ignored (bot, auto-reply, policy) | bad (undecodable)
  kind        TEXT NOT NULL,
  -- waiting (to be grouped and reviewed) | reviewing | reviewed | superseded | done | quarantined (see messages.ts)
  state       TEXT NOT NULL,
  lists       TEXT NOT NULL DEFAULT '[]',
  patch_json  TEXT,
  note        TEXT
);
CREATE INDEX IF NOT EXISTS messages_waiting ON messages(state) WHERE state = 'waiting';
-- The web view's listings of superseded and quarantined messages, newest first.
CREATE INDEX IF NOT EXISTS messages_shown ON messages(state, received_at) WHERE state IN ('superseded', 'quarantined');

-- Who sent each patch and cover letter, to whom, in which thread: kept after the review (the diff
-- is not), so that a review made elsewhere (the GitHub App's, for a kernel-patches-daemon PR) can
-- be mailed as a reply to the right message and people. Small: headers only.
CREATE TABLE IF NOT EXISTS mail_heads (
  message_id  TEXT PRIMARY KEY,
  thread      TEXT NOT NULL,
  kind        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  part        INTEGER,
  received_at INTEGER NOT NULL,
  head_json   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_heads_thread ON mail_heads(thread);

-- Where each source stopped: a public-inbox epoch's last commit, an mbox byte offset.
CREATE TABLE IF NOT EXISTS cursors (source TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Blobs of public-inbox messages already read: a purge rewrites commits, never blobs.
CREATE TABLE IF NOT EXISTS seen_blobs (blob TEXT PRIMARY KEY);

-- Mail handed in by \`kreview ingest\`, drained by the daemon.
CREATE TABLE IF NOT EXISTS incoming (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, raw BLOB NOT NULL);

-- Series reviewed, by identity (author + topic or change-id) across versions.
CREATE TABLE IF NOT EXISTS series (
  key         TEXT PRIMARY KEY,
  identity    TEXT NOT NULL,
  version     INTEGER NOT NULL,
  state       TEXT NOT NULL,
  reviewed_at INTEGER NOT NULL,
  missing     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS series_identity ON series(identity);

-- Which messages made up each reviewed series, so a part that arrives late finds its series.
CREATE TABLE IF NOT EXISTS series_members (message_id TEXT PRIMARY KEY, key TEXT NOT NULL, version INTEGER NOT NULL);

-- Problems already reported for a series identity, so a later version says "still present".
CREATE TABLE IF NOT EXISTS reported (
  identity      TEXT NOT NULL,
  finding_key   TEXT NOT NULL,
  first_version INTEGER NOT NULL,
  last_version  INTEGER NOT NULL,
  PRIMARY KEY (identity, finding_key)
);

-- The outbox: [held ->] pending -> sending -> sent | failed | cancelled, or held -> dropped; the
-- deterministic Message-ID is the key.
CREATE TABLE IF NOT EXISTS outbox (
  message_id      TEXT PRIMARY KEY,
  in_reply_to     TEXT NOT NULL,
  series_key      TEXT NOT NULL,
  series_identity TEXT NOT NULL,
  version         INTEGER NOT NULL,
  list            TEXT NOT NULL,
  thread          TEXT NOT NULL,
  env_from        TEXT NOT NULL,
  env_to          TEXT NOT NULL,
  raw             TEXT NOT NULL,
  state           TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  not_before      INTEGER NOT NULL,
  claimed_by      TEXT,
  claimed_at      INTEGER,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  last_error      TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, not_before);

-- Warnings and errors of the daemon, written as they happen (a killed pass keeps them), for
-- \`kreview watch --status\`; only the newest are kept.
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_reply ON outbox(in_reply_to);
CREATE INDEX IF NOT EXISTS outbox_series ON outbox(series_key);

-- Who approved or dropped a held reply (lists in \`mode: moderated\`), and when.
CREATE TABLE IF NOT EXISTS moderation (message_id TEXT PRIMARY KEY, decision TEXT NOT NULL, decided_at INTEGER NOT NULL, via TEXT NOT NULL);

-- What the web view shows of a reviewed series and of each of its patches: the findings with the
-- lines they quote, kept after the diff is dropped (src/state/review-store.ts); pruned with the series.
-- A series mailed back from its GitHub pull request (serve --mail-policy) has a view but no series row.
CREATE TABLE IF NOT EXISTS series_views (
  key         TEXT PRIMARY KEY,
  lead        TEXT NOT NULL,
  identity    TEXT NOT NULL,
  version     INTEGER NOT NULL,
  reviewed_at INTEGER NOT NULL,
  missing     TEXT NOT NULL,
  subject     TEXT NOT NULL,
  author      TEXT NOT NULL,
  list        TEXT NOT NULL,
  total       INTEGER,
  route       TEXT,
  origin      TEXT
);
CREATE INDEX IF NOT EXISTS series_views_time ON series_views(reviewed_at);
CREATE INDEX IF NOT EXISTS series_views_identity ON series_views(identity);
CREATE INDEX IF NOT EXISTS series_views_lead ON series_views(lead);
CREATE TABLE IF NOT EXISTS patch_reviews (
  message_id TEXT PRIMARY KEY,
  series_key TEXT NOT NULL,
  part       INTEGER,
  subject    TEXT NOT NULL,
  author     TEXT NOT NULL,
  applied    INTEGER,
  base       TEXT NOT NULL,
  findings   TEXT NOT NULL,
  more       INTEGER NOT NULL DEFAULT 0,
  notes      TEXT NOT NULL,
  errors     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS patch_reviews_series ON patch_reviews(series_key);
`;
