// Loads and validates checks/rules/*.yml (plus configured extra files) into a RuleSet.
// An invalid file stops start-up with `file:line: what is wrong`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { DEFAULT_LIMITS, type Limits } from '../../src/core/limits.js';
import { linearRegExp } from '../../src/core/safe-regex.js';
import { yaml } from '../../src/core/lazy-yaml.js';
import { KreviewError } from '../../src/core/types.js';
import {
  buildLockModel,
  globToRegExp,
  NameMatcher,
  type GuardClass,
  type KindSpec,
  type PrimitiveOp,
  type PrimitiveSpec,
  type Success,
  type SyntaxSpec,
} from '../../src/c/lock-model.js';
import type { CallRule, Confidence, DocumentedOrder, EntryRule, ExitRule, LockRule, NeverEntry, RuleSet } from './rule-types.js';
import { packagePath, shownPath } from '../../src/core/paths.js';
import { cachedRuleData } from './rules-cache.js';

const RULES_DIR = packagePath('checks', 'rules');

type Path = (string | number)[];

/** Reads one YAML file and reports problems at the line of the offending node. */
class Source {
  private lines: LineCounter = new (yaml().LineCounter)();
  readonly doc: Document;
  constructor(
    readonly file: string,
    text: string,
    /** Rule patterns are compiled for RE2 and timed against these. */
    private readonly limits: Pick<Limits, 'regexMs' | 'lineLength'> = DEFAULT_LIMITS,
  ) {
    this.doc = yaml().parseDocument(text, { lineCounter: this.lines, uniqueKeys: true });
    const err = this.doc.errors[0];
    if (err) throw new KreviewError(`${file}:${err.linePos?.[0].line ?? 1}: ${err.message.split('\n')[0]}`);
  }

  fail(path: Path, reason: string): never {
    let node: unknown = null;
    for (let i = path.length; i >= 0 && !node; i--) node = this.doc.getIn(path.slice(0, i), true);
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const line = range ? this.lines.linePos(range[0]).line : 1;
    const where = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
    throw new KreviewError(`${this.file}:${line}: ${where}: ${reason}`);
  }

  get(path: Path): unknown {
    const node = this.doc.getIn(path, true);
    if (node === undefined || node === null) return undefined;
    const { isMap, isScalar, isSeq } = yaml();
    if (isScalar(node)) return node.value;
    if (isMap(node) || isSeq(node)) return node.toJSON();
    return node;
  }

  str(path: Path, required = true): string | undefined {
    const v = this.get(path);
    if (v === undefined) {
      if (required) this.fail(path, 'missing');
      return undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') this.fail(path, 'expected a string');
    return String(v);
  }

  list(path: Path): unknown[] {
    const v = this.get(path);
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(path, 'expected a list');
    return v;
  }

  strList(path: Path): string[] {
    return this.list(path).map((v, i) => {
      if (typeof v !== 'string') this.fail([...path, i], 'expected a string');
      return v;
    });
  }

  regex(path: Path, required = false): RegExp | undefined {
    const s = this.str(path, required);
    if (s === undefined) return undefined;
    try {
      return linearRegExp(s, this.limits);
    } catch (e) {
      return this.fail(path, `bad regular expression: ${(e as Error).message}`);
    }
  }

  keys(path: Path, allowed: string[]): void {
    const node = path.length ? this.doc.getIn(path, true) : this.doc.contents;
    if (node === undefined || node === null) return;
    const { isMap, isScalar } = yaml();
    if (!isMap(node)) this.fail(path, 'expected a mapping');
    for (const item of node.items) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (!allowed.includes(key)) this.fail([...path, key], `unknown key "${key}" (expected one of ${allowed.join(', ')})`);
    }
  }

  oneOf<T extends string>(path: Path, values: readonly T[], fallback?: T): T {
    const v = this.str(path, fallback === undefined);
    if (v === undefined) return fallback as T;
    if (!values.includes(v as T)) this.fail(path, `"${v}" is not one of ${values.join(', ')}`);
    return v as T;
  }
}

const TOP_KEYS = ['kinds', 'rules', 'never', 'orders', 'entry', 'exit', 'syntax', 'reviewed'];
const SEVERITIES = ['error', 'warning', 'note'] as const;
const CONFIDENCES = ['high', 'medium', 'low'] as const;

