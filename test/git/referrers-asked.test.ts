// Which commits name a commit (Fixes:, reverts, upstream references): the first questions are
// asked of SQLite, one query each; past a few, the reference table is read into memory. Both ways
// must give the same answers in the same order: references of every length (4 digits, 7, 12, a
// full id), several commits naming one, a commit naming two, prefixes that another commit shares
// but does not match. Real git, real SQLite.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryIndex } from '../../src/git/history-index.js';
import { TestRepo } from '../helpers/git-repo.js';

const repo = new TestRepo();
const cache = mkdtempSync(join(tmpdir(), 'kreview-referrers-'));
afterAll(() => {
  repo.remove();
  rmSync(cache, { recursive: true, force: true });
});

type Table = 'fixes' | 'reverts' | 'upstream';

describe('referrerTargets', () => {
  it('answers alike from SQLite and from the table read into memory', async () => {
    const targets: string[] = [];
    for (let i = 0; i < 12; i++) targets.push(repo.commit(`target ${i}\n`, { files: { [`t${i}.c`]: `int t${i};\n` } }));
    const lengths = [4, 7, 12, 40, 5, 9];
    for (let i = 0; i < 40; i++) {
      const a = targets[i % targets.length];
      const b = targets[(i * 7 + 3) % targets.length];
      const lines = [`Fixes: ${a.slice(0, lengths[i % lengths.length])} ("target")`];
      if (i % 3 === 0) lines.push(`Fixes: ${b.slice(0, lengths[(i + 2) % lengths.length])} ("other")`);
      if (i % 5 === 0) lines.push(`(cherry picked from commit ${b})`);
      if (i % 4 === 0) lines.push(`commit ${a.slice(0, 12)} upstream.`);
      const body = i % 6 === 0 ? `Revert "target"\n\nThis reverts commit ${a.slice(0, i % 12 === 0 ? 7 : 40)}.\n\n${lines.join('\n')}\n` : `fix ${i}\n\n${lines.join('\n')}\n`;
      repo.commit(body, { files: { 'f.c': `int f${i};\n` } });
    }
    const gitDir = realpathSync(repo.git('rev-parse', '--absolute-git-dir'));
    const built = HistoryIndex.open(repo.dir, gitDir, cache);
    await built.update();
    built.close();
    const all = repo.git('rev-list', 'HEAD').split('\n');
    for (const table of ['fixes', 'reverts', 'upstream'] as Table[]) {
      // Read into memory: enough questions first that the table is loaded.
      const warm = HistoryIndex.open(repo.dir, gitDir, cache);
      for (let i = 0; i < 300; i++) warm.referrerTargets(table, all[i % all.length]);
      let found = 0;
      for (const oid of all) {
        // A fresh index asks SQLite for its first question.
        const fresh = HistoryIndex.open(repo.dir, gitDir, cache);
        const asked = fresh.referrerTargets(table, oid);
        fresh.close();
        expect(asked, `${table} ${oid}`).toEqual(warm.referrerTargets(table, oid));
        found += asked.length;
      }
      warm.close();
      expect(found, table).toBeGreaterThan(0);
    }
  });
});
