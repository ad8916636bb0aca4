// The system programs the integration tests run for real, and the check `npm test` makes before any
// test starts: what is missing is installed by .ci/setup-system.sh when running as root, else the
// run stops at once with one line saying what to run. A test never skips for a missing tool.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface SystemTool {
  /** The Debian package. */
  pkg: string;
  /** The program: a name looked up in PATH, or an absolute path. */
  bin: string;
  /** `bin` is a data file the package installs (read, not run). */
  data?: boolean;
}

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  { pkg: 'public-inbox', bin: 'public-inbox-init' },
  { pkg: 'b4', bin: 'b4' },
  { pkg: 'dovecot-imapd', bin: '/usr/sbin/dovecot' },
  { pkg: 'redis-server', bin: 'redis-server' },
  // The web view's browser tests (test/web/web-browser.test.ts) drive Debian's Chromium.
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  // docs/deploy.md as written (test/ops/deploy-doc.test.ts): unit files, curl and jq lines.
  { pkg: 'systemd', bin: 'systemd-analyze' },
  { pkg: 'curl', bin: 'curl' },
  { pkg: 'jq', bin: 'jq' },
  // A whole real kernel: test/git/route.test.ts reads its MAINTAINERS from the package's tarball.
  { pkg: 'linux-source-6.1', bin: '/usr/src/linux-source-6.1.tar.xz', data: true },
];

export const SETUP_SCRIPT = '.ci/setup-system.sh';

const usable = (file: string, mode = constants.X_OK): boolean => {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
};

export function missingTools(tools: readonly SystemTool[], path = process.env.PATH ?? ''): SystemTool[] {
  const dirs = path.split(delimiter).filter(Boolean);
  return tools.filter((t) => !(t.data ? usable(t.bin, constants.R_OK) : isAbsolute(t.bin) ? usable(t.bin) : dirs.some((d) => usable(join(d, t.bin)))));
}

const names = (ts: SystemTool[]): string => ts.map((t) => `${t.bin} (${t.pkg})`).join(', ');

export interface EnsureOptions {
  tools?: readonly SystemTool[];
  path?: string;
  isRoot?: boolean;
  /** Installs what is missing; default: runs the setup script. */
  install?: () => void;
}

/** Returns when every tool is there (installing them first when root); else throws one line. */
export function ensureSystemTools(o: EnsureOptions = {}): void {
  const tools = o.tools ?? SYSTEM_TOOLS;
  const missing = missingTools(tools, o.path);
  if (!missing.length) return;
  if (!(o.isRoot ?? process.getuid?.() === 0))
    throw new Error(`the tests need ${names(missing)}, not installed: run \`sudo sh ${SETUP_SCRIPT}\` (or: sudo apt-get install -y ${missing.map((t) => t.pkg).join(' ')}), then npm test again`);
  (o.install ?? runSetupScript)();
  const still = missingTools(tools, o.path);
  if (still.length) throw new Error(`${SETUP_SCRIPT} ran, but ${names(still)} is still missing: install it by hand (apt-get install -y ${still.map((t) => t.pkg).join(' ')})`);
}

function runSetupScript(): void {
  const r = spawnSync('sh', [SETUP_SCRIPT], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'inherit', 'inherit'], timeout: 900_000 });
  if (r.status !== 0) throw new Error(`${SETUP_SCRIPT} failed (exit ${r.status ?? r.signal}); see its output above`);
}