interface Collected {
  kinds: KindSpec[];
  primitives: PrimitiveSpec[];
  rules: LockRule[];
  never: NeverEntry[];
  orders: DocumentedOrder[];
  entry: EntryRule[];
  exit: ExitRule[];
  syntax: Partial<SyntaxSpec>;
  /** Kind references to check once every file is read: [source, path, kind]. */
  kindRefs: [Source, Path, string][];
  /** Patterns' reviewed matches, by pattern, with where each was given (readReviewed). */
  reviewed: Map<string, { src: Source; path: Path; names: string[] }>;
}

/** A primitive list item: a name, a list of names sharing defaults, or a mapping. */
function readPrimitives(src: Source, path: Path, kind: string, op: PrimitiveOp, out: PrimitiveSpec[]): void {
  const items = src.list(path);
  items.forEach((item, i) => {
    const p = [...path, i];
    const base: PrimitiveSpec = { kind, op, name: '', arg: op === 'returns-locked' ? null : 0 };
    if (op === 'conditional') base.success = 'true';
    if (typeof item === 'string') out.push({ ...base, name: item });
    else if (Array.isArray(item)) {
      src.strList(p).forEach((name) => out.push({ ...base, name }));
    } else {
      src.keys(p, ['name', 'arg', 'key', 'arg-matches', 'matches-arg', 'success', 'class', 'try', 'unordered']);
      const spec: PrimitiveSpec = { ...base, name: src.str([...p, 'name'])! };
      const arg = src.get([...p, 'arg']);
      if (arg !== undefined) {
        if (typeof arg !== 'number' || !Number.isInteger(arg) || arg < 0) src.fail([...p, 'arg'], 'expected an argument index (0, 1, ...)');
        spec.arg = arg;
      }
      const key = src.str([...p, 'key'], false);
      if (key !== undefined) {
        spec.key = key;
        spec.arg = null;
      }
      spec.argMatches = src.regex([...p, 'arg-matches']);
      const matchesArg = src.get([...p, 'matches-arg']);
      if (matchesArg !== undefined) {
        if (typeof matchesArg !== 'number' || !Number.isInteger(matchesArg) || matchesArg < 0) src.fail([...p, 'matches-arg'], 'expected an argument index (0, 1, ...)');
        if (!spec.argMatches) src.fail([...p, 'matches-arg'], 'matches-arg says which argument arg-matches tests: give arg-matches too');
        spec.matchesArg = matchesArg;
      }
      if (op === 'conditional') spec.success = src.oneOf<Success>([...p, 'success'], ['true', 'zero'], 'true');
      else if (src.get([...p, 'success']) !== undefined) src.fail([...p, 'success'], 'only conditional acquires have a success value');
      const cls = src.str([...p, 'class'], false);
      if (cls !== undefined) spec.cls = cls;
      const isTry = src.get([...p, 'try']);
      if (isTry !== undefined) {
        if (op !== 'conditional' || typeof isTry !== 'boolean') src.fail([...p, 'try'], 'only conditional acquires can be try-locks (true or false)');
        if (isTry) spec.try = true;
      }
      const unordered = src.get([...p, 'unordered']);
      if (unordered !== undefined) {
        if (typeof unordered !== 'boolean') src.fail([...p, 'unordered'], 'expected true or false');
        if (unordered) spec.unordered = true;
      }
      out.push(spec);
    }
  });
}

function readKinds(src: Source, c: Collected): void {
  src.list(['kinds']).forEach((_, i) => {
    const p: Path = ['kinds', i];
    src.keys(p, ['id', 'label', 'atomic', 'same-class', 'pseudo', 'acquire', 'conditional', 'returns-locked', 'release', 'forget']);
    const id = src.str([...p, 'id'])!;
    if (c.kinds.some((k) => k.id === id)) src.fail([...p, 'id'], `lock kind "${id}" is defined twice`);
    const flag = (k: string): boolean => {
      const v = src.get([...p, k]);
      if (v !== undefined && typeof v !== 'boolean') src.fail([...p, k], 'expected true or false');
      return v === true;
    };
    c.kinds.push({ id, label: src.str([...p, 'label'], false) ?? id, atomic: flag('atomic'), sameClass: flag('same-class'), pseudo: flag('pseudo') });
    readPrimitives(src, [...p, 'acquire'], id, 'acquire', c.primitives);
    readPrimitives(src, [...p, 'conditional'], id, 'conditional', c.primitives);
    readPrimitives(src, [...p, 'returns-locked'], id, 'returns-locked', c.primitives);
    readPrimitives(src, [...p, 'release'], id, 'release', c.primitives);
    readPrimitives(src, [...p, 'forget'], id, 'forget', c.primitives);
  });
}

