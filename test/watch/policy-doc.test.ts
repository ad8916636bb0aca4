// The example policy in docs/mail.md is what a list owner copies: it must stay valid.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/watch/policy.js';

describe('docs/mail.md', () => {
  it('has an example policy that kreview watch accepts as written', () => {
    const doc = readFileSync(new URL('../../docs/mail.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml).toBeDefined();
    const policy = parsePolicy(yaml!, '/srv/kreview/policy.yml');
    expect(policy.lists).toHaveLength(1);
    expect(policy.lists[0]).toMatchObject({ enabled: true, replyAll: true, minSeverity: 'warning', bases: { 'net-next': 'net-next/main', default: 'master' } });
    expect(policy.sources.map((s) => s.type)).toEqual(['public-inbox', 'maildir']);
    expect(policy.fallback.enabled).toBe(false);
  });
});
