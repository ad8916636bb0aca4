// The likely cause of a function tree-sitter could not read, told from the source lines around
// its first error: for the kernel-lock bench's unparsed list, grouped so the biggest cause shows.
const CAUSES: { cause: string; test: (near: string, at: string) => boolean }[] = [
  { cause: 'conditional compilation cuts a statement or an expression', test: (near) => /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b/m.test(near) },
  { cause: 'computed goto or GNU designated range', test: (near) => /&&[A-Za-z_]|\[\s*\w+\s*\.\.\.\s*\w+\s*\]/.test(near) },
  { cause: 'macro given a declaration or statements as its argument', test: (_near, at) => /^\s*[A-Za-z_]\w*\s*\(\s*(if\b|struct\b|[^()]*;\s*\)\s*;)/.test(at) || /^\s*[A-Z]\w*\(.*\{\s*$/.test(at) },
  { cause: 'macro used as a statement without a semicolon, or as an if', test: (_near, at) => /^\s*([A-Z][A-Z0-9_]*\s*(\([^;]*\))?|[a-z]\w*\s*\([^;]*\))\s*$/.test(at) },
  { cause: 'macros that expand to list items or strings', test: (near) => /\b[A-Z][A-Z0-9_]{3,}\s+[A-Z][A-Z0-9_]{3,}\b|\b[A-Z][A-Z0-9_]+\s+"/.test(near) },
  { cause: 'iterator macro', test: (near) => /for_?each|FOR_EACH|while_each/.test(near) },
  { cause: 'type or computed type as an argument', test: (near) => /\btypeof\b|\(\s*(unsigned|signed|char|int|struct)\b[^()]*,/.test(near) },
];

/** The cause of an error at a 1-based line of a file's text. */
export function unparsedCause(text: string, line: number): string {
  const lines = text.split('\n');
  const near = lines.slice(Math.max(0, line - 4), line + 2).join('\n');
  const at = lines[line - 1] ?? '';
  return CAUSES.find((c) => c.test(near, at))?.cause ?? 'other';
}
