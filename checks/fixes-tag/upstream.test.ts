// A mirror's Fixes: ids checked in the tree it mirrors (`fixes.upstream`), as libbpf's tags name
// kernel commits: two real repositories, the upstream and a mirror holding copies of some of its
// commits under other ids, and the check run on a patch of the mirror; then the real CLI with the
// upstream named in a config file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { TestRepo } from '../../test/helpers/git-repo.js';
import { runCli } from '../../test/helpers/run-cli.js';
import { message, messagePatch, runFixes } from './test-support.js';

const upstream = new TestRepo();
const mirror = new TestRepo();
const lone = new TestRepo();
const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-upstream-'));
let history: History;
let up: Record<'helper' | 'loader' | 'verifier', string>;

beforeAll(async () => {
  up = {
    helper: upstream.commit('bpf: add the map helper\n', { files: { 'kernel/bpf/map.c': 'int map;\n' } }),
    loader: upstream.commit('libbpf: add the loader\n', { files: { 'tools/lib/bpf/loader.c': 'int loader;\n' } }),
    verifier: upstream.commit('bpf: check the verifier state\n', { files: { 'kernel/bpf/verifier.c': 'int v;\n' } }),
  };
  // The mirror: its own root, then the upstream's libbpf change copied (same subject, another id).
  mirror.commit('Initial commit\n', { files: { 'README': 'libbpf\n' } });
  mirror.commit('libbpf: add the loader\n', { files: { 'src/loader.c': 'int loader;\n' } });
  lone.commit('Import of the tree as released\n', { files: { 'kernel/bpf/map.c': 'int map;\n' } });
  history = await openHistory(mirror.dir, { cacheDir });
}, 60_000);

afterAll(async () => {
  await history?.close();
  for (const r of [upstream, mirror, lone]) r.remove();
});

const line = (oid: string, subject: string, digits = 12) => `Fixes: ${oid.slice(0, digits)} ("${subject}")`;

describe('fixes.upstream: ids that name no commit here are checked in the mirrored tree', () => {
  it('a right tag raises nothing; a wrong subject, an id in neither tree and a short id are said as for a local commit', async () => {
    const tags = [
      line(up.helper, 'bpf: add the map helper'),
      line(up.loader, 'libbpf: add the wrong thing'),
      'Fixes: 0123456789ab ("bpf: never was")',
      line(up.verifier, 'bpf: check the verifier state', 8),
    ];
    const f = await runFixes(messagePatch(message(tags)), history, null, { upstream: upstream.dir });
    const at = (id: string) => f.filter((x) => x.id === id);
    expect(f.map((x) => x.id).sort()).toEqual(['fixes/short-sha', 'fixes/subject-mismatch', 'fixes/unknown-sha']);
    expect(at('fixes/subject-mismatch')[0].suggestion).toBe(upstream.fixesLine(up.loader));
    expect(at('fixes/subject-mismatch')[0].severity).toBe('warning');
    expect(at('fixes/unknown-sha')[0].severity).toBe('error');
    expect(at('fixes/unknown-sha')[0].explanation).toContain(`in this repository or in its upstream ${upstream.dir}`);
    expect(at('fixes/short-sha')[0].suggestion).toBe(upstream.fixesLine(up.verifier));
  });

  it('without an upstream, one note names the ids and says how to check them', async () => {
    const f = await runFixes(messagePatch(message([line(up.helper, 'bpf: add the map helper')])), history, null, { mirror: 'yes' });
    expect(f.map((x) => x.id)).toEqual(['fixes/upstream-id']);
    expect(f[0].explanation).toContain('fixes.upstream');
  });

  it('an upstream that is no repository, or has no history, leaves the same note with the reason', async () => {
    const notRepo = mkdtempSync(join(tmpdir(), 'kreview-not-a-repo-'));
    const bad = await runFixes(messagePatch(message([line(up.helper, 'bpf: add the map helper')])), history, null, { upstream: notRepo });
    expect(bad.map((x) => x.id)).toEqual(['fixes/upstream-id']);
    expect(bad[0].explanation).toContain(`The upstream ${notRepo} could not be opened`);
    const flat = await runFixes(messagePatch(message([line(up.helper, 'bpf: add the map helper')])), history, null, { upstream: lone.dir });
    expect(flat.map((x) => x.id)).toEqual(['fixes/upstream-id']);
    expect(flat[0].explanation).toContain('has no history');
  });

  it('mirror: no keeps every unknown id an error, upstream or not', async () => {
    const f = await runFixes(messagePatch(message([line(up.helper, 'bpf: add the map helper')])), history, null, { upstream: upstream.dir, mirror: 'no' });
    expect(f.map((x) => x.id)).toEqual(['fixes/unknown-sha']);
  });

  it('the CLI reads the upstream from --config and exits when done', () => {
    const fix = mirror.commit(`libbpf: fix the loader\n\nIt broke.\n\n${line(up.loader, 'libbpf: add the wrong thing')}\n${line(up.helper, 'bpf: add the map helper')}\nSigned-off-by: Pat <pat@example.org>\n`, {
      files: { 'src/loader.c': 'int loader = 1;\n' },
    });
    const config = join(cacheDir, 'kreview.yml');
    writeFileSync(config, `fixes:\n  upstream: ${upstream.dir}\n`);
    const r = runCli(['review', '--repo', mirror.dir, '--config', config, '--checks', 'fixes', '--format', 'json', `${fix}^!`], { env: { KREVIEW_CACHE: cacheDir } });
    expect(r.stderr).toBe('');
    const findings = (JSON.parse(r.stdout) as { series: { patches: { findings: { id: string; suggestion?: string }[] }[] }[] }).series[0].patches[0].findings;
    expect(findings.map((x) => x.id)).toEqual(['fixes/subject-mismatch']);
    expect(findings[0].suggestion).toBe(upstream.fixesLine(up.loader));
  }, 60_000);
});