function readCalls(src: Source, path: Path, c: Collected): CallRule[] {
  const out: CallRule[] = [];
  src.list(path).forEach((item, i) => {
    const p = [...path, i];
    if (typeof item === 'string') out.push({ name: item });
    else if (Array.isArray(item)) src.strList(p).forEach((name) => out.push({ name }));
    else {
      src.keys(p, ['name', 'arg-matches', 'unless-arg', 'other-than-held', 'acquire', 'paths', 'confidence', 'via', 'label', 'fix']);
      const acquire = src.str([...p, 'acquire'], false);
      const name = src.str([...p, 'name'], acquire === undefined) ?? null;
      if (acquire !== undefined) c.kindRefs.push([src, [...p, 'acquire'], acquire]);
      const call: CallRule = { name };
      call.argMatches = src.regex([...p, 'arg-matches']);
      call.unlessArg = src.regex([...p, 'unless-arg']);
      const other = src.get([...p, 'other-than-held']);
      if (other !== undefined) {
        if (typeof other !== 'number') src.fail([...p, 'other-than-held'], 'expected an argument index');
        call.otherThanHeld = other;
      }
      if (acquire !== undefined) call.acquire = acquire;
      if (src.get([...p, 'paths']) !== undefined) call.paths = src.strList([...p, 'paths']);
      if (src.get([...p, 'confidence']) !== undefined) call.confidence = src.oneOf<Confidence>([...p, 'confidence'], CONFIDENCES);
      call.via = src.str([...p, 'via'], false);
      call.label = src.str([...p, 'label'], false);
      call.fix = src.str([...p, 'fix'], false);
      out.push(call);
    }
  });
  return out;
}

/**
 * `reviewed:` a mapping from a pattern the rules' call lists use to the names a real tree defines
 * that it matches and that were checked to be what it means. Each name must be one the pattern
 * matches (a typo would leave the real match reported); a pattern no rule uses is refused once
 * every file is read (a stale list).
 */
function readReviewed(src: Source, c: Collected): void {
  if (src.get(['reviewed']) === undefined) return;
  const { isMap, isScalar } = yaml();
  const node = src.doc.getIn(['reviewed'], true);
  if (!isMap(node)) src.fail(['reviewed'], 'expected a mapping of patterns to the names they were reviewed to mean');
  for (const item of node.items) {
    const pattern = isScalar(item.key) ? String(item.key.value) : String(item.key);
    const p: Path = ['reviewed', pattern];
    if (!/[*?]/.test(pattern)) src.fail(p, `'${pattern}' is not a pattern: a plain name needs no review`);
    const re = globToRegExp(pattern);
    const names = src.strList(p);
    names.forEach((name, i) => {
      if (!re.test(name)) src.fail([...p, i], `'${name}' is not matched by the pattern '${pattern}'`);
    });
    const had = c.reviewed.get(pattern);
    c.reviewed.set(pattern, { src, path: p, names: [...new Set([...(had?.names ?? []), ...names])] });
  }
}

