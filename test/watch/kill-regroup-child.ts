// One `kreview watch --once` pass as its own process, with the real review pipeline, except that the
// review of a series whose subject has argv[3] in it SIGKILLs the process, once: only when the marker
// file argv[4] does not exist yet (it is made first). argv: <policy.yml> [<subject words> <marker file>]
import { existsSync, writeFileSync } from 'node:fs';
import { reviewSeries } from '../../src/review/pipeline.js';
import { Watcher } from '../../src/watch/daemon.js';

const [policyFile, words, marker] = process.argv.slice(2);
const w = new Watcher({
  policyFile,
  log: () => {},
  review: async (series, o) => {
    if (words && marker && series.subject.includes(words) && !existsSync(marker)) {
      writeFileSync(marker, '');
      process.kill(process.pid, 'SIGKILL');
    }
    return reviewSeries(series, o);
  },
});
const t = await w.tick();
await w.close();
process.stdout.write(JSON.stringify({ reviewed: t.reviewed, quarantined: t.quarantined, superseded: t.superseded }));
