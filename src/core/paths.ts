// Where kreview's own files (templates, rules, examples, package.json) are, whether it runs from the
// TypeScript sources or from the JavaScript compiled into dist/ at install.
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`kreview: cannot find its package directory above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The directory holding kreview's package.json, templates/, checks/rules/ and examples/. */
export const PACKAGE_ROOT = findRoot();

/** A path inside kreview's package directory. */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);

/**
 * A path as output shows it: one of kreview's own files relative to its package (`checks/rules/
 * atomic.yml`), so reviews do not depend on, or tell, where kreview is installed; any other as given.
 */
export const shownPath = (file: string): string => (file.startsWith(PACKAGE_ROOT + sep) ? relative(PACKAGE_ROOT, file) : file);
