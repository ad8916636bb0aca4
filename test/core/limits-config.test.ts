// The hard limits are set where configs are read: `limits:` in a review config (--config, the
// policy's `review:`) and at the top of a watch policy; a bad entry is one line naming file and key.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, mergeConfig } from '../../src/core/config.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { buildConfig } from '../../src/cli/review-command.js';
import { MaildirSource } from '../../src/sources/maildir.js';
import { DAEMON_LIMITS, parsePolicy } from '../../src/watch/policy.js';
import type { RawMessage } from '../../src/watch/raw-message.js';

const BOT = 'bot:\n  address: kreview@bots.example.org\n';

describe('limits in configs', () => {
  it('a review config starts from the defaults and takes a partial override', () => {
    expect(defaultConfig().limits).toEqual(DEFAULT_LIMITS);
    const c = mergeConfig(defaultConfig(), { limits: { hunksPerFile: 10 } } as never);
    expect(c.limits).toEqual({ ...DEFAULT_LIMITS, hunksPerFile: 10 });
  });

  it('--config reads limits:, and a wrong one names the file and the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-limits-'));
    const good = join(dir, 'good.yml');
    writeFileSync(good, 'limits:\n  reviewMsPerPatch: 500\n  lineLength: 100\n');
    expect(buildConfig({ config: good }).limits).toEqual({ ...DEFAULT_LIMITS, reviewMsPerPatch: 500, lineLength: 100 });
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'limits:\n  hunksPerFle: 5\n');
    expect(() => buildConfig({ config: bad })).toThrow(`config ${bad}: limits.hunksPerFle: not a limit (known: messageBytes, hunksPerFile`);
    writeFileSync(bad, 'limits:\n  messageBytes: -1\n');
    expect(() => buildConfig({ config: bad })).toThrow(`config ${bad}: limits.messageBytes: needs a whole number above 0`);
    writeFileSync(bad, 'limits: 5\n');
    expect(() => buildConfig({ config: bad })).toThrow(`config ${bad}: limits: must be a mapping of limit names to numbers`);
  });

  it('a watch policy takes limits: at the top, and review.limits on top of that', () => {
    const p = parsePolicy(`${BOT}limits:\n  messageBytes: 1000\n  findingsPerMail: 3\nreview:\n  limits:\n    findingsPerMail: 9\n`, '/etc/kreview/policy.yml');
    expect(p.limits).toEqual({ ...DAEMON_LIMITS, messageBytes: 1000, findingsPerMail: 9 });
    expect(p.review.limits).toBe(p.limits);
    expect(parsePolicy(BOT, '/etc/p.yml').limits).toEqual(DAEMON_LIMITS);
    expect(() => parsePolicy(`${BOT}limits:\n  regexMs: 0\n`, '/etc/p.yml')).toThrow('policy /etc/p.yml: limits.regexMs: needs a whole number above 0');
    expect(() => parsePolicy(`${BOT}review:\n  limits:\n    nope: 1\n`, '/etc/p.yml')).toThrow('policy /etc/p.yml: review: limits.nope: not a limit');
  });

  it('a source skips a message above its messageBytes with one line, and reads the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-limits-md-'));
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'new', '1'), `Subject: big\n\n${'x'.repeat(200)}\n`);
    writeFileSync(join(dir, 'new', '2'), 'Subject: small\n\n1\n');
    const warnings: string[] = [];
    const seen: RawMessage[] = [];
    await new MaildirSource(dir, 'box', (m) => warnings.push(m), 100).poll(async (b) => void seen.push(...b));
    expect(seen.map((m) => m.raw.toString())).toEqual(['Subject: small\n\n1\n']);
    expect(warnings).toEqual(['box: 1 is larger than 100 bytes; skipped']);
  });
});
