// The lock check: for each touched C file, compare the lock state of the changed functions before
// and after the patch, and report only what the patch makes new, anchored on the added line.
import { dirname } from 'node:path';
import type { Check, CheckContext, Workspace } from '../../src/core/check.js';
import { errorMessage } from '../../src/core/errors.js';
import type { FileDiff, Finding } from '../../src/core/types.js';
import { extendLockModel } from '../../src/c/lock-model.js';
import { defaultCacheDir, factsFor, summaryIndexFor } from '../../src/c/summaries.js';
import type { FileFacts } from '../../src/c/facts.js';
import { assess } from './confidence.js';
import { analyseImage, type AnalyseContext, type FunctionAnalysis, type Issue } from './analyse.js';
import { callName, explanation, fixedExplanation, fixedMessage, message, precedents, type ExplainContext } from './explain.js';
import { matcherFor } from './match.js';
import { loadRules } from './rules-load.js';
import type { RuleSet } from './rule-types.js';

const C_FILE = /\.(c|h)$/;
/** Most base files read for summaries per patch: a bound on time for very large directories. */
const MAX_SUMMARY_FILES = 2000;

interface Touched {
  diff: FileDiff;
  path: string;
  added: Set<number>;
}

/** Facts of the C files in the directories the patch touches, touched files taken from `images`. */
async function treeFacts(ws: Workspace, touched: Touched[], images: Map<string, string | null>, rules: RuleSet, cacheDir: string): Promise<FileFacts[]> {
  const paths = new Set<string>();
  for (const dir of new Set(touched.map((t) => dirname(t.path)))) {
    const root = dir === '.';
    const depth = (p: string): number => p.split('/').length;
    // The directory's own files first, then its subtree; at the top of the tree only its own files.
    const files = (await ws.listBaseFiles(root ? '' : dir))
      .filter((p) => C_FILE.test(p) && (!root || !p.includes('/')))
      .sort((a, b) => depth(a) - depth(b));
    for (const p of files) if (paths.size < MAX_SUMMARY_FILES) paths.add(p);
  }
  for (const p of images.keys()) paths.add(p);
  const out: FileFacts[] = [];
  for (const p of paths) {
    const text = images.has(p) ? images.get(p)! : await ws.readBaseFile(p);
    if (text === null) continue;
    out.push(factsFor(p, text, rules.model, rules.hash, cacheDir));
  }
  return out;
}

function anchorLine(issue: Issue, fn: FunctionAnalysis, added: Set<number>): number {
  if (added.has(issue.line)) return issue.line;
  if (!issue.lock.entry && added.has(issue.lockLine)) return issue.lockLine;
  const inFn = [...added].filter((l) => l >= fn.startLine && l <= fn.endLine).sort((a, b) => a - b);
  const lo = Math.min(issue.lockLine, issue.line);
  const hi = Math.max(issue.lockLine, issue.line);
  return inFn.find((l) => l >= lo && l <= hi) ?? inFn[0] ?? issue.line;
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

async function precedentSubjects(ws: Workspace, rules: RuleSet): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!ws.history) return out;
  const wanted = [...new Set(rules.rules.flatMap((r) => r.precedent.filter((p) => !p.subject).map((p) => p.commit.slice(0, 12))))];
  try {
    const resolved = await ws.history.resolve(wanted);
    const oids = [...resolved.values()].filter((r) => r.status === 'found' && r.type === 'commit').map((r) => r.oid!);
    const commits = await ws.history.commits(oids);
    for (const [q, r] of resolved) {
      const c = r.oid ? commits.get(r.oid) : undefined;
      if (c) out.set(q, c.subject);
    }
  } catch {
    // Precedents are cited by id alone when the repository cannot name them.
  }
  return out;
}

function addedLines(diff: FileDiff): Set<number> {
  const out = new Set<number>();
  for (const h of diff.hunks) for (const l of h.lines) if (l.kind === 'add' && l.newLine !== null) out.add(l.newLine);
  return out;
}

function oldHunkLines(diff: FileDiff): number[] {
  const out: number[] = [];
  for (const h of diff.hunks) for (const l of h.lines) if (l.oldLine !== null) out.push(l.oldLine);
  return out;
}

