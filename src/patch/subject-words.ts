// Words that subject prefixes are made of: reply markers in the languages kernel lists see,
// and the flags a `[PATCH ...]` tag may carry. Data only; src/patch/subject.ts reads it.

/** Reply markers (before the colon), lower-cased: English, German, Nordic, Polish, Dutch, Italian, ... and CJK. */
export const REPLY_MARKERS: readonly string[] = [
  're', 'aw', 'sv', 'vs', 'odp', 'antw', 'antwort', 'r', 'ris', 'rif', 'res', 'ref', 'ynt', 'atb', 'vá',
  'odg', 'vl', 'απ', 'на', 'отв', 'ответ', '回复', '回覆', '答复', '답장', '返信',
];

/** Forward markers: stripped like reply markers, but the mail is not a reply. */
export const FORWARD_MARKERS: readonly string[] = ['fwd', 'fw', 'wg', 'tr', 'doorst', 'enc', 'rv', '转发', '轉寄'];

/** Words that make a bracket group a patch tag. */
export const PATCH_WORDS: readonly string[] = ['patch', 'rfc', 'rft'];

/** Flags of a patch tag that name neither the version, the counter nor the tree. */
export const FLAG_WORDS: readonly string[] = ['patch', 'rfc', 'rft', 'resend', 'repost', 'fyi', 'for-review', 'autosel'];
