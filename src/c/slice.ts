// Cuts the functions around some lines out of a kernel-style file (braces of a function body at
// column 0), blanking the rest but keeping line numbers, so only those functions are parsed.

const isBlank = (l: string): boolean => l.trim() === '';

/**
 * The text with every line outside the functions containing `lines` blanked, or null when some
 * line is not inside a column-0 `{` ... `}` body (then the whole file must be parsed).
 */
export function sliceFunctions(text: string, lines: number[]): string | null {
  const all = text.split('\n');
  const keep = new Uint8Array(all.length);
  for (const line of lines) {
    const i = line - 1;
    if (i < 0 || i >= all.length) return null;
    let open = i;
    while (open >= 0 && all[open] !== '{' && !(open < i && all[open].startsWith('}'))) open--;
    if (open < 0 || all[open] !== '{') return null;
    let close = Math.max(i, open + 1);
    while (close < all.length && !all[close].startsWith('}')) {
      if (close > i && all[close] === '{') return null;
      close++;
    }
    if (close >= all.length) return null;
    // The header: the lines just above the brace, up to a blank line or the end of something else.
    let head = open - 1;
    while (head > 0 && !isBlank(all[head - 1]) && !all[head - 1].startsWith('}') && !all[head - 1].startsWith('#') && !all[head - 1].trimEnd().endsWith(';')) head--;
    if (head < 0 || isBlank(all[head])) return null;
    for (let k = head; k <= close; k++) keep[k] = 1;
  }
  return all.map((l, k) => (keep[k] ? l : '')).join('\n');
}
