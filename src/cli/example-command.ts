// `kreview example` (what `npm start` runs): build the example history once, then review
// the bundled series against it, exactly as `kreview review --repo` would.
import type { Command } from 'commander';
import { buildExample } from '../example/build.js';
import { addReviewOptions, buildConfig, exitCode, render, runReview, terminalProgress, type ReviewCommandOptions } from './review-command.js';
import { packagePath } from '../core/paths.js';

export const EXAMPLE_SERIES = packagePath('examples', 'fixup-worker.mbox');

export function registerExampleCommand(program: Command): void {
  const cmd = program.command('example').description('review the bundled example series against a small kernel-like history (built once in the cache)');
  addReviewOptions(cmd).action(async (opts: ReviewCommandOptions, command: Command) => {
    const example = await buildExample();
    // The example shows findings; it only fails when asked to.
    const failOn = command.getOptionValueSource('failOn') === 'default' ? 'never' : opts.failOn;
    const config = buildConfig(opts);
    const run = await runReview([EXAMPLE_SERIES], { repo: opts.repo ?? example.dir, base: opts.base }, config, terminalProgress());
    const colour = opts.color !== false && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    if (opts.format === 'text') process.stdout.write(`Reviewing ${EXAMPLE_SERIES}\nagainst the example history in ${example.dir}\n\n`);
    process.stdout.write(await render(run, opts.format, { colour, terse: Boolean(opts.terse) }));
    process.exitCode = exitCode(run, failOn);
  });
}