function readRules(src: Source, c: Collected): void {
  src.list(['rules']).forEach((_, i) => {
    const p: Path = ['rules', i];
    src.keys(p, ['id', 'held', 'severity', 'confidence', 'paths', 'not-paths', 'calls', 'lower-if-held', 'unless-after', 'analysis', 'does', 'waits', 'fix', 'precedent']);
    const id = src.str([...p, 'id'])!;
    if (!/^[a-z0-9-]+$/.test(id)) src.fail([...p, 'id'], 'rule ids are lower-case words joined by "-"');
    if (c.rules.some((r) => r.id === id)) src.fail([...p, 'id'], `rule "${id}" is defined twice`);
    const analysis = src.get([...p, 'analysis']) === undefined ? undefined : src.oneOf([...p, 'analysis'], ['order', 'balance'] as const);
    const held = src.strList([...p, 'held']);
    held.forEach((k, j) => c.kindRefs.push([src, [...p, 'held', j], k]));
    if (!analysis && held.length === 0) src.fail([...p, 'held'], 'a rule needs the lock kinds it applies under');
    const calls = readCalls(src, [...p, 'calls'], c);
    if (!analysis && calls.length === 0) src.fail([...p, 'calls'], 'a rule needs at least one call');
    const lower = src.strList([...p, 'lower-if-held']);
    lower.forEach((k, j) => c.kindRefs.push([src, [...p, 'lower-if-held', j], k]));
    const notPaths = src.list([...p, 'not-paths']).map((_, j) => {
      const q = [...p, 'not-paths', j];
      src.keys(q, ['path', 'reason']);
      return { path: src.str([...q, 'path'])!, reason: src.str([...q, 'reason'])! };
    });
    const precedent = src.list([...p, 'precedent']).map((_, j) => {
      const q = [...p, 'precedent', j];
      src.keys(q, ['commit', 'subject']);
      const commit = src.str([...q, 'commit'])!;
      if (!/^[0-9a-f]{12,40}$/.test(commit)) src.fail([...q, 'commit'], 'expected a commit id of at least 12 hex digits');
      return { commit, subject: src.str([...q, 'subject'], false) };
    });
    c.rules.push({
      id,
      held,
      severity: src.oneOf([...p, 'severity'], SEVERITIES),
      confidence: src.oneOf([...p, 'confidence'], CONFIDENCES, 'high'),
      paths: src.strList([...p, 'paths']),
      notPaths,
      calls,
      lowerIfHeld: lower,
      unlessAfter: src.strList([...p, 'unless-after']),
      analysis,
      does: src.str([...p, 'does'])!,
      waits: src.str([...p, 'waits'])!,
      fix: src.str([...p, 'fix'])!,
      precedent,
      file: src.file,
    });
  });
}

function readNever(src: Source, c: Collected): void {
  src.list(['never']).forEach((_, i) => {
    const p: Path = ['never', i];
    src.keys(p, ['held', 'calls', 'args', 'lock-arg']);
    const held = src.str([...p, 'held'])!;
    c.kindRefs.push([src, [...p, 'held'], held]);
    const calls = new NameMatcher<true>();
    src.strList([...p, 'calls']).forEach((n) => calls.add(n, true));
    const args = src.list([...p, 'args']).map((_, j) => src.regex([...p, 'args', j], true)!);
    const lockArg = src.get([...p, 'lock-arg']);
    if (lockArg !== undefined && (typeof lockArg !== 'number' || !Number.isInteger(lockArg) || lockArg < 0)) src.fail([...p, 'lock-arg'], 'expected an argument index');
    c.never.push({ held, calls, args, ...(typeof lockArg === 'number' ? { lockArg } : {}) });
  });
}

function readOrders(src: Source, c: Collected): void {
  src.list(['orders']).forEach((_, i) => {
    const p: Path = ['orders', i];
    src.keys(p, ['first', 'then', 'source', 'paths']);
    c.orders.push({ first: src.str([...p, 'first'])!, then: src.str([...p, 'then'])!, source: src.str([...p, 'source'])!, paths: src.strList([...p, 'paths']) });
  });
}

function readEntry(src: Source, c: Collected): void {
  src.list(['entry']).forEach((_, i) => {
    const p: Path = ['entry', i];
    src.keys(p, ['holds', 'callbacks', 'names', 'param', 'key', 'why']);
    const holds = src.str([...p, 'holds'])!;
    c.kindRefs.push([src, [...p, 'holds'], holds]);
    const rule: EntryRule = { holds, callbacks: src.strList([...p, 'callbacks']), names: src.strList([...p, 'names']).map(globToRegExp) };
    const param = src.regex([...p, 'param']);
    const key = src.str([...p, 'key'], false);
    const why = src.str([...p, 'why'], false);
    if (param) rule.param = param;
    if (key) rule.key = key;
    if (why) rule.why = why;
    if (!param === !key) src.fail(p, 'an entry rule names its lock by param or by key (one of them)');
    c.entry.push(rule);
  });
}

function readExit(src: Source, c: Collected): void {
  src.list(['exit']).forEach((_, i) => {
    const p: Path = ['exit', i];
    src.keys(p, ['holds', 'callbacks', 'names', 'returns']);
    const holds = src.strList([...p, 'holds']);
    holds.forEach((h, j) => c.kindRefs.push([src, [...p, 'holds', j], h]));
    const rule: ExitRule = { holds, callbacks: src.strList([...p, 'callbacks']), names: src.strList([...p, 'names']).map(globToRegExp) };
    const returns = src.regex([...p, 'returns']);
    if (returns) rule.returns = returns;
    if (!rule.callbacks.length && !rule.names.length && !rule.returns) src.fail(p, 'an exit contract needs callbacks, names or returns');
    c.exit.push(rule);
  });
}

