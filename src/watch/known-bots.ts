// Senders and headers that mark mail written by a program: kreview never answers them, which is
// also what makes a reply loop between two bots impossible (each marks its own mail the same way).

/** Sender addresses (lower case; `*` matches any run of characters). */
export const BOT_SENDERS: readonly string[] = [
  'lkp@intel.com',
  'oliver.sang@intel.com',
  'syzbot@syzkaller.appspotmail.com',
  'syzbot+*@syzkaller.appspotmail.com',
  'syzbot*@*',
  'patchwork-bot+*@kernel.org',
  'patchwork-bot@*',
  'noreply@*',
  'no-reply@*',
  'mailer-daemon@*',
  'postmaster@*',
  '*-bot@*',
  '*+bot@*',
];

/** Display names of list bots (lower case, matched as substrings). */
export const BOT_NAMES: readonly string[] = ['kernel test robot', 'syzbot', 'patchwork-bot', 'kreview', 'mailer-daemon', 'mail delivery'];

/**
 * Header name -> values that mean "written by a program", beyond the standard ones
 * (Auto-Submitted, Precedence, X-Autoreply ...) that `isAutoSubmitted` in src/patch/mail-headers.ts
 * already reads into `mail.autoSubmitted`. Those are not repeated here: vger stamps
 * `Precedence: bulk` on every mail it relays, and only that one place knows a list's mail from a
 * bulk sender's.
 */
export const AUTOMATIC_HEADERS: readonly [string, RegExp][] = [
  ['x-patchwork-hint', /^ignore/i],
  ['x-kreview', /./],
];
