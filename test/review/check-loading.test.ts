// A review with the Fixes checks alone loads neither the lock check nor tree-sitter (about a third
// of a second of start-up for every `kreview review --checks fixes`); asking for lock loads them.
// Run in a process of its own: the modules a test worker already holds say nothing.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PIPELINE = fileURLToPath(new URL('../../src/review/pipeline.ts', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../src/core/config.ts', import.meta.url));

/** The native tree-sitter modules loaded after a mail patch is reviewed with `enable`. */
function treeSitterAfter(enable: string[]): string[] {
  const script = `
    import { createRequire } from 'node:module';
    const { reviewSeries } = await import(${JSON.stringify(PIPELINE)});
    const { defaultConfig } = await import(${JSON.stringify(CONFIG)});
    const patch = { id: 'm1', kind: 'mail', source: 'm', subject: 'x: fix', prefix: { tags: [], isPatch: true, isReply: false, version: 1, index: null, total: null, rfc: false, resend: false, tree: null, summary: 'x: fix' },
      author: { name: 'A', email: 'a@example.org' }, date: null, message: 'x: fix\\n\\nFixes: 123456789012 ("x: add")\\n', trailers: [], notes: '', files: [], baseCommit: null, changeId: null, commit: null, parent: null, mail: null, warnings: [] };
    const series = { id: 's', subject: 'x: fix', version: 1, total: 1, complete: true, missing: [], cover: null, patches: [patch] };
    await reviewSeries(series, { repo: null, config: { ...defaultConfig(), enable: ${JSON.stringify(enable)} } });
    const cache = createRequire(import.meta.url).cache;
    console.log(JSON.stringify(Object.keys(cache).filter((k) => /tree-sitter/.test(k))));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as string[];
}

describe('checks are loaded only when enabled', () => {
  it('fixes alone loads no tree-sitter; lock does', () => {
    expect(treeSitterAfter(['fixes'])).toEqual([]);
    expect(treeSitterAfter(['lock']).length).toBeGreaterThan(0);
  }, 60_000);
});
