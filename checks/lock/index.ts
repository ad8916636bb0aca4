// The lock check: for each touched C file, compare the lock state of the changed functions before
// and after the patch, and report only what the patch makes new, anchored on the added line.
import { dirname } from 'node:path';
import type { Check, CheckContext, Workspace } from '../../src/core/check.js';
import { errorMessage } from '../../src/core/errors.js';
import { operatorNote } from '../../src/core/operator-notes.js';
import { PatchBudget } from '../../src/core/limits.js';
import type { FileDiff, Finding, Severity } from '../../src/core/types.js';
import { deletionPoints } from '../../src/git/apply-hunks.js';
import { extendLockModel } from '../../src/c/lock-model.js';
import { defaultCacheDir, factsFor, factsForBlob, setFactsMemoryBudget, summaryIndexFor } from '../../src/c/summaries.js';
import type { FileFacts } from '../../src/c/facts.js';
import { setTreeBudget } from '../../src/c/native-trees.js';
import { assess } from './confidence.js';
import { analyseImage, releasedThere, type AboveLock, type AnalyseContext, type FunctionAnalysis, type FunctionOutline, type Issue } from './analyse.js';
import { callName, explanation, fixedExplanation, fixedMessage, message, precedents, type ExplainContext } from './explain.js';
import { matcherFor } from './match.js';
import { loadRules } from './rules-load.js';
import type { RuleSet } from './rule-types.js';
import { LineIndex } from './line-index.js';
import { headerContracts, setHeaderContractsBudget } from './tree-contracts.js';
import { globOverreach, newOverreachNotes, sleepOverreach } from './glob-report.js';
import { treeSleepIndex } from './tree-sleep.js';
import { onPlacedHunks } from './placed.js';
import { droppedNofsScopes } from './nofs-scope.js';
import { CallerCheck, type CallerFile } from './callers.js';
import { mayTouchLocks } from './quiet-hunks.js';
import { setSleepRecordBudget } from '../../src/c/sleep-index.js';
import type { LockModel, PrimitiveSpec } from '../../src/c/lock-model.js';
import { setNameMemosBudget } from '../../src/core/name-memo.js';

const C_FILE = /\.(c|h)$/;
/** Most base files read for summaries per patch: a bound on time for very large directories. */
const MAX_SUMMARY_FILES = 2000;

interface Touched {
  /** The part of the file diff that is checked (see withinLimits). */
  diff: FileDiff;
  path: string;
  added: LineIndex;
}

const knowns = new WeakMap<LockModel, (name: string) => boolean>();

/**
 * Does the rules' model name this function, whatever its arguments? One function per model: the
 * index keeps the primitives it derived for the same function (SummaryIndex.derivedPrimitives).
 * Not memoised here: it is asked of every helper of the directory at every patch (35,000 names in
 * fs/), and a memo of them passed the name memos' budget, which empties every name memo at once;
 * the model's lookup is a map lookup, and its glob matches are memoised there for the few names a
 * glob's prefix starts (NameMatcher.match).
 */
function knownTo(model: LockModel): (name: string) => boolean {
  let known = knowns.get(model);
  if (!known) {
    known = (n) => model.lookup(n, []).length > 0;
    knowns.set(model, known);
  }
  return known;
}

/** The functions of the touched files' post- and pre-images, by path, as their facts found them. */
interface Outlines {
  post: Map<string, FunctionOutline[]>;
  pre: Map<string, FunctionOutline[]>;
}

/** Thrown inside a step that stops at the review deadline; caught where the step's result is dropped. */
class DeadlinePassed extends Error {}

/**
 * Of a directory's listing (its subtree, or the whole tree at the top), the files whose facts a patch
 * there summarises, in the order it does: the directory's own C files first, then its subtree; at the
 * top of the tree only its own files; at most MAX_SUMMARY_FILES. (A bench warming the facts cache
 * from several threads asks it too.)
 */
export function summarisedFiles(listed: string[], root: boolean): string[] {
  const depth = (p: string): number => p.split('/').length;
  return listed
    .filter((p) => C_FILE.test(p) && (!root || !p.includes('/')))
    .sort((a, b) => depth(a) - depth(b))
    .slice(0, MAX_SUMMARY_FILES);
}

