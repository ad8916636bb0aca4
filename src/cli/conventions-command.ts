// `kreview conventions --repo R`: what kreview learned from the repository's history about its
// Fixes: conventions (with counts), and the rules the Fixes: check applies there as a result.
import type { Command } from 'commander';
import { fixesRules, describeConventions } from '../git/conventions.js';
import { openHistory } from '../git/history.js';
import { buildConfig, terminalProgress } from './review-command.js';

interface ConventionsOptions {
  repo: string;
  config?: string;
  json?: boolean;
}

export function registerConventionsCommand(program: Command): void {
  program
    .command('conventions')
    .description("print what the repository's history says about its Fixes: conventions, and the rules kreview applies there")
    .requiredOption('--repo <dir>', 'git repository')
    .option('--config <file>', 'YAML settings: fixes.placement, fixes.stableAddress, ... pin what would be learned')
    .option('--json', 'the counts and rules as JSON')
    .action(async (opts: ConventionsOptions) => {
      const config = buildConfig(opts);
      const progress = terminalProgress();
      const history = await openHistory(opts.repo, { progress });
      try {
        if (progress) process.stderr.write('\r\x1b[K');
        const learned = await history.conventions();
        const rules = fixesRules(config.fixes, learned);
        process.stdout.write(opts.json ? `${JSON.stringify({ learned, rules }, null, 2)}\n` : describeConventions(learned, rules));
      } finally {
        await history.close();
      }
    });
}
