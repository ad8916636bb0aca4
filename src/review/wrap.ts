// Wraps prose at a column without breaking words: paragraphs (separated by blank lines) are
// reflowed, a blank line is kept between them. Used by the terminal and the mail renderers.
export function wrapProse(text: string, width = 72): string[] {
  const out: string[] = [];
  for (const para of text.replace(/\r\n?/g, '\n').split(/\n{2,}/)) {
    if (out.length) out.push('');
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (!line) line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
    }
    if (line) out.push(line);
  }
  return out;
}