/** Facts of the C files in the directories the patch touches, touched files taken from `images`. */
async function treeFacts(ws: Workspace, touched: Touched[], images: Map<string, string | null>, rules: RuleSet, cacheDir: string, budget: PatchBudget): Promise<FileFacts[]> {
  const paths = new Set<string>();
  // Blob ids of the base tree, when the workspace knows them: unchanged files are not read again.
  const ids = new Map<string, string>();
  for (const dir of new Set(touched.map((t) => dirname(t.path)))) {
    const root = dir === '.';
    const listed = ws.baseFileIds ? await ws.baseFileIds(root ? '' : dir) : null;
    if (listed) for (const [p, id] of listed) ids.set(p, id);
    for (const p of summarisedFiles(listed ? [...listed.keys()] : await ws.listBaseFiles(root ? '' : dir), root)) if (paths.size < MAX_SUMMARY_FILES) paths.add(p);
  }
  for (const p of images.keys()) paths.add(p);
  const out: FileFacts[] = [];
  for (const p of paths) {
    if (budget.expired()) throw new DeadlinePassed();
    const id = images.has(p) ? undefined : ids.get(p);
    if (id !== undefined) {
      const facts = await factsForBlob(p, id, () => ws.readBaseFile(p), rules.model, rules.hash, cacheDir);
      if (facts) out.push(facts);
      continue;
    }
    const text = images.has(p) ? images.get(p)! : await ws.readBaseFile(p);
    if (text === null) continue;
    out.push(factsFor(p, text, rules.model, rules.hash, cacheDir));
  }
  return out;
}

function anchorLine(issue: Issue, fn: FunctionAnalysis, added: LineIndex): number {
  if (added.has(issue.line)) return issue.line;
  if (!issue.lock.entry && added.has(issue.lockLine)) return issue.lockLine;
  // The first added line of the function between the lock and the call, else the function's first.
  const lo = Math.max(fn.startLine, Math.min(issue.lockLine, issue.line));
  const hi = Math.min(fn.endLine, Math.max(issue.lockLine, issue.line));
  return added.firstIn(lo, hi) ?? added.firstIn(fn.startLine, fn.endLine) ?? issue.line;
}

/**
 * One note per dangerous call: when several held locks make the same call a problem (page lock
 * and extent range), keep the outermost one (taken first); the note names it.
 */
function outermostPerCall(issues: Issue[]): Issue[] {
  const best = new Map<string, Issue>();
  for (const i of issues) {
    if (!i.hit) continue;
    const k = `${i.line}|${i.hit.callee}`;
    const cur = best.get(k);
    if (!cur || i.lockLine < cur.lockLine) best.set(k, i);
  }
  return issues.filter((i) => !i.hit || best.get(`${i.line}|${i.hit.callee}`) === i);
}

/** Per History and rule set: the precedents' subjects, looked up once (a range asked again at every commit). */
const subjectsOf = new WeakMap<object, WeakMap<RuleSet, Promise<Map<string, string>>>>();

function precedentSubjects(ws: Workspace, rules: RuleSet): Promise<Map<string, string>> {
  if (!ws.history) return Promise.resolve(new Map());
  let byRules = subjectsOf.get(ws.history);
  if (!byRules) subjectsOf.set(ws.history, (byRules = new WeakMap()));
  let subjects = byRules.get(rules);
  if (!subjects) byRules.set(rules, (subjects = lookUpSubjects(ws.history, rules)));
  return subjects;
}

async function lookUpSubjects(history: NonNullable<Workspace['history']>, rules: RuleSet): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = [...new Set(rules.rules.flatMap((r) => r.precedent.filter((p) => !p.subject).map((p) => p.commit.slice(0, 12))))];
  try {
    const resolved = await history.resolve(wanted);
    const oids = [...resolved.values()].filter((r) => r.status === 'found' && r.type === 'commit').map((r) => r.oid!);
    const commits = await history.commits(oids);
    for (const [q, r] of resolved) {
      const c = r.oid ? commits.get(r.oid) : undefined;
      if (c) out.set(q, c.subject);
    }
  } catch {
    // Precedents are cited by id alone when the repository cannot name them.
  }
  return out;
}

/**
 * The part of a file diff the check reads: its first `hunksPerFile` hunks, and of those the added
 * lines up to line `linesPerFile`; what is left out is said in one note.
 */
