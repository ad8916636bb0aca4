// The version printed by --version and written into JSON and SARIF reports.
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function toolVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
