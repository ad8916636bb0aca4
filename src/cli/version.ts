// The version printed by --version and written into JSON and SARIF reports.
import { readFileSync } from 'node:fs';
import { packagePath } from '../core/paths.js';

let cached: string | null = null;

export function toolVersion(): string {
  cached ??= (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
