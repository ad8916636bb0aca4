// Wraps prose at a column without breaking words, keeping paragraph breaks and lines
// that are code or quotes (indented, or starting with `>`) exactly as they are.
export function wrap(text: string, width = 72): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para === '' || /^(\s|>)/.test(para)) {
      out.push(para);
      continue;
    }
    let line = '';
    for (const word of para.split(/ +/)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}
