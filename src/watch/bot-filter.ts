// Decides whether a message was written by a program (a bot, an auto-reply, kreview itself).
import type { Patch } from '../core/types.js';
import { LinearRegExp } from '../core/safe-regex.js';
import { AUTOMATIC_HEADERS, BOT_NAMES, BOT_SENDERS } from './known-bots.js';

/** A sender glob (`*` only) from the policy, matched in linear time: the address it meets is the sender's choice. */
function globToRegExp(glob: string): RegExp {
  return new LinearRegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

const SENDER_RES = BOT_SENDERS.map(globToRegExp);

export function matchesSender(email: string, globs: readonly string[]): boolean {
  const e = email.toLowerCase();
  return globs.some((g) => globToRegExp(g.toLowerCase()).test(e));
}

/** A one-line reason when the message comes from a program, else null. */
export function automaticReason(patch: Patch, botAddress: string, botDomain: string): string | null {
  const mail = patch.mail;
  const senders = [patch.author, ...(mail?.from ? [mail.from] : [])];
  for (const s of senders) {
    const email = s.email.toLowerCase();
    if (email === botAddress.toLowerCase()) return 'sent by kreview itself';
    if (SENDER_RES.some((re) => re.test(email))) return `sent by a bot (${email})`;
    const name = s.name.toLowerCase();
    const bot = BOT_NAMES.find((n) => name.includes(n));
    if (bot) return `sent by a bot (${bot})`;
  }
  if (mail) {
    if (mail.autoSubmitted) return 'marked as automatic mail';
    if (mail.messageId.toLowerCase().endsWith(`@${botDomain.toLowerCase()}`)) return 'a Message-ID of kreview itself';
    for (const [name, re] of AUTOMATIC_HEADERS) {
      const v = mail.headers[name];
      if (v !== undefined && re.test(v.trim())) return `header ${name}: ${v.trim().slice(0, 40)}`;
    }
  }
  return null;
}
