#!/usr/bin/env node
// The `kreview` command: a thin shell over the pipeline. Usage errors exit 2 with one line.
import { Command, CommanderError } from 'commander';
import { errorMessage } from '../core/errors.js';
import { registerReviewCommand } from './review-command.js';
import { registerExampleCommand } from './example-command.js';
import { registerConventionsCommand } from './conventions-command.js';
import { toolVersion } from './version.js';

/** Integrations load heavy libraries (probot, nodemailer): only when their command runs or help is asked for. */
async function registerIntegrations(program: Command, sub: string | undefined): Promise<void> {
  const all = sub === undefined || sub === 'help' || sub.startsWith('-');
  if (all || sub === 'watch' || sub === 'ingest') (await import('../watch/cli.js')).registerWatchCommands(program);
  if (all || sub === 'serve') (await import('../app/cli.js')).registerServeCommand(program);
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('kreview')
    .description('review Linux-kernel style patch series: Fixes: trailers against real history, lock order in changed C code')
    .version(toolVersion())
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerReviewCommand(program);
  registerExampleCommand(program);
  registerConventionsCommand(program);
  try {
    await registerIntegrations(program, argv[2]);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`kreview: ${errorMessage(e)}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv);
