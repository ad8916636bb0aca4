// What a worker thread of kreview evaluates to start (new Worker(script, { eval: true })): the
// compiled module as it is; the TypeScript sources (tsx: tests, a checkout run from its sources)
// through tsx's loader registered inside the thread, which a thread does not inherit from its parent.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The start script of module `name` (no extension) beside the module whose import.meta.url is `from`. */
export function threadScript(from: string, name: string): string {
  const entry = new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from).href;
  // The ESM build of tsx's API (require.resolve names its CommonJS twin beside it).
  const tsx = entry.endsWith('.ts') ? pathToFileURL(createRequire(from).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href : null;
  return tsx ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });` : `import(${JSON.stringify(entry)});`;
}
