#!/usr/bin/env node
// The `kreview` command: a thin shell over the pipeline. Usage errors exit 2 with one line.
import type { Command } from 'commander';
import { errorMessage } from '../core/errors.js';
import { raiseTierUpBudget } from '../core/tier-up.js';
import { toolVersion } from './version.js';

/** Each command's module, by the names it registers. */
const COMMANDS: { names: string[]; register: (program: Command) => Promise<void> }[] = [
  { names: ['review'], register: async (p) => (await import('./review-command.js')).registerReviewCommand(p) },
  { names: ['example'], register: async (p) => (await import('./example-command.js')).registerExampleCommand(p) },
  { names: ['conventions'], register: async (p) => (await import('./conventions-command.js')).registerConventionsCommand(p) },
  { names: ['watch', 'ingest'], register: async (p) => (await import('../watch/cli.js')).registerWatchCommands(p) },
  { names: ['serve', 'worker'], register: async (p) => (await import('../app/cli.js')).registerServeCommand(p) },
];

/**
 * Commands load heavy libraries (tree-sitter, SQLite, probot, nodemailer) and many modules: only the
 * one named is loaded; all of them for help, or a name commander must say is unknown.
 */
async function registerCommands(program: Command, sub: string | undefined): Promise<void> {
  const named = COMMANDS.find((c) => sub !== undefined && c.names.includes(sub));
  for (const c of named ? [named] : COMMANDS) await c.register(program);
}

export async function main(argv: string[]): Promise<number> {
  // Before any command's code runs: only what stays hot is optimized (src/core/tier-up.ts).
  raiseTierUpBudget();
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
