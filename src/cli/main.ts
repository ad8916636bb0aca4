#!/usr/bin/env node
// The `kreview` command: a thin shell over the pipeline. Usage errors exit 2 with one line.
import type { Command } from 'commander';
import { errorMessage } from '../core/errors.js';
import { toolVersion } from './version.js';

/**
 * Commands load heavy libraries (tree-sitter, SQLite, probot, nodemailer): each only when it runs or
 * help is asked for.
 */
async function registerCommands(program: Command, sub: string | undefined): Promise<void> {
  const { registerReviewCommand } = await import('./review-command.js');
  const { registerExampleCommand } = await import('./example-command.js');
  const { registerConventionsCommand } = await import('./conventions-command.js');
  registerReviewCommand(program);
  registerExampleCommand(program);
  registerConventionsCommand(program);
  const all = sub === undefined || sub === 'help' || sub.startsWith('-');
  if (all || sub === 'watch' || sub === 'ingest') (await import('../watch/cli.js')).registerWatchCommands(program);
  if (all || sub === 'serve' || sub === 'worker') (await import('../app/cli.js')).registerServeCommand(program);
}

export async function main(argv: string[]): Promise<number> {
  // A bare `kreview --version` needs no command parser: loading commander is a tenth of the start-up.
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  const { Command, CommanderError } = await import('commander');
  const program = new Command('kreview')
    .description('review Linux-kernel style patch series: Fixes: trailers against real history, lock order in changed C code')
    .version(toolVersion())
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    await registerCommands(program, argv[2]);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`kreview: ${errorMessage(e)}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv);
