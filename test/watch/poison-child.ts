// One `kreview watch --once` pass as its own process, with the real review pipeline, except that a
// patch whose subject says POISON kills the process in its review (what an out-of-memory abort
// does). argv: <policy.yml>
import { reviewSeries } from '../../src/review/pipeline.js';
import { Watcher } from '../../src/watch/daemon.js';

const w = new Watcher({
  policyFile: process.argv[2],
  review: async (series, o) => {
    if (series.patches.some((p) => p.subject.includes('POISON'))) process.kill(process.pid, 'SIGKILL');
    return reviewSeries(series, o);
  },
});
const t = await w.tick();
await w.close();
process.stdout.write(JSON.stringify({ reviewed: t.reviewed, quarantined: t.quarantined, sent: t.outbox.sent }));
