// `kreview serve`: runs the GitHub App with probot's server, configured the way probot
// documents (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, WEBHOOK_PROXY_URL, PORT).
import type { Command } from 'commander';
import { KreviewError } from '../core/types.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the kreview GitHub App (probot): reviews pull requests with a check run and inline comments')
    .option('--port <n>', 'port to listen on (default: $PORT or 3000)')
    .option('--host <addr>', 'address to listen on (default: $HOST or localhost)')
    .option('--cache <dir>', 'clones, state and indexes (default: $KREVIEW_CACHE or ~/.cache/kreview)')
    .option('--clone-max-mb <n>', 'largest repository cloned on first contact; bigger ones are reviewed from the API (0: no limit)')
    .action(async (o: { port?: string; host?: string; cache?: string; cloneMaxMb?: string }) => {
      const env = { ...process.env };
      if (o.port !== undefined) {
        if (!/^\d{1,5}$/.test(o.port) || Number(o.port) > 65535) throw new KreviewError(`--port ${o.port}: not a port number`);
        env.PORT = o.port;
      }
      if (o.host !== undefined) env.HOST = o.host;
      if (o.cache !== undefined) process.env.KREVIEW_CACHE = o.cache;
      if (o.cloneMaxMb !== undefined) {
        if (!/^\d+$/.test(o.cloneMaxMb)) throw new KreviewError(`--clone-max-mb ${o.cloneMaxMb}: not a whole number`);
        process.env.KREVIEW_CLONE_MAX_MB = o.cloneMaxMb;
      }
      // Rule files ship with kreview: a broken one stops the server at start-up with its file and line.
      (await import('../../checks/lock/index.js')).validateLockRules();
      // Loaded here, not at the top: `kreview review` never pays for probot.
      const [{ run }, { createKreviewApp }] = await Promise.all([import('probot'), import('./index.js')]);
      // Without APP_ID and a key, probot serves its setup page, which registers the app from app.yml.
      // probot's Octokit keeps its throttling (primary limits on reads, spacing per event); the
      // ContentQueue adds spacing across events and Retry-After on the calls that create content.
      await run(createKreviewApp(), { env });
    });
}
