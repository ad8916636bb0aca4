// Every test worker gets the same git identity and no user or system git config,
// so tests build identical repositories on any machine (CI included).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

const dir = mkdtempSync(join(tmpdir(), 'kreview-gitcfg-'));
const cfg = join(dir, 'gitconfig');
writeFileSync(cfg, '[init]\n\tdefaultBranch = master\n[advice]\n\tdetachedHead = false\n');
Object.assign(process.env, {
  GIT_CONFIG_GLOBAL: cfg,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.org',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.org',
  LC_ALL: 'C',
  TZ: 'UTC',
  KREVIEW_CACHE: join(dir, 'cache'),
});

// Property tests draw the same inputs on every run, so CI never fails by the luck of a draw; a
// failure prints its seed and path. KREVIEW_FC_SEED=random explores (as bench/fuzz.ts does longer).
const seed = process.env.KREVIEW_FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed ? Number(seed) : 20261206 });
