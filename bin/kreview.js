#!/usr/bin/env node
// Starts kreview from the JavaScript compiled into dist/ at install (`npm run build`, run by
// `prepare`), which starts in a fraction of the time tsx needs to transpile the sources. Sources are
// edited only in a git checkout (a developer's, or a deployment that `git pull`s): there, when some .ts
// file under src/ or checks/ changed after the build, or there is no build, the TypeScript sources run
// through tsx, so an edit is never silently ignored. A package installed without git (npm install, a
// tarball) is never edited, and starts dist/ without looking at its sources. KREVIEW_FROM_SOURCES=1
// forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// String paths, not path.join: join costs three times the whole walk while the JIT is cold.
const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

function builtAt() {
  const s = statSync(`${root}/dist/.built`, { throwIfNoEntry: false });
  return s === undefined ? -1 : s.mtimeMs;
}

/** True when some .ts file under dir was changed after t (a few ms for this project's ~200 files). */
function newerThan(dir, t) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (newerThan(p, t)) return true;
    } else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > t) return true;
  }
  return false;
}

function distIsCurrent() {
  if (process.env.KREVIEW_FROM_SOURCES === '1') return false;
  const t = builtAt();
  if (t < 0) return false;
  if (!existsSync(`${root}/.git`)) return true;
  return !newerThan(`${root}/src`, t) && !newerThan(`${root}/checks`, t);
}

if (distIsCurrent()) {
  await import('../dist/src/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