function withinLimits(diff: FileDiff, path: string, budget: PatchBudget): Touched {
  const { hunksPerFile, linesPerFile } = budget.limits;
  const hunks = diff.hunks.length > hunksPerFile ? diff.hunks.slice(0, hunksPerFile) : diff.hunks;
  if (hunks !== diff.hunks) budget.note(`${path}: ${diff.hunks.length} hunks, more than limits.hunksPerFile (${hunksPerFile}): the lock check read the first ${hunksPerFile}, the rest were not checked`);
  const added: number[] = [];
  let beyond = false;
  // Added lines, and where lines were deleted (a patch that only drops an unlock changes the code there).
  for (const l of [...deletionPoints(hunks), ...hunks.flatMap((h) => h.lines.filter((x) => x.kind === 'add' && x.newLine !== null).map((x) => x.newLine!))]) {
    if (l <= linesPerFile) added.push(l);
    else beyond = true;
  }
  if (beyond) budget.note(`${path}: lines after line ${linesPerFile} (limits.linesPerFile) were not checked for locking`);
  return { diff: hunks === diff.hunks ? diff : { ...diff, hunks }, path, added: new LineIndex(added) };
}

/**
 * The first `count` lines of `text`: what the analysis parses of an image. A hunk-only image needs
 * nothing past its last hunk; a complete one nothing past `linesPerFile`.
 */
function headLines(text: string, count: number): string {
  let at = -1;
  for (let i = 0; i < count; i++) {
    at = text.indexOf('\n', at + 1);
    if (at === -1) return text;
  }
  return text.slice(0, at);
}

/**
 * `text` with every line longer than `max` characters cut there, and whether any was: what the
 * parser and the rule regexes see of a line. The mail itself is untouched; a cut function may no
 * longer parse, and is then named as unparsed rather than guessed at.
 */
function cutLongLines(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  const parts: string[] = [];
  let cut = false;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > max) {
      parts.push(text.slice(start, start + max));
      cut = true;
    } else parts.push(text.slice(start, end));
    start = end + 1;
  }
  return cut ? { text: parts.join('\n'), cut } : { text, cut };
}

function oldHunkLines(diff: FileDiff): number[] {
  const out: number[] = [];
  for (const h of diff.hunks) for (const l of h.lines) if (l.oldLine !== null) out.push(l.oldLine);
  return out;
}

