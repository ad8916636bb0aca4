// Which messages the watcher keeps for review: patches and covers from people on enabled lists;
// never bots, auto-replies, kreview itself, ignored senders, replies, or muted lists.
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/patch/mail.js';
import { classify } from '../../src/watch/intake.js';
import { parsePolicy } from '../../src/watch/policy.js';
import { fixupDiff, mailText } from './mail-fixtures.js';

const policy = parsePolicy(
  `bot: { name: kreview, address: kreview@bots.example.org }
ignoreSenders: ['*@spam.example.com']
lists:
  - address: linux-btrfs@vger.kernel.org
    mode: enabled
    ignoreSenders: [noisy@example.org]
  - address: quiet@vger.kernel.org
`,
  'p.yml',
);

async function kindOf(over: Parameters<typeof mailText>[0]): Promise<string> {
  const p = await parseMail(mailText({ diff: fixupDiff(), ...over }), 't.eml');
  const c = classify(p, policy);
  return c.note ? `${c.kind}: ${c.note}` : c.kind;
}

describe('intake classification', () => {
  it('keeps patches and covers from people on enabled lists', async () => {
    expect(await kindOf({ messageId: 'a@x', subject: '[PATCH 1/2] btrfs: x' })).toBe('patch');
    expect(await kindOf({ messageId: 'b@x', subject: '[PATCH 0/2] btrfs: x', diff: undefined })).toBe('cover');
  });

  it('drops bots, auto-replies, kreview itself, ignored senders, replies and muted lists, saying why', async () => {
    expect(await kindOf({ messageId: 'c@x', subject: '[PATCH] x', from: 'kernel test robot <lkp@intel.com>' })).toBe('ignored: sent by a bot (lkp@intel.com)');
    expect(await kindOf({ messageId: 'd@x', subject: '[PATCH] x', from: 'syzbot <syzbot+1234@syzkaller.appspotmail.com>' })).toMatch(/^ignored: sent by a bot/);
    expect(await kindOf({ messageId: 'e@x', subject: '[PATCH] x', headers: ['Auto-Submitted: auto-replied'] })).toMatch(/^ignored: /);
    expect(await kindOf({ messageId: 'f@x', subject: '[PATCH] x', from: 'kreview <kreview@bots.example.org>' })).toBe('ignored: sent by kreview itself');
    expect(await kindOf({ messageId: 'g@bots.example.org', subject: '[PATCH] x' })).toBe('ignored: a Message-ID of kreview itself');
    expect(await kindOf({ messageId: 'h@x', subject: '[PATCH] x', from: 'S <s@spam.example.com>' })).toBe('ignored: ignored sender');
    expect(await kindOf({ messageId: 'i@x', subject: '[PATCH] x', from: 'N <noisy@example.org>' })).toBe('ignored: ignored sender');
    expect(await kindOf({ messageId: 'j@x', subject: 'Re: [PATCH] x', inReplyTo: 'a@x' })).toBe('other: a reply');
    expect(await kindOf({ messageId: 'k@x', subject: '[PATCH] x', to: ['quiet@vger.kernel.org'] })).toBe('ignored: muted list quiet@vger.kernel.org');
    expect(await kindOf({ messageId: 'l@x', subject: '[PATCH] x', headers: ['Auto-Submitted: no'] })).toBe('patch');
  });

  // The relay headers vger.kernel.org adds to every mail it passes on (as archived on lore); the
  // patch under them is this project's own. Every list mail carries `Precedence: bulk`.
  const VGER_RELAY = [
    'Received: (majordomo@vger.kernel.org) by vger.kernel.org via listexpand',
    '        id S1728887AbfHTBdL (ORCPT <rfc822;linux-btrfs@archiver.kernel.org>);',
    '        Mon, 19 Aug 2019 21:33:11 -0400',
    'X-Mailer: git-send-email 2.20.1',
    'Sender: linux-btrfs-owner@vger.kernel.org',
    'Precedence: bulk',
    'List-ID: <linux-btrfs.vger.kernel.org>',
    'X-Mailing-List: linux-btrfs@vger.kernel.org',
    'Archived-At: <https://lore.kernel.org/linux-btrfs/20190820013652.147041-1-jane@example.org/>',
    'List-Archive: <https://lore.kernel.org/linux-btrfs/>',
    'List-Post: <mailto:linux-btrfs@vger.kernel.org>',
  ];

  it('keeps a patch relayed by vger with Precedence: bulk and List-ID, as every list mail is', async () => {
    expect(await kindOf({ messageId: 'vger-1@x', subject: '[PATCH] btrfs: x', headers: VGER_RELAY })).toBe('patch');
  });

  it('still drops bulk mail that no list relayed', async () => {
    const direct = VGER_RELAY.filter((h) => !/^(List-|X-Mailing-List|Archived-At)/i.test(h));
    expect(await kindOf({ messageId: 'bulk-1@x', subject: '[PATCH] btrfs: x', headers: direct })).toBe('ignored: marked as automatic mail');
  });
});