export async function runLockCheck(ctx: CheckContext): Promise<Finding[]> {
  const ws = ctx.workspace;
  const rules = loadRules(ctx.config.lock.ruleFiles);
  const matcher = matcherFor(rules);
  const diffs = await ws.files();
  const touched: Touched[] = diffs
    .filter((d) => !d.binary && d.newPath && C_FILE.test(d.newPath) && d.status !== 'deleted')
    .map((d) => ({ diff: d, path: d.newPath!, added: addedLines(d) }))
    .filter((t) => t.added.size > 0);
  if (touched.length === 0) return [];

  const posts = new Map<string, Awaited<ReturnType<Workspace['postImage']>>>();
  const pres = new Map<string, Awaited<ReturnType<Workspace['preImage']>>>();
  const findings: Finding[] = [];
  for (const t of [...touched]) {
    try {
      posts.set(t.path, await ws.postImage(t.path));
      pres.set(t.path, t.diff.oldPath ? await ws.preImage(t.diff.oldPath) : null);
    } catch (e) {
      touched.splice(touched.indexOf(t), 1);
      findings.push({ id: 'lock/unparsed', severity: 'note', message: `cannot read ${t.path}: ${errorMessage(e)}`, location: { kind: 'file', path: t.path, line: Math.min(...t.added) } });
    }
  }

  let preCtx: AnalyseContext = { rules, model: rules.model, matcher, summaries: null };
  let postCtx: AnalyseContext = preCtx;
  const complete = touched.every((t) => posts.get(t.path)?.complete);
  if (ws.repo && complete && ctx.config.lock.summaryDepth > 0) {
    try {
      const cacheDir = defaultCacheDir();
      const depth = ctx.config.lock.summaryDepth;
      const tagger = matcher.tagger();
      const known = (n: string): boolean => rules.model.lookup(n, []).length > 0;
      const postTexts = new Map(touched.map((t) => [t.path, posts.get(t.path)?.text ?? null]));
      const preTexts = new Map(touched.map((t) => [t.path, pres.get(t.path)?.text ?? null]));
      const postIndex = summaryIndexFor(await treeFacts(ws, touched, postTexts, rules, cacheDir), tagger, depth);
      postCtx = { ...preCtx, summaries: postIndex, model: extendLockModel(rules.model, postIndex.derivedPrimitives(known)) };
      // Pre-images are analysed only for files the patch did not add.
      if (touched.some((t) => pres.get(t.path))) {
        const preIndex = summaryIndexFor(await treeFacts(ws, touched, preTexts, rules, cacheDir), tagger, depth);
        preCtx = { ...preCtx, summaries: preIndex, model: extendLockModel(rules.model, preIndex.derivedPrimitives(known)) };
      }
    } catch (e) {
      findings.push({ id: 'lock/unparsed', severity: 'note', message: `helper summaries skipped: ${errorMessage(e)}`, location: { kind: 'patch' } });
    }
  }

  const explainCtx: ExplainContext = { kinds: rules.model.kinds, subjects: await precedentSubjects(ws, rules), hunkOnly: false };
  for (const t of touched) {
    try {
      findings.push(...checkFile(t, posts.get(t.path) ?? null, pres.get(t.path) ?? null, postCtx, preCtx, explainCtx));
    } catch (e) {
      findings.push({ id: 'lock/unparsed', severity: 'note', message: `cannot analyse ${t.path}: ${errorMessage(e)}`, location: { kind: 'file', path: t.path, line: Math.min(...t.added) } });
    }
  }
  return findings;
}

function checkFile(
  t: Touched,
  post: { text: string; complete: boolean } | null,
  pre: { text: string; complete: boolean } | null,
  postCtx: AnalyseContext,
  preCtx: AnalyseContext,
  explainCtx: ExplainContext,
): Finding[] {
  if (!post) return [];
  const findings: Finding[] = [];
  const postHunks = t.diff.hunks.map((h) => ({ start: h.newStart, count: h.newLines, section: h.section }));
  const preHunks = t.diff.hunks.map((h) => ({ start: h.oldStart, count: h.oldLines, section: h.section }));
  const after = analyseImage({ path: t.path, text: post.text, complete: post.complete, lines: [...t.added], hunks: postHunks }, postCtx);
  const before = pre ? analyseImage({ path: t.diff.oldPath ?? t.path, text: pre.text, complete: pre.complete, lines: oldHunkLines(t.diff), hunks: preHunks }, preCtx) : [];
  const beforeByKey = new Map(before.map((f) => [f.key, f]));
  // A problem the pre-image had in any changed function moved with the code: it is not new.
  const movedKeys = new Set(before.flatMap((f) => f.issues.map((i) => i.key)));
  for (const fn of after) {
    const ex: ExplainContext = { ...explainCtx, hunkOnly: fn.hunkOnly || !post.complete };
    const firstAdded = [...t.added].filter((l) => l >= fn.startLine && l <= fn.endLine).sort((a, b) => a - b)[0] ?? fn.startLine;
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
    for (const issue of outermostPerCall(fn.issues)) {
      if (oldKeys.has(issue.key) || movedKeys.has(issue.key) || reported.has(issue.key)) continue;
      reported.add(issue.key);
      const line = anchorLine(issue, fn, t.added);
      const { severity, confidence, basis } = assess(issue, explainCtx.kinds, ex.hunkOnly);
      const related = [];
      if (!issue.lock.entry && issue.lockLine !== line) related.push({ location: { kind: 'file' as const, path: t.path, line: issue.lockLine }, label: `${callName(issue.lock.via)} takes the lock here` });
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
    for (const issue of outermostPerCall(old?.issues ?? [])) {
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

export const lockCheck: Check = {
  id: 'lock',
  description: 'lock-order heuristics on changed C code: reservations, transactions, waits and faults under the page lock, sleeping in atomic context, ABBA orders, leaked locks',
  run: runLockCheck,
};

/** Load the rules once at start-up so an invalid rule file stops the program with file:line: reason. */
export function validateLockRules(extraFiles: string[] = []): void {
  loadRules(extraFiles);
}
