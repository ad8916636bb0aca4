// Reverses the diff of a fix mail so that it puts the bug back: old and new sides swap in the
// `---`/`+++` lines, the index line, the file modes and every hunk header, and `+`/`-` swap in
// the hunk bodies. The rest of the mail (headers, message) is kept as it is.

const swapHeader = (line: string): string =>
  line.replace(/^@@ -(\d+(?:,\d+)?) \+(\d+(?:,\d+)?) @@/, (_m, a: string, b: string) => `@@ -${b} +${a} @@`);

/** The mail with its diff reversed; null when it has no diff. */
export function reverseMailDiff(mail: string): string | null {
  const lines = mail.split('\n');
  const start = lines.findIndex((l) => l.startsWith('diff --git '));
  if (start < 0) return null;
  const out = lines.slice(0, start);
  let inHunk = false;
  let oldLeft = 0;
  let newLeft = 0;
  for (let i = start; i < lines.length; i++) {
    const l = lines[i];
    if (inHunk && (oldLeft > 0 || newLeft > 0)) {
      const c = l[0];
      if (c === '+') {
        newLeft--;
        out.push(`-${l.slice(1)}`);
        continue;
      }
      if (c === '-') {
        oldLeft--;
        out.push(`+${l.slice(1)}`);
        continue;
      }
      if (c === ' ' || l === '') {
        oldLeft--;
        newLeft--;
        out.push(l);
        continue;
      }
      if (c === '\\') {
        out.push(l);
        continue;
      }
    }
    inHunk = false;
    const m = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(l);
    if (m) {
      inHunk = true;
      oldLeft = m[1] === undefined ? 1 : Number(m[1]);
      newLeft = m[2] === undefined ? 1 : Number(m[2]);
      out.push(swapHeader(l));
      continue;
    }
    if (l.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      out.push(`--- ${swapPrefix(lines[i + 1].slice(4), 'a/')}`, `+++ ${swapPrefix(l.slice(4), 'b/')}`);
      i++;
      continue;
    }
    const idx = /^index ([0-9a-f]+)\.\.([0-9a-f]+)(.*)$/.exec(l);
    if (idx) {
      out.push(`index ${idx[2]}..${idx[1]}${idx[3]}`);
      continue;
    }
    if (l.startsWith('new file mode ')) out.push(l.replace('new file mode', 'deleted file mode'));
    else if (l.startsWith('deleted file mode ')) out.push(l.replace('deleted file mode', 'new file mode'));
    else out.push(l);
  }
  return out.join('\n');
}

/** `b/path` seen from the other side is `a/path`; /dev/null stays. */
function swapPrefix(path: string, want: 'a/' | 'b/'): string {
  if (path === '/dev/null') return path;
  return want + path.replace(/^[ab]\//, '');
}
