#!/usr/bin/env node
// Starts kreview from the JavaScript compiled into dist/ at install (`npm run build`, run by
// `prepare`), which starts in a fraction of the time tsx needs to transpile the sources. A checkout
// without a build, or one whose sources changed after it, runs the TypeScript sources through tsx, so
// an edit is never silently ignored. KREVIEW_FROM_SOURCES=1 forces the sources.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');

function builtAt() {
  try {
    return statSync(join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return -1;
  }
}

/** True when some .ts file under dir was changed after the build. */
function newerThan(dir, t) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (newerThan(p, t)) return true;
    } else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > t) return true;
  }
  return false;
}

const t = process.env.KREVIEW_FROM_SOURCES === '1' ? -1 : builtAt();
if (t >= 0 && !newerThan(join(root, 'src'), t) && !newerThan(join(root, 'checks'), t)) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
