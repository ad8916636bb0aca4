// The kernel lock bench of another revision (the previous release), run in the same session as
// this one so that the ratio compares like with like on a loaded machine: the revision is exported
// with `git archive` into a temporary directory (sharing this checkout's node_modules), and both
// its bench and this tree's bench run as child processes over the same directories.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '../src/git/run-git.js';

export interface BenchFigures {
  label: string;
  functions: number;
  cpu: number;
  wall: number;
  findings: number;
}

/** The figures a kernel-lock-bench run prints, read back from its output. */
function parseFigures(label: string, out: string): BenchFigures {
  const fns = /(\d+) files, (\d+) functions/.exec(out);
  const speed = /speed: ([\d.]+) s wall, ([\d.]+) s cpu/.exec(out);
  const findings = /findings: (\d+) =/.exec(out);
  if (!fns || !speed || !findings) throw new Error(`${label}: no figures in its output (${out.split('\n').slice(0, 3).join(' | ')})`);
  return { label, functions: Number(fns[2]), wall: Number(speed[1]), cpu: Number(speed[2]), findings: Number(findings[1]) };
}

function runBench(label: string, root: string, tree: string, dirs: string[]): BenchFigures {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'kernel-lock-bench.ts'), '--tree', tree, '--dirs', dirs.join(',')], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return parseFigures(label, out);
}

/** `ref` of `repo` exported (git archive) into `into`/rev, sharing the checkout's node_modules: its root. */
export async function exportRevision(repo: string, ref: string, into: string): Promise<string> {
  const tar = join(into, 'rev.tar');
  const r = await runGit(repo, ['archive', '-o', tar, ref]);
  if (r.code !== 0) throw new Error(`git archive ${ref}: ${r.stderr.trim().split('\n')[0]}`);
  const root = join(into, 'rev');
  mkdirSync(root);
  execFileSync('tar', ['-xf', tar, '-C', root]);
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  return root;
}

/** The same, compiled (`npm run build`) for the benches that run its CLI. */
export async function builtRevision(repo: string, ref: string, into: string): Promise<string> {
  const root = await exportRevision(repo, ref, into);
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  return root;
}

/** This tree's bench and `ref`'s, one after the other, on the same directories. */
export async function compareWithBaseline(repo: string, ref: string, tree: string, dirs: string[]): Promise<{ current: BenchFigures; baseline: BenchFigures }> {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-baseline-'));
  try {
    const root = await exportRevision(repo, ref, dir);
    const current = runBench('this tree', repo, tree, dirs);
    const baseline = runBench(ref, root, tree, dirs);
    return { current, baseline };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
