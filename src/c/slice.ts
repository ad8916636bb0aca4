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

/** The text with every line outside the given ranges (first and last line, 1-based) blanked. */
export function keepLines(text: string, ranges: [number, number][]): string {
  const all = text.split('\n');
  const keep = new Uint8Array(all.length);
  for (const [first, last] of ranges) for (let k = Math.max(first, 1) - 1; k < Math.min(last, all.length); k++) keep[k] = 1;
  return all.map((l, k) => (keep[k] ? l : '')).join('\n');
}

/** A hunk of an image seen without the file: its first line, line count and `@@` section text. */
export interface HunkRange {
  start: number;
  count: number;
  section: string;
}

/** The call the assembled text puts where lines were not seen; the walk treats it as unknown code. */
export const GAP_MARKER = '__kreview_gap';
/**
 * The test of the blocks a wrapper opens to reach a hunk's first line: the hunk starts inside them,
 * so when the seen part of such a block leaves it (`goto out; }`), the code after it is still
 * reached, by the block's unseen other paths (walk.ts).
 */
export const LEAD_MARKER = '__kreview_lead';
/** Prefix of the wrapper functions put around hunks that start inside a function body. */
export const WRAPPER_PREFIX = '__kreview_fn_';

export interface HunkFunctions {
  /** The image with wrappers and gap markers added on the hunks' own lines and the blank lines between them. */
  text: string;
  /** Per wrapper n (`__kreview_fn_<n>`): the function the hunks are in and the hunks (indexes) it covers. */
  wrappers: { name: string; hunks: number[] }[];
}

const STRIP_CODE = /"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;
const LABEL = /^[A-Za-z_]\w*:\s*$/;
/** A statement head that needs a body: `if (...)`, `while (...)`, `for (...)`, `else`, `do`. */
const BODILESS = /^\s*((}\s*)?(else\s+)?(if|while|for)\s*\(.*\)|(}\s*)?else|do)\s*$/;
const tabsOf = (l: string): number => /^\t*/.exec(l)![0].length;

/** A line that says nothing about nesting by its indentation: blank, label, directive, comment, case. */
const noDepthHint = (l: string): boolean => /^\s*$|^[A-Za-z_]\w*:(?!:)|^\s*#|^\s*(\*|\/\*|\/\/)|^\s*(case\b|default\s*:)/.test(l);

/**
 * The hunk's lines with comments cut by the hunk edges blanked (a hunk may start inside a block
 * comment, or end in one), so that neither the brace count nor the parser reads prose as code.
 */
function cleanHunk(lines: string[]): string[] {
  const out = [...lines];
  const joined = out.join('\n');
  const firstClose = joined.indexOf('*/');
  const firstOpen = joined.indexOf('/*');
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
    // Started inside a comment: blank up to and including its end.
    let at = 0;
    for (let i = 0; i < out.length; i++) {
      const end = at + out[i].length;
      if (end >= firstClose) {
        out[i] = ' '.repeat(firstClose + 2 - at) + out[i].slice(firstClose + 2 - at);
        break;
      }
      out[i] = '';
      at = end + 1;
    }
  }
  const lastOpen = out.join('\n').lastIndexOf('/*');
  const lastClose = out.join('\n').lastIndexOf('*/');
  if (lastOpen >= 0 && lastOpen > lastClose) {
    // Ends inside a comment: blank from its start.
    let at = 0;
    for (let i = 0; i < out.length; i++) {
      const end = at + out[i].length;
      if (end >= lastOpen) {
        out[i] = out[i].slice(0, lastOpen - at);
        for (let k = i + 1; k < out.length; k++) out[k] = '';
        break;
      }
      at = end + 1;
    }
  }
  return out;
}

/**
 * Nesting of a hunk, from kernel style (one tab per level): the depth its first line is at
 * (smallest of indentation minus the braces opened before each line that hints at it) and the
 * lowest depth its own braces reach relative to that start.
 */