export async function runLockCheck(ctx: CheckContext): Promise<Finding[]> {
  const ws = ctx.workspace;
  const budget = ctx.budget ?? new PatchBudget(ctx.config.limits);
  const rules = loadRules(ctx.config.lock.ruleFiles, budget.limits);
  setFactsMemoryBudget(budget.limits.cacheBytes);
  setNameMemosBudget(budget.limits.cacheBytes);
  setSleepRecordBudget(budget.limits.cacheBytes);
  setTreeBudget(budget.limits.cacheBytes);
  setHeaderContractsBudget(budget.limits.cacheBytes);
  const matcher = matcherFor(rules);
  const diffs = await ws.files();
  const touched: Touched[] = diffs
    .filter((d) => !d.binary && d.newPath && C_FILE.test(d.newPath) && d.status !== 'deleted')
    .map((d) => withinLimits(d, d.newPath!, budget))
    .filter((t) => t.added.size > 0);
  if (touched.length === 0) return [];
  // Read from the diff's own lines: a NOFS scope the patch takes away (nofs-scope.ts).
  const scopeFindings = touched.flatMap((t) => droppedNofsScopes(t.diff, t.path));

  const posts = new Map<string, Awaited<ReturnType<Workspace['postImage']>>>();
  const pres = new Map<string, Awaited<ReturnType<Workspace['preImage']>>>();
  const findings: Finding[] = [];
  for (const t of [...touched]) {
    try {
      posts.set(t.path, await ws.postImage(t.path));
      pres.set(t.path, t.diff.oldPath ? await ws.preImage(t.diff.oldPath) : null);
    } catch (e) {
      touched.splice(touched.indexOf(t), 1);
      findings.push({ id: 'lock/unparsed', severity: 'note', message: `cannot read ${t.path}: ${errorMessage(e)}`, location: { kind: 'file', path: t.path, line: t.added.first()! } });
    }
  }

  // Where a parse of each touched file's whole images finds its functions (their facts), when summarised.
  const outlines: Outlines = { post: new Map(), pre: new Map() };
  const outline = (into: Map<string, FunctionOutline[]>, facts: FileFacts[]): void => {
    for (const f of facts) if (touched.some((t) => t.path === f.path)) into.set(f.path, f.functions);
  };
  let preCtx: AnalyseContext = { rules, model: rules.model, matcher, summaries: null, expired: () => budget.expired() };
  let postCtx: AnalyseContext = preCtx;
  const complete = touched.every((t) => posts.get(t.path)?.complete);
  if (ws.repo && complete && ctx.config.lock.summaryDepth > 0) {
    try {
      const cacheDir = defaultCacheDir();
      const depth = ctx.config.lock.summaryDepth;
      const tagger = matcher.tagger();
      const known = knownTo(rules.model);
      const postTexts = new Map(touched.map((t) => [t.path, posts.get(t.path)?.text ?? null]));
      const preTexts = new Map(touched.map((t) => [t.path, pres.get(t.path)?.text ?? null]));
      // The headers the touched files include: their inline helpers and annotated prototypes (tree-contracts.ts).
      const postFacts = await treeFacts(ws, touched, postTexts, rules, cacheDir, budget);
      outline(outlines.post, postFacts);
      const headers = await headerContracts(ws, postTexts, new Set(postFacts.map((f) => f.path)), rules, cacheDir, budget);
      // An annotation is the author's word on a function: it wins over what its body seemed to do.
      const withContracts = (derived: PrimitiveSpec[]): PrimitiveSpec[] => {
        const annotated = new Set(headers.primitives.map((p) => p.name));
        return [...headers.primitives.filter((p) => !known(p.name)), ...derived.filter((p) => !annotated.has(p.name))];
      };
      const postIndex = summaryIndexFor([...postFacts, ...headers.facts], tagger, depth, cacheDir, postFacts.length);
      // Said to the operator, not the patch's author (src/core/operator-notes.ts).
      for (const line of newOverreachNotes(globOverreach(rules, [...postFacts, ...headers.facts], postIndex, tagger))) operatorNote(line);
      // The base tree's sleeping functions, for both images: built once per tree, then read from the cache.
      const wantSleeps = ctx.config.lock.treeSleepIndex;
      const sleeps = wantSleeps ? await treeSleepIndex(ws, rules, matcher, cacheDir, () => budget.expired()) : null;
      if (wantSleeps && sleeps === null && ws.baseFileIds && budget.expired()) budget.stopped("the tree's sleeping functions were not indexed (the next review goes on from there)");
      if (sleeps) for (const line of newOverreachNotes(sleepOverreach(sleeps, rules))) operatorNote(line);
      preCtx = { ...preCtx, sleeps };
      postCtx = { ...preCtx, summaries: postIndex, model: extendLockModel(rules.model, withContracts(postIndex.derivedPrimitives(known))) };
      // Pre-images are analysed only for files the patch did not add.
      if (touched.some((t) => pres.get(t.path))) {
        const preFacts = await treeFacts(ws, touched, preTexts, rules, cacheDir, budget);
        outline(outlines.pre, preFacts);
        const preIndex = summaryIndexFor([...preFacts, ...headers.facts], tagger, depth, cacheDir, preFacts.length);
        preCtx = { ...preCtx, summaries: preIndex, model: extendLockModel(rules.model, withContracts(preIndex.derivedPrimitives(known))) };
      }
    } catch (e) {
      if (e instanceof DeadlinePassed) budget.stopped('helpers elsewhere in the tree were not summarised');
      else findings.push({ id: 'lock/unparsed', severity: 'note', message: `helper summaries skipped: ${errorMessage(e)}`, location: { kind: 'patch' } });
    }
  }

  const explainCtx: ExplainContext = { kinds: rules.model.kinds, subjects: await precedentSubjects(ws, rules), hunkOnly: false };
  // The changed functions of each file, for the check of how the tree's callers call them (callers.ts).
  const analysed: CallerFile[] = [];
  for (const [i, t] of touched.entries()) {
    try {
      // Without a repository nobody reads the analysed functions but the findings (the callers' check needs one).
      const found = checkFile(t, posts.get(t.path) ?? null, pres.get(t.path) ?? null, postCtx, preCtx, explainCtx, budget, outlines, !ws.repo, (after, before) => {
        const post = posts.get(t.path);
        if (post) analysed.push({ path: t.path, added: t.added, postText: post.text, preText: pres.get(t.path)?.text ?? null, after, before });
      });
      const assumed = posts.get(t.path)?.assumed;
      findings.push(...(assumed ? found.map((f) => onPlacedHunks(f, assumed)) : found));
    } catch (e) {
      if (!(e instanceof DeadlinePassed)) {
        findings.push({ id: 'lock/unparsed', severity: 'note', message: `cannot analyse ${t.path}: ${errorMessage(e)}`, location: { kind: 'file', path: t.path, line: t.added.first()! } });
        continue;
      }
      // A file is reported only when both of its images were analysed: half a comparison would call old problems new.
      budget.stopped(`the locking of ${touched.slice(i).map((x) => x.path).join(', ')} was not checked`);
      break;
    }
  }
  // Repository mode, whether or not the patch applied: the callers are the base tree's.
  if (ws.repo && analysed.length && !budget.expired()) {
    try {
      const sleeps = preCtx.sleeps !== undefined ? preCtx.sleeps : ctx.config.lock.treeSleepIndex ? await treeSleepIndex(ws, rules, matcher, defaultCacheDir(), () => budget.expired()) : null;
      const callers = new CallerCheck({ ws, rules, matcher, sleeps, budget, touched: new Set(touched.map((t) => t.path)), cacheDir: defaultCacheDir() });
      for (const f of analysed) {
        const assumed = posts.get(f.path)?.assumed;
        const found = await callers.findings(f);
        findings.push(...(assumed ? found.map((x) => onPlacedHunks(x, assumed)) : found));
      }
    } catch (e) {
      findings.push({ id: 'lock/unparsed', severity: 'note', message: `callers in the tree were not checked: ${errorMessage(e)}`, location: { kind: 'patch' } });
    }
  }
  return [...findings, ...scopeFindings];
}