const SYNTAX_LISTS: [string, keyof SyntaxSpec][] = [
  ['acquires', 'acquires'],
  ['releases', 'releases'],
  ['must-hold', 'mustHold'],
  ['assert-held', 'assertHeld'],
  ['ignore-words', 'ignoreWords'],
  ['ignore-calls', 'ignoreCalls'],
  ['loop-macros', 'loopMacros'],
  ['guard-macros', 'guardMacros'],
  ['scoped-guard-macros', 'scopedGuardMacros'],
  ['transparent', 'transparent'],
  ['error-tests', 'errorTests'],
  ['unwrap', 'unwrap'],
  ['generic-fields', 'genericFields'],
];

function readSyntax(src: Source, c: Collected): void {
  if (src.get(['syntax']) === undefined) return;
  src.keys(['syntax'], [...SYNTAX_LISTS.map(([k]) => k), 'guard-classes', 'define-macros', 'lock-types', 'lock-fields']);
  for (const [yamlKey, key] of [['lock-types', 'lockTypes'], ['lock-fields', 'lockFields']] as const) {
    const map = src.get(['syntax', yamlKey]);
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) src.fail(['syntax', yamlKey], 'expected a mapping of names to lock kinds');
    const out: Record<string, string> = { ...(c.syntax[key] ?? {}) };
    for (const name of Object.keys(map as object)) {
      const kind = src.str(['syntax', yamlKey, name])!;
      c.kindRefs.push([src, ['syntax', yamlKey, name], kind]);
      out[name] = kind;
    }
    c.syntax[key] = out;
  }
  const s = c.syntax as Record<string, unknown>;
  for (const [yamlKey, key] of SYNTAX_LISTS) {
    if (src.get(['syntax', yamlKey]) !== undefined) s[key] = [...((s[key] as string[] | undefined) ?? []), ...src.strList(['syntax', yamlKey])];
  }
  const defines = src.get(['syntax', 'define-macros']);
  if (defines !== undefined) {
    if (typeof defines !== 'object' || defines === null || Array.isArray(defines)) src.fail(['syntax', 'define-macros'], 'expected a mapping of macro globs to name prefixes');
    const out: Record<string, string> = { ...(c.syntax.defineMacros ?? {}) };
    for (const glob of Object.keys(defines as object)) {
      const prefix = (defines as Record<string, unknown>)[glob] ?? '';
      if (typeof prefix !== 'string' || !/^[A-Za-z0-9_]*$/.test(prefix)) src.fail(['syntax', 'define-macros', glob], 'expected a name prefix (letters, digits, _), or nothing');
      if (!/^[A-Za-z_*?][A-Za-z0-9_*?]*$/.test(glob)) src.fail(['syntax', 'define-macros', glob], 'expected a macro name glob');
      // Every line of a C file is matched against these globs at once: one `*` each keeps that a single pass.
      if (glob.split('*').length > 2) src.fail(['syntax', 'define-macros', glob], 'at most one * in a macro name glob');
      out[glob] = prefix as string;
    }
    c.syntax.defineMacros = out;
  }
  const classes = src.get(['syntax', 'guard-classes']);
  if (classes !== undefined) {
    if (typeof classes !== 'object' || Array.isArray(classes)) src.fail(['syntax', 'guard-classes'], 'expected a mapping');
    const out: Record<string, GuardClass> = { ...(c.syntax.guardClasses ?? {}) };
    for (const name of Object.keys(classes as object)) {
      const p: Path = ['syntax', 'guard-classes', name];
      src.keys(p, ['kind', 'key']);
      const kind = src.str([...p, 'kind'])!;
      c.kindRefs.push([src, [...p, 'kind'], kind]);
      out[name] = { kind, key: src.str([...p, 'key'], false) };
    }
    c.syntax.guardClasses = out;
  }
}

/** Build a RuleSet from rule file texts. Throws KreviewError `file:line: path: reason`. */
export function parseRuleFiles(files: { file: string; text: string }[], limits: Pick<Limits, 'regexMs' | 'lineLength'> = DEFAULT_LIMITS): RuleSet {
  return ruleSetOf(parseRuleData(files, limits));
}

