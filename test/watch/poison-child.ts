// One `kreview watch --once` pass as its own process, with the real review pipeline, except that a
// patch whose subject says POISON kills the process in its review (what an out-of-memory abort
// does). argv: <policy.yml> [kill-once marker file: kill only when it does not exist yet, then make it]
import { existsSync, writeFileSync } from 'node:fs';
import { reviewSeries } from '../../src/review/pipeline.js';
import { Watcher } from '../../src/watch/daemon.js';

const w = new Watcher({
  policyFile: process.argv[2],
  review: async (series, o) => {
    const once = process.argv[3];
    if (series.patches.some((p) => p.subject.includes('POISON')) && !(once && existsSync(once))) {
      if (once) writeFileSync(once, '');
      process.kill(process.pid, 'SIGKILL');
    }
    return reviewSeries(series, o);
  },
});
const t = await w.tick();
await w.close();
process.stdout.write(JSON.stringify({ reviewed: t.reviewed, quarantined: t.quarantined, sent: t.outbox.sent }));
