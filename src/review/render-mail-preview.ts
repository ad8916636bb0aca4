// `--format email`: the replies kreview would send for each patch with findings, as an mbox,
// so a maintainer can read exactly what the mail integration would put on the list.
import type { Review } from '../core/types.js';
import { renderEmailReply, type BotIdentity } from './render-email.js';

export const PREVIEW_BOT: BotIdentity = {
  name: 'kreview',
  address: 'kreview@localhost',
  human: 'the maintainer who runs this bot',
  optOut: 'ask the list owner to mute kreview for this list',
};

export function renderMailPreview(reviews: Review[], bot: BotIdentity = PREVIEW_BOT, date = new Date()): string {
  const out: string[] = [];
  for (const review of reviews)
    for (const pr of review.patches) {
      const reply = renderEmailReply(pr, { series: review.series, policy: { replyAll: true }, bot, date });
      if (reply) out.push(`From kreview ${date.toUTCString()}\n${reply.raw.replace(/\r\n/g, '\n').replace(/^From /gm, '>From ')}`);
    }
  return out.join('\n');
}
