// Test support for the Fixes: checker: patches built from real commits or from a message, a
// workspace over a real History, and the check run on them.
import { defaultConfig, type FixesConfig } from '../../src/core/config.js';
import { createWorkspace } from '../../src/git/workspace.js';
import type { Finding, MailInfo, Patch, Person } from '../../src/core/types.js';
import type { History } from '../../src/git/history-types.js';
import { patchFromCommit } from '../../src/patch/commit.js';
import { parseTrailers } from '../../src/patch/trailers.js';
import type { TestRepo } from '../../test/helpers/git-repo.js';
import { fixesTagCheck } from './index.js';

/** A commit of `repo` as the git-range source sees it (diff included). */
export function commitPatch(repo: TestRepo, oid: string): Patch {
  const [parents, name, email, date] = repo.git('log', '-1', '--format=%P%x00%an%x00%ae%x00%at', oid).split('\0');
  return patchFromCommit({
    oid,
    parents: parents.split(' ').filter(Boolean),
    author: { name, email },
    date: Number(date),
    rawMessage: repo.git('log', '-1', '--format=%B', oid),
    diffText: repo.git('show', '--format=', '--no-color', oid),
    source: `test@${oid.slice(0, 12)}`,
  });
}

export interface MailOptions {
  notes?: string;
  to?: Person[];
  cc?: Person[];
  from?: Person;
}

/** A patch mail carrying `message` (summary line, body, trailers), with To/Cc when given. */
export function messagePatch(message: string, opts: MailOptions = {}): Patch {
  const p = patchFromCommit({ oid: '', parents: [], author: opts.from ?? ME, date: null, rawMessage: message, source: 'test.mbox#1' });
  const mail: MailInfo = {
    messageId: 'test@example.org',
    from: opts.from ?? ME,
    replyTo: [],
    to: opts.to ?? [],
    cc: opts.cc ?? [],
    inReplyTo: null,
    references: [],
    listIds: [],
    autoSubmitted: false,
    headers: {},
  };
  return { ...p, id: mail.messageId, kind: 'mail', commit: null, notes: opts.notes ?? '', mail, trailers: parseTrailers(p.message) };
}

export const ME: Person = { name: 'Pat Sender', email: 'pat@example.org' };

export async function runFixes(
  patch: Patch,
  history: History | null,
  base: string | null,
  fixes: Partial<FixesConfig> = {},
): Promise<Finding[]> {
  const config = defaultConfig();
  config.fixes = { ...config.fixes, ...fixes };
  const series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
  // A commit's base is its parent; a mail's is the given revision (the --base option).
  const workspace = await createWorkspace(patch, {
    repo: history?.repo ?? null,
    history,
    ...(patch.kind === 'mail' && base ? { base } : {}),
  });
  return fixesTagCheck.run({ patch, series, workspace, config });
}

/** A commit message with a body and the given trailer lines above the Signed-off-by. */
export function message(trailers: string[], body = 'The frobnicator misbehaves when frobbing twice.', subject = 'foo: fix double frobbing'): string {
  return `${subject}\n\n${body}\n\n${[...trailers, `Signed-off-by: ${ME.name} <${ME.email}>`].join('\n')}\n`;
}
