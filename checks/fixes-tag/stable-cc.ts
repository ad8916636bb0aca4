// Does a patch ask for a stable backport? `Cc: stable@vger.kernel.org # 5.10+` in the message or
// the mail's Cc, or the explicit opt-out `Cc: <stable+noautosel@kernel.org> # reason`.
import type { Patch } from '../../src/core/types.js';

export type StableState = 'cc' | 'noautosel' | 'none';

/** `stable@vger.kernel.org` also matches `stable@kernel.org` (both are used) and `stable+x@` forms. */
function stableAddress(email: string, configured: string): 'cc' | 'noautosel' | null {
  const e = email.trim().toLowerCase().replace(/^<|>$/g, '');
  const [local, domain] = e.split('@');
  const [cfgLocal, cfgDomain] = configured.toLowerCase().split('@');
  if (domain === undefined) return null;
  const base = local.split('+')[0];
  if (base !== cfgLocal || !(domain === cfgDomain || domain === 'kernel.org' || domain === 'vger.kernel.org')) return null;
  return local.includes('+noautosel') ? 'noautosel' : local === base ? 'cc' : null;
}

const ADDRESS = /[^\s<>,;"#]+@[^\s<>,;"#]+/g;

/** `^\s*cc\s*:` of one line, tried where a line starts: white space other than a line break. */
const CC_AT = /[^\S\n]*cc[^\S\n]*:/iy;

export function stableState(patch: Patch, configured: string): StableState {
  const found = new Set<'cc' | 'noautosel'>();
  const message = patch.message;
  // Line by line without splitting the whole message: only a Cc line is cut out.
  for (let start = 0, end = 0; start <= message.length; start = end + 1) {
    end = message.indexOf('\n', start);
    if (end < 0) end = message.length;
    CC_AT.lastIndex = start;
    if (!CC_AT.test(message)) continue;
    const line = message.slice(start, end);
    // Only the address part counts: `# 5.10+` and `[reason]` after it are comments.
    const addr = line.replace(/#.*$/, '');
    for (const m of addr.matchAll(ADDRESS)) {
      const s = stableAddress(m[0], configured);
      if (s) found.add(s);
    }
  }
  for (const p of [...(patch.mail?.to ?? []), ...(patch.mail?.cc ?? [])]) {
    const s = stableAddress(p.email, configured);
    if (s) found.add(s);
  }
  if (found.has('noautosel')) return 'noautosel';
  return found.has('cc') ? 'cc' : 'none';
}
