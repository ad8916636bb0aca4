// The words kernel developers use when a commit fixes a bug, as data for fixes/missing.
// strong: a crash report, a sanitizer or a stable request: the patch almost surely fixes a bug.

export interface BugWord {
  /** What the finding calls it. */
  name: string;
  pattern: RegExp;
  strong: boolean;
  /** Lower-case words one of which the message must contain for the pattern to be tried (most messages have none). */
  needs: string[];
}

export const BUG_WORDS: BugWord[] = [
  { name: 'KASAN report', pattern: /\bKASAN:/, strong: true, needs: ['kasan:'] },
  { name: 'UBSAN report', pattern: /\bUBSAN:/, strong: true, needs: ['ubsan:'] },
  { name: 'KCSAN report', pattern: /\bKCSAN:/, strong: true, needs: ['kcsan:'] },
  { name: 'Call Trace', pattern: /^\s*(?:\[[^\]]*\]\s*)?Call Trace:/m, strong: true, needs: ['call trace:'] },
  { name: 'stack trace', pattern: /^\s*(?:\[[^\]]*\]\s*)*(?:\[<[0-9a-f]+>\]\s*)?[A-Za-z_][\w.]*\+0x[0-9a-f]+\/0x[0-9a-f]+/m, strong: true, needs: ['+0x'] },
  // A report, not a mention: a reporter's trailer, or syzbot as the subject of "reported"/"found".
  // Its address alone is no report: `Tested-by: syzbot@...` tests a change, it found no bug.
  {
    name: 'syzbot report',
    pattern: /^\s*(?:Reported(?:-and-tested)?-by|Closes|Link):.*\bsyz(?:bot|kaller)\b|\bsyz(?:bot|kaller)\s+(?:has\s+)?(?:reported|found|hit|triggered)\b|\b(?:reported|found)\s+by\s+syz(?:bot|kaller)\b/im,
    strong: true,
    needs: ['syz'],
  },
  // The kernel's own words ("BUG: unable to handle page fault", "BUG: sleeping function called"), not
  // a tracker line such as Android's "BUG: b/255963179".
  { name: 'kernel BUG', pattern: /\b(?:kernel BUG at|BUG: [a-z]{2,}[ :-])/, strong: true, needs: ['bug'] },
  { name: 'Cc: stable', pattern: /^\s*Cc:.*\bstable@(?:vger\.)?kernel\.org/im, strong: true, needs: ['stable@'] },
  { name: 'use-after-free', pattern: /\buse[- ]after[- ]free\b|\bUAF\b/i, strong: false, needs: ['after', 'uaf'] },
  { name: 'NULL pointer dereference', pattern: /\bNULL[- ]pointer[- ]dereference\b|\bnull-ptr-deref\b/i, strong: false, needs: ['null'] },
  { name: 'double free', pattern: /\bdouble[- ]free\b/i, strong: false, needs: ['free'] },
  { name: 'out-of-bounds access', pattern: /\bout[- ]of[- ]bounds\b/i, strong: false, needs: ['bounds'] },
  { name: 'deadlock', pattern: /\bdead-?lock(?:s|ed)?\b/i, strong: false, needs: ['dead'] },
  { name: 'memory leak', pattern: /\b(?:memory|memleak|ref(?:count)?|resource)\s*leak|\bleak(?:s|ed|ing)?\s+(?:of\s+)?(?:memory|the\s+\w+|a\s+\w+)/i, strong: false, needs: ['leak'] },
  { name: 'regression', pattern: /\bregression\b/i, strong: false, needs: ['regression'] },
];

/** A subject that says it fixes something: needed when only weak words are present. */
export const FIX_VERB = /\b(?:fix(?:es|ed)?|avoid|prevent|plug|correct|close|resolve|handle)\b/i;

/** Subjects of changes that are not bug fixes needing a Fixes: tag unless a strong sign says so. */
export const NOT_A_BUG_FIX: RegExp[] = [
  /\b(?:typos?|spelling|misspell\w*|grammar|whitespace|indentation|coding style|checkpatch)\b/i,
  /\b(?:comments?|kernel-?doc|documentation|docs?)\b/i,
];

/** Merges (a pull's summary lists fixes) and reverts (they name their commit) never need a Fixes: tag. */
export const NEVER_NEEDS_FIXES: RegExp[] = [/^Merge\b/, /^Revert "/];