function checkFile(
  t: Touched,
  post: { text: string; complete: boolean } | null,
  pre: { text: string; complete: boolean } | null,
  postCtx: AnalyseContext,
  preCtx: AnalyseContext,
  explainCtx: ExplainContext,
  budget: PatchBudget,
  outlines: Outlines,
  findingsOnly: boolean,
  analysed?: (after: FunctionAnalysis[], before: FunctionAnalysis[]) => void,
): Finding[] {
  if (!post) return [];
  const findings: Finding[] = [];
  const { linesPerFile, lineLength } = budget.limits;
  const postHunks = t.diff.hunks.map((h) => ({ start: h.newStart, count: h.newLines, section: h.section }));
  const preHunks = t.diff.hunks.map((h) => ({ start: h.oldStart, count: h.oldLines, section: h.section }));
  // What is parsed of an image: up to linesPerFile lines, and for a hunk-only image up to the end of the last hunk read.
  const image = (text: string, complete: boolean, hunks: { start: number; count: number }[]): string => {
    const head = headLines(text, complete ? linesPerFile : Math.min(linesPerFile, hunks.reduce((end, h) => Math.max(end, h.start + h.count), 0)));
    const cut = cutLongLines(head, lineLength);
    if (cut.cut) budget.note(`${t.path}: lines longer than ${lineLength} characters (limits.lineLength) were cut there for the lock check`);
    return cut.text;
  };
  // The hunks' context lines, named alike in both images: a path leaving on one is the same path in both.
  const postIds = new Map<number, string>();
  const preIds = new Map<number, string>();
  for (const h of t.diff.hunks) {
    for (const l of h.lines) {
      if (l.kind !== 'ctx' || l.oldLine === null || l.newLine === null) continue;
      postIds.set(l.newLine, `c${l.oldLine}`);
      preIds.set(l.oldLine, `c${l.oldLine}`);
    }
  }
  // The outline holds for the text its facts were made of, not for one cut to the limits.
  const outlined = (text: string, whole: string, of: Map<string, FunctionOutline[]>) => (text === whole ? { outline: of.get(t.path) } : {});
  const postText = image(post.text, post.complete, postHunks);
  const postInput = { path: t.path, text: postText, complete: post.complete, lines: [...t.added.all], hunks: postHunks, lineIds: postIds, ...outlined(postText, post.text, outlines.post) };
  const preText = pre ? image(pre.text, pre.complete, preHunks) : '';
  const preInput = pre
    ? { path: t.diff.oldPath ?? t.path, text: preText, complete: pre.complete, lines: oldHunkLines(t.diff).filter((l) => l <= linesPerFile), hunks: preHunks, lineIds: preIds, ...outlined(preText, pre.text, outlines.pre) }
    : null;
  // Both images seen only in their hunks (no repository), and no word of either, nor of the hunks'
  // sections, can make a lock held or released (quiet-hunks.ts): their parse and walks would find
  // functions with no issue, so no finding (hunk-only images report no unparsed function either:
  // analyseImage leaves those out). The model is the rules' own here: no summaries without a tree.
  const sameModel = postCtx.model === postCtx.rules.model && preCtx.model === preCtx.rules.model && postCtx.rules === preCtx.rules && !postCtx.summaries && !preCtx.summaries && !postCtx.sleeps && !preCtx.sleeps;
  if (findingsOnly && sameModel && !post.complete && !pre?.complete && !mayTouchLocks([postText, preText, ...t.diff.hunks.map((h) => h.section)], postCtx.rules)) {
    if (budget.expired()) throw new DeadlinePassed();
    return [];
  }
  let after = analyseImage(postInput, postCtx);
  if (budget.expired()) throw new DeadlinePassed();
  let before = preInput ? analyseImage(preInput, preCtx) : [];
  if (budget.expired()) throw new DeadlinePassed();
  // A function of both images that releases a lock it was not seen to take: judge both images again
  // with it held from the start of what was seen, so a path the patch left holding it shows.
  const assumed = assumedAbove(after, before);
  if (preInput && assumed.size) {
    after = analyseImage({ ...postInput, assumed }, postCtx);
    before = analyseImage({ ...preInput, assumed }, preCtx);
    if (budget.expired()) throw new DeadlinePassed();
  }
  analysed?.(after, before);
  const beforeByKey = new Map(before.map((f) => [f.key, f]));
  // A problem the pre-image had in any changed function moved with the code: it is not new.
  const movedKeys = new Set(before.flatMap((f) => f.issues.map((i) => i.key)));
  for (const fn of after) {
    const ex: ExplainContext = { ...explainCtx, hunkOnly: fn.hunkOnly || !post.complete };
    const firstAdded = t.added.firstIn(fn.startLine, fn.endLine) ?? fn.startLine;
    if (fn.errorLines.length) {
      findings.push({
        id: 'lock/unparsed',
        severity: 'note',
        message: `${fn.name}() could not be fully parsed (line ${fn.errorLines[0]}); its locking was not checked`,
        location: { kind: 'file', path: t.path, line: firstAdded },
        confidence: 'high',
      });
      continue;
    }
    const old = beforeByKey.get(fn.key);
    const oldKeys = new Set(old?.issues.map((i) => i.key) ?? []);
    const newKeys = new Set(fn.issues.map((i) => i.key));
    const reported = new Set<string>();
    for (const issue of outermostPerCall(fn.issues.filter((i) => leakEvidenced(i, old) && !releaseMovedOut(i, fn, t)))) {
      if (oldKeys.has(issue.key) || movedKeys.has(issue.key) || reported.has(issue.key)) continue;
      reported.add(issue.key);
      const line = anchorLine(issue, fn, t.added);
      const { severity, confidence, basis } = assess(issue, explainCtx.kinds, ex.hunkOnly);
      const related = [];
      const lockLine = issue.lock.above ? (issue.lock.releaseLine ?? issue.lockLine) : issue.lockLine;
      if (!issue.lock.entry && lockLine !== line) related.push({ location: { kind: 'file' as const, path: t.path, line: lockLine }, label: relatedLabel(issue.lock) });
      if (issue.reverse?.tree) related.push({ location: { kind: 'file' as const, path: issue.reverse.tree.path, line: issue.reverse.tree.line }, label: `${issue.reverse.tree.fn}() takes them the other way round` });
      findings.push({
        id: `lock/${issue.rule.id}`,
        severity,
        confidence,
        basis,
        message: message(issue, ex),
        explanation: explanation(issue, ex),
        location: { kind: 'file', path: t.path, line },
        related,
        evidence: issue.rule.precedent.length ? precedents(issue.rule, explainCtx.subjects) : undefined,
      });
    }
    for (const issue of outermostPerCall((old?.issues ?? []).filter((i) => leakEvidenced(i, fn)))) {
      if (newKeys.has(issue.key) || reported.has(`fixed|${issue.key}`)) continue;
      reported.add(`fixed|${issue.key}`);
      findings.push({
        id: `lock/${issue.rule.id}`,
        severity: 'note',
        confidence: 'medium',
        message: fixedMessage(issue, ex),
        explanation: fixedExplanation(issue, ex) || undefined,
        location: { kind: 'file', path: t.path, line: firstAdded },
      });
    }
  }
  return findings;
}

