// probot's Octokit as kreview builds it leaves the pacing of writes to the per-installation
// ContentQueue: plugin-throttling's own write and notification queues (one for all installations,
// 1 s and 3 s apart) would hold one installation's check runs behind another's reviews.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { kreviewOctokit } from '../../src/app/octokit.js';

describe('kreviewOctokit', () => {
  it('sends check-run writes and review posts without plugin-throttling spacing them', async () => {
    const stamps: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method !== 'GET') stamps.push(Date.now());
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const Octokit = kreviewOctokit();
      const gh = new Octokit({ auth: { token: 'test-token' }, baseUrl: url, retry: { enabled: false } });
      const t0 = Date.now();
      await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => gh.rest.checks.create({ owner: 'o', repo: 'r', name: `c${i}`, head_sha: 'f'.repeat(40) })),
        ...Array.from({ length: 3 }, () => gh.rest.pulls.createReview({ owner: 'o', repo: 'r', pull_number: 1, event: 'COMMENT', body: 'x' })),
      ]);
      expect(stamps).toHaveLength(7);
      // Spaced by the plugin, the three reviews alone took 6 s (3 s apart); here all go at once (loaded machine: a margin).
      expect(Math.max(...stamps) - t0).toBeLessThan(4000);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