function nesting(lines: string[]): { start: number | null; lowest: number; delta: number } {
  const code = lines.join('\n').replace(STRIP_CODE, (m) => m.replace(/[^\n]/g, ' ')).split('\n');
  let rel = 0;
  let lowest = 0;
  let start: number | null = null;
  lines.forEach((l, i) => {
    if (!noDepthHint(l) && code[i].trim() !== '') {
      const est = tabsOf(l) + (/^\s*}/.test(l) ? 1 : 0) - rel;
      start = start === null ? est : Math.min(start, est);
    }
    for (const ch of code[i]) {
      if (ch === '{') rel++;
      else if (ch === '}') lowest = Math.min(lowest, --rel);
    }
  });
  return { start, lowest, delta: rel };
}

/** The function name in a `@@` section text (`static int foo(struct bar *b)` -> foo). */
export const sectionFunction = (section: string): string | null => /([A-Za-z_]\w*)\s*\(/.exec(section)?.[1] ?? null;

/**
 * Lays the hunks of one file out as functions the parser can read, in the image's own line
 * numbers. Hunks of the same function (the same `@@` section text, or the next hunk's section is a
 * line of this one: the function starts in it) form one chain: the lines between them, which were
 * not seen, become one call to GAP_MARKER on the first unseen line, and braces there bring the
 * nesting to what the next hunk's indentation says. A chain that starts inside a function body is
 * wrapped in `void __kreview_fn_<n>(void) {`. Only chains holding one of `wanted` are laid out.
 */
export function hunkFunctions(text: string, hunks: HunkRange[], wanted: number[]): HunkFunctions {
  const image = text.split('\n');
  const out: string[] = new Array(image.length).fill('');
  const wrappers: HunkFunctions['wrappers'] = [];
  // Hunks are held to the image: a broken patch may claim lines it does not have.
  const live = hunks
    .map((h, index) => ({ ...h, index }))
    .filter((h) => h.count > 0 && h.start >= 1 && h.start <= image.length)
    .map((h) => ({ ...h, count: Math.min(h.count, image.length - h.start + 1) }));
  const chains: (typeof live)[] = [];
  // Nesting at the end of the previous hunk, as the layout below will find it.
  let depthAfter = 0;
  for (const h of live) {
    const chain = chains.at(-1);
    const prev = chain?.at(-1);
    const section = h.section.trim();
    // Without a C diff driver git names a hunk by the nearest label (`again:`): a label is inside
    // the function the previous hunk left open.
    // The `@@` section is a line of the old image: in the new one, a hunk that changed the
    // function's signature shows the new signature, and the section still names the function.
    const fnName = sectionFunction(section);
    const defines = fnName !== null && depthAfter > 0 ? new RegExp(`^(?:[A-Za-z_][^;{]*[\\s*])?${fnName}\\s*\\(`) : null;
    const same =
      prev !== undefined &&
      section !== '' &&
      h.start >= prev.start + prev.count &&
      (prev.section.trim() === section ||
        image.slice(prev.start - 1, prev.start - 1 + prev.count).some((l) => l.trim() === section || (defines !== null && defines.test(l))) ||
        (LABEL.test(section) && depthAfter > 0));
    if (same) chain!.push(h);
    else chains.push([h]);
    const n = nesting(cleanHunk(image.slice(h.start - 1, Math.min(image.length, h.start + h.count) - 1 + 1)));
    depthAfter = Math.max(n.start ?? depthAfter, -n.lowest, same ? 1 : 0) + n.delta;
  }
  for (const chain of chains) {
    const last = chain.at(-1)!;
    if (!wanted.some((l) => chain.some((h) => l >= h.start && l < h.start + h.count))) continue;
    const name = chain.map((h) => sectionFunction(h.section)).find((n) => n !== null) ?? 'the hunk';
    let depth = 0;
    let wrapper = -1;
    for (const [k, h] of chain.entries()) {
      const first = h.start - 1;
      const end = Math.min(image.length, h.start + h.count) - 1;
      const body = cleanHunk(image.slice(first, end + 1));
      const n = nesting(body);
      // Where the hunk must start: what its indentation says, and deep enough for its own closing braces.
      const target = Math.max(n.start ?? depth, -n.lowest, k === 0 ? 0 : 1);
      // git leaves at least one unseen line between two hunks of a function; a hand-made patch may not.
      const gapLine = k > 0 && chain[k - 1].start + chain[k - 1].count - 1 < first ? chain[k - 1].start + chain[k - 1].count - 1 : -1;
      let prefix = '';
      if (gapLine >= 0 && depth > 0) {
        // A statement head whose body was not seen (`if (ret)` at the end of a hunk) gets an empty one.
        const tail = out.slice(0, gapLine).reverse().find((l) => l.trim() !== '') ?? '';
        prefix = `${BODILESS.test(tail.replace(STRIP_CODE, '')) ? '; ' : ''}${GAP_MARKER}();`;
      }
      // A chain that starts at a function's opening brace, its head only in the @@ line: the hunk's
      // own brace opens a stand-in for the function the section names.
      const opensBody = k === 0 && depth === 0 && target === 0 && /^\s*\{/.test(body.find((l) => l.trim() !== '') ?? '');
      if (opensBody) {
        wrapper = wrappers.length;
        wrappers.push({ name, hunks: [] });
        prefix += ` void ${WRAPPER_PREFIX}${wrapper}(void)`;
      } else if (depth === 0 && target > 0) {
        wrapper = wrappers.length;
        wrappers.push({ name, hunks: [] });
        prefix += ` void ${WRAPPER_PREFIX}${wrapper}(void) {${` if (${LEAD_MARKER}) {`.repeat(target - 1)}`;
      } else if (target > depth) prefix += ` if (${GAP_MARKER}()) {`.repeat(target - depth);
      else if (target < depth) prefix += ` ${'}'.repeat(depth - target)}`;
      if (wrapper >= 0) wrappers[wrapper].hunks.push(h.index);
      depth = target + n.delta;
      // The bridge goes on the first unseen line when there is one, else in front of the hunk.
      body.forEach((l, i) => (out[first + i] = l));
      if (gapLine >= 0) out[gapLine] = prefix;
      else out[first] = `${prefix} ${out[first] ?? ''}`;
    }
    if (depth > 0) {
      // The function goes on past the chain: that rest is unseen too, then the braces close.
      // A hunk may claim lines past the image's end (a hand-made or broken patch): close where it ends.
      const endLine = Math.max(1, Math.min(last.start + last.count - 1, out.length));
      const tail = out.slice(0, endLine).reverse().find((l) => l.trim() !== '') ?? '';
      const close = `${BODILESS.test(tail.replace(STRIP_CODE, '')) ? '; ' : ''}${GAP_MARKER}(); ${'}'.repeat(depth)}`;
      // On the line after the chain when it is unseen, else at the end of its last line.
      if (endLine < out.length && out[endLine] === '' && !live.some((h) => h.start - 1 === endLine)) out[endLine] = close;
      else out[endLine - 1] = `${(out[endLine - 1] ?? '').replace(/\/\/.*$/, '')} ${close}`;
    } else {
      // A chain that ends on the head of a function whose body was not seen (`void foo(void)` as a
      // hunk's last context line) would take the next laid-out function as its body: end it there.
      const endLine = Math.max(1, Math.min(last.start + last.count - 1, out.length));
      let at = endLine - 1;
      while (at >= 0 && (out[at] ?? '').trim() === '') at--;
      if (at >= 0 && /\)\s*$/.test(out[at].replace(STRIP_CODE, '')) && !/^\s*#/.test(out[at])) out[at] = `${out[at].replace(STRIP_CODE, (m) => m.replace(/[^\n]/g, ' '))};`;
    }
  }
  return { text: out.join('\n'), wrappers };
}
