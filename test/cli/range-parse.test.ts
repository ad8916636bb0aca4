// Commits of a range that change a declaration at file scope, or a function's head, next to a
// function's body: the lock check parses the changed functions, not the whole file (issue 13 item
// 4: whole-file parses were most of a range review's time). Where a parse of the whole file finds
// them comes from the file's facts, made once per content; the findings stay the same.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReview } from '../../src/cli/review-command.js';
import { defaultConfig } from '../../src/core/config.js';
import { parseC } from '../../src/c/parse.js';
import { loadRules } from '../../checks/lock/rules-load.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
let base: string;

const filler = Array.from({ length: 400 }, (_, k) => `static int filler_${k}(int x)\n{\n\treturn x * ${k} + 1;\n}\n\n`).join('');
/** A file of 400 small functions and one that reserves space; `n` is a file-scope declaration's value. */
const file = (n: number, reserve: boolean): string =>
  `#include <linux/mm.h>\n\nint version = ${n};\n\n${filler}` +
  `static void fixup(struct inode *inode, struct page *page)\n{\n\tlock_page(page);\n${reserve ? '\tbtrfs_delalloc_reserve_space(inode, NULL, 0, PAGE_SIZE);\n' : ''}\tunlock_page(page);\n}\n`;

beforeAll(() => {
  repo = new TestRepo();
  base = repo.commit('btrfs: add fixup\n\nSigned-off-by: A <a@example.org>\n', { files: { 'fs/btrfs/inode.c': file(0, false) } });
  repo.commit('btrfs: reserve in fixup\n\nSigned-off-by: A <a@example.org>\n', { files: { 'fs/btrfs/inode.c': file(1, true) } });
  repo.commit('btrfs: bump the version\n\nSigned-off-by: A <a@example.org>\n', { files: { 'fs/btrfs/inode.c': file(2, true) } });
});

afterAll(() => repo.remove());

describe('a range review parses what changed', { timeout: 120_000 }, () => {
  it('a change at file scope costs no parse of the whole file, and the finding is the same', async () => {
    const Parser = createRequire(import.meta.url)('tree-sitter') as { prototype: { parse: (...a: unknown[]) => object } };
    const parse = Parser.prototype.parse;
    // Warm: the facts of both versions are made (and cached) by a first review.
    await runReview([`${base}..HEAD`], { repo: repo.dir }, defaultConfig());
    // The parser keeps its last few files: out with them.
    const syntax = loadRules().model.syntax;
    for (let i = 0; i < 8; i++) parseC(`int other_${i}(void)\n{\n\treturn ${i};\n}\n`, syntax);
    const parsed: number[] = [];
    Parser.prototype.parse = function (this: unknown, ...args: unknown[]) {
      parsed.push(typeof args[0] === 'string' ? args[0].replace(/\s+/g, '').length : 0);
      return parse.apply(this, args);
    };
    let run;
    try {
      run = await runReview([`${base}..HEAD`], { repo: repo.dir }, defaultConfig());
    } finally {
      Parser.prototype.parse = parse;
    }
    const findings = run.reviews[0].patches.map((p) => p.findings.map((f) => f.id));
    expect(findings[0]).toContain('lock/reserve-under-page-lock');
    expect(findings[1]).toEqual([]);
    // The whole file is some 14,000 characters of code; only the changed function was parsed.
    const whole = file(1, true).replace(/\s+/g, '').length;
    expect(parsed.length).toBeGreaterThan(0);
    expect(Math.max(...parsed)).toBeLessThan(whole / 10);
  });
});
