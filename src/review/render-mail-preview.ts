// `--format email`: the replies kreview would send for each patch with findings, as an mbox,
// so a maintainer can read exactly what the mail integration would put on the list: under a
// list's default rules, so a finding only shown elsewhere (a guess, a note) is not previewed as mail.
import type { Review } from '../core/types.js';
import { DEFAULT_MAIL_RULES, isMailable, type MailRules } from './filter.js';
import { renderEmailReply, type BotIdentity } from './render-email.js';

export const PREVIEW_BOT: BotIdentity = {
  name: 'kreview',
  address: 'kreview@localhost',
  optOut: 'ask the list owner to mute kreview for this list',
};

export function renderMailPreview(reviews: Review[], bot: BotIdentity = PREVIEW_BOT, date = new Date(), rules: MailRules = DEFAULT_MAIL_RULES): string {
  const out: string[] = [];
  for (const review of reviews) {
    let first = true;
    for (const pr of review.patches) {
      const mailed = { ...pr, findings: pr.findings.filter((f) => isMailable(f, rules)) };
      const reply = renderEmailReply(mailed, { series: review.series, policy: { replyAll: true }, bot, date, seriesRemarks: first });
      if (!reply) continue;
      first = false;
      out.push(`From kreview ${date.toUTCString()}\n${reply.raw.replace(/\r\n/g, '\n').replace(/^From /gm, '>From ')}`);
    }
  }
  return out.join('\n');
}