/**
 * Per function key of both images: the locks either image releases with no acquire in sight
 * (analyse.ts, AboveLock), to be assumed held from the start of what was seen in both.
 */
function assumedAbove(after: FunctionAnalysis[], before: FunctionAnalysis[]): Map<string, AboveLock[]> {
  const out = new Map<string, AboveLock[]>();
  const old = new Map(before.map((f) => [f.key, f]));
  for (const fn of after) {
    const o = old.get(fn.key);
    if (!o) continue;
    const all = new Map<string, AboveLock>();
    for (const a of [...fn.unmatched, ...o.unmatched]) {
      const k = `${a.kind}|${a.key}`;
      const had = all.get(k);
      // Held above an unseen stretch if either image says so (AboveLock.belowGap).
      if (!had) all.set(k, { ...a });
      else if (had.belowGap && !a.belowGap) had.belowGap = false;
    }
    if (all.size) out.set(fn.key, [...all.values()]);
  }
  return out;
}

/**
 * A lock from above kept on a path out of the seen code counts only with evidence that the path
 * should drop it: another path out the same way does, in this image or in the other one.
 */
function leakEvidenced(issue: Issue, other: FunctionAnalysis | undefined): boolean {
  if (issue.leak !== 'path' || !issue.leaves) return true;
  if (issue.leaves.evidence) return true;
  if (!other || !releasedThere(issue.lock, issue.leaves, other.releasedAt, true)) return false;
  issue.leaves.evidence = 'other-image';
  return true;
}

