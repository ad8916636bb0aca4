// Watcher.run for many polls: the abort signal's listeners stay flat (one per sleep, removed after it).
import { describe, expect, it } from 'vitest';
import { getEventListeners } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watcher } from '../../src/watch/daemon.js';

describe('Watcher.run', () => {
  it('adds no abort listener per poll', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-run-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(policy, 'bot: { address: kreview@bots.example.org }\nstate: state.db\nsink: { type: directory, dir: outbox }\ntiming: { pollSeconds: 0.005 }\n');
    const w = new Watcher({ policyFile: policy, log: () => {} });
    const stop = new AbortController();
    let ticks = 0;
    const tick = w.tick.bind(w);
    w.tick = async () => {
      ticks++;
      return tick();
    };
    const warnings: Error[] = [];
    const onWarning = (e: Error) => warnings.push(e);
    process.on('warning', onWarning);
    const loop = w.run(stop.signal);
    const counts: number[] = [];
    while (ticks < 60) {
      await new Promise((r) => setTimeout(r, 10));
      counts.push(getEventListeners(stop.signal, 'abort').length);
    }
    stop.abort();
    await loop;
    process.off('warning', onWarning);
    await w.close();
    expect(Math.max(...counts)).toBeLessThanOrEqual(1);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    expect(warnings.filter((e) => e.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
