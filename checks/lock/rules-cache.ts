// The rule files, read and validated once per content, kept as JSON in the cache directory: reading
// them was a third of a one-patch review's CPU (the YAML parser's loading and cold run, and every
// rule pattern compiled and timed). The key holds the files' names and texts, the pattern limits,
// and the code that reads and revives them (rules-load, this file, safe-regex and lock-model, by
// their own text): an edit to any of these reads the files again. A cache that cannot be read or written is only slower.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeCacheFile } from '../../src/core/cache-file.js';
import { join } from 'node:path';
import { codeVersion } from '../../src/core/code-version.js';
import type { Limits } from '../../src/core/limits.js';
import { LinearRegExp } from '../../src/core/safe-regex.js';
import { NameMatcher } from '../../src/c/lock-model.js';
import { defaultCacheDir } from '../../src/c/summaries.js';
import type { RuleData } from './rules-load.js';

/** The code that turns rule files into RuleData and back, as run now (its .ts sources, or the .js built from them). */
const READERS = ['./rules-load', './rules-cache', '../../src/core/safe-regex', '../../src/c/lock-model'];

/** A rule pattern in JSON: its source, compiled again (lazily) when read back. A name matcher: what was added to it. */
interface Saved {
  $linear?: string;
  $names?: [string, unknown][];
}

/**
 * Patterns and name matchers become tagged objects; any other object that is not plain data (a Map,
 * a class a later rule field may bring) stops the write: the rules are then read from the files
 * each time, never recalled wrong.
 */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof LinearRegExp) return { $linear: value.pattern } satisfies Saved;
  if (value instanceof NameMatcher) return { $names: value.entries() } satisfies Saved;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new Error(`rule data holds a ${(value as object).constructor?.name ?? 'non-plain object'}`);
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1) {
    const s = value as Saved;
    // Validated when the files were first read: RE2 builds each program when it is first matched.
    if (typeof s.$linear === 'string') return new LinearRegExp(s.$linear, false);
    if (Array.isArray(s.$names)) {
      const m = new NameMatcher<unknown>();
      for (const [name, v] of s.$names) m.add(name, v);
      return m;
    }
  }
  return value;
}

/** The RuleData of `files`, from the cache when the same files were read before, else `parse()` (then kept). */
export function cachedRuleData(files: { file: string; text: string }[], limits: Pick<Limits, 'regexMs' | 'lineLength'>, parse: () => RuleData, cacheDir = defaultCacheDir()): RuleData {
  const code = codeVersion(import.meta.url, READERS);
  if (code === null) return parse();
  let key: string;
  let path: string;
  try {
    const names = createHash('sha256').update(JSON.stringify([files.map((f) => f.file), limits.regexMs, limits.lineLength]));
    key = createHash('sha256').update(code).update(JSON.stringify([files, limits.regexMs, limits.lineLength])).digest('hex');
    // One entry per set of files: a new text replaces the old entry rather than piling up beside it.
    path = join(cacheDir, 'lock-rules', `${names.digest('hex').slice(0, 32)}.json`);
  } catch {
    return parse();
  }
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8'), reviver) as { key: string; data: RuleData };
    if (saved.key === key) return saved.data;
  } catch {
    // Not there yet, or unreadable: read the files.
  }
  const data = parse();
  // A read-only or full cache: the next run reads the files again.
  writeCacheFile(path, JSON.stringify({ key, data }, replacer));
  return data;
}
