// The web view's paths: its permalinks are these, under the policy's web.url.
/**
 * `/series/<key>`, `/patch/<Message-ID>`, `/reply/<Message-ID>`: the permalinks (ids percent-encoded
 * whole); `/msg/<Message-ID>` leads to the patch or series a message belongs to.
 */
export const links = {
  message: (messageId: string) => `/msg/${encodeURIComponent(messageId)}`,
  series: (key: string) => `/series/${encodeURIComponent(key)}`,
  patch: (messageId: string) => `/patch/${encodeURIComponent(messageId)}`,
  reply: (messageId: string) => `/reply/${encodeURIComponent(messageId)}`,
  messages: (state: string, page = 1) => `/messages/${state}${page > 1 ? `?page=${page}` : ''}`,
  replies: (state: string | null, page = 1) => {
    const p = new URLSearchParams();
    if (state) p.set('state', state);
    if (page > 1) p.set('page', String(page));
    const s = p.toString();
    return `/replies${s ? `?${s}` : ''}`;
  },
};