/** What the rule files say, validated: plain data and rule patterns, which JSON can keep (rules-cache.ts). */
export type RuleData = Omit<RuleSet, 'model'> & { primitives: PrimitiveSpec[]; syntax: SyntaxSpec };

/** The RuleSet of validated rule data. */
export function ruleSetOf(data: RuleData): RuleSet {
  const { primitives, syntax, ...rest } = data;
  return { ...rest, model: buildLockModel(data.kinds, primitives, syntax) };
}

/** Read and validate rule file texts. Throws KreviewError `file:line: path: reason`. */
export function parseRuleData(files: { file: string; text: string }[], limits: Pick<Limits, 'regexMs' | 'lineLength'> = DEFAULT_LIMITS): RuleData {
  const c: Collected = { kinds: [], primitives: [], rules: [], never: [], orders: [], entry: [], exit: [], syntax: {}, kindRefs: [], reviewed: new Map() };
  const hash = createHash('sha256');
  for (const { file, text } of files) {
    hash.update(file).update('\0').update(text).update('\0');
    const src = new Source(file, text, limits);
    if (src.doc.contents === null) continue;
    src.keys([], TOP_KEYS);
    readKinds(src, c);
    readRules(src, c);
    readNever(src, c);
    readOrders(src, c);
    readEntry(src, c);
    readExit(src, c);
    readSyntax(src, c);
    readReviewed(src, c);
  }
  const used = new Set<string>();
  for (const r of c.rules) {
    for (const call of r.calls) {
      const reviewed = call.name === null ? undefined : c.reviewed.get(call.name);
      if (!reviewed) continue;
      call.reviewed = reviewed.names;
      used.add(call.name!);
    }
  }
  for (const [pattern, { src, path }] of c.reviewed) if (!used.has(pattern)) src.fail(path, `no rule's call list uses the pattern '${pattern}'`);
  const known = new Set(c.kinds.map((k) => k.id));
  for (const [src, path, kind] of c.kindRefs) {
    if (!known.has(kind)) src.fail(path, `unknown lock kind "${kind}" (known: ${[...known].join(', ')})`);
  }
  const s = c.syntax;
  const syntax: SyntaxSpec = {
    acquires: s.acquires ?? [],
    releases: s.releases ?? [],
    mustHold: s.mustHold ?? [],
    assertHeld: s.assertHeld ?? [],
    ignoreWords: s.ignoreWords ?? [],
    ignoreCalls: s.ignoreCalls ?? [],
    loopMacros: s.loopMacros ?? [],
    defineMacros: s.defineMacros ?? {},
    guardMacros: s.guardMacros ?? [],
    scopedGuardMacros: s.scopedGuardMacros ?? [],
    guardClasses: s.guardClasses ?? {},
    transparent: s.transparent ?? [],
    errorTests: s.errorTests ?? [],
    unwrap: s.unwrap ?? [],
    genericFields: s.genericFields ?? [],
    lockTypes: s.lockTypes ?? {},
    lockFields: s.lockFields ?? {},
  };
  return {
    primitives: c.primitives,
    syntax,
    kinds: c.kinds,
    rules: c.rules,
    never: c.never,
    orders: c.orders,
    entry: c.entry,
    exit: c.exit,
    hash: hash.digest('hex').slice(0, 16),
  };
}

const loaded = new Map<string, RuleSet>();

/** The bundled rules plus extra files; read once per process (and per pattern limits). */
export function loadRules(extraFiles: string[] = [], limits: Pick<Limits, 'regexMs' | 'lineLength'> = DEFAULT_LIMITS): RuleSet {
  const cacheKey = [...extraFiles, limits.regexMs, limits.lineLength].join('\0');
  const hit = loaded.get(cacheKey);
  if (hit) return hit;
  const bundled = readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => join(RULES_DIR, f));
  const files = [...bundled, ...extraFiles].map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new KreviewError(`cannot read lock rule file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    // kreview's own rule files by their place in the package, so a review reads the same wherever
    // kreview is installed and from wherever it runs; another file relative to here when below it.
    const own = shownPath(path);
    const here = relative(process.cwd(), path);
    return { file: own !== path ? own : here.startsWith('..') ? path : here, text };
  });
  const set = ruleSetOf(cachedRuleData(files, limits, () => parseRuleData(files, limits)));
  loaded.set(cacheKey, set);
  return set;
}