/** A whole-line call statement: `end_removing(dentry);`, `ret = finish(x);` is not one. */
const CALL_STATEMENT = /^\s*([A-Za-z_]\w*)\s*\(.*\)\s*;\s*$/;

/**
 * A leak whose only evidence is the pre-image, where the patch removed every release of the lock the
 * post-image showed and put a call of another function in place of one (in the same hunk): the
 * release moved into a helper whose body the hunks do not show (`inode_unlock(d_inode(dir))`
 * becoming the series' own `end_removing(dentry)`), it was not dropped from a path.
 */
function releaseMovedOut(issue: Issue, fn: FunctionAnalysis, t: Touched): boolean {
  if (issue.leaves?.evidence !== 'other-image') return false;
  const prefix = `${issue.lock.kind}|${issue.lock.key}|`;
  if (fn.unmatched.some((a) => a.kind === issue.lock.kind && a.key === issue.lock.key) || fn.releasedAt.some((r) => r.startsWith(prefix))) return false;
  const release = issue.lock.via.replace(/\(.*$/, '');
  return t.diff.hunks.some((h) => {
    const inFn = h.lines.filter((l) => l.kind !== 'del' && l.newLine !== null && l.newLine >= fn.startLine && l.newLine <= fn.endLine);
    if (!inFn.length) return false;
    const dropped = h.lines.some((l) => l.kind === 'del' && CALL_STATEMENT.exec(l.text)?.[1] === release);
    const callee = (l: { text: string }): string | undefined => CALL_STATEMENT.exec(l.text)?.[1];
    return dropped && h.lines.some((l) => l.kind === 'add' && callee(l) !== undefined && callee(l) !== release);
  });
}

export const lockCheck: Check = {
  id: 'lock',
  description: 'lock-order heuristics on changed C code: reservations, transactions, waits and faults under the page lock, sleeping in atomic context, ABBA orders, leaked locks',
  run: runLockCheck,
};

/** Load the rules once at start-up so an invalid rule file stops the program with file:line: reason. */
export function validateLockRules(extraFiles: string[] = []): void {
  loadRules(extraFiles);
}

/** The related place of a finding's lock: where it is taken, or (a lock from above) the release that says it was held. */
function relatedLabel(lock: Issue['lock']): string {
  return lock.above ? `${callName(lock.via)} releases the lock here, with no acquire in the lines seen` : `${callName(lock.via)} takes the lock here`;
}
