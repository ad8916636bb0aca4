// The YAML parser, loaded when a YAML file is first read: loading it costs about 70 ms of CPU, and
// a review whose rules come from the cache and that has no --config reads none.
import { createRequire } from 'node:module';

let lib: typeof import('yaml') | null = null;

export function yaml(): typeof import('yaml') {
  lib ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return lib;
}
