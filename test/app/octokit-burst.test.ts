// probot's own write throttle, reshaped: a quiet installation's first writes go at once, then one a second
// (check runs: writes that notify people, like reviews, keep plugin-throttling's own 3 s spacing).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WRITE_BURST } from '../../src/app/content-queue.js';
import { kreviewOctokit } from '../../src/app/octokit.js';

describe('kreviewOctokit', () => {
  it('lets WRITE_BURST writes through back to back, then spaces them', async () => {
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
      const spacing = 150;
      const Octokit = kreviewOctokit(spacing);
      const gh = new Octokit({ auth: { token: 'test-token' }, baseUrl: url, throttle: { id: 'burst-test' }, retry: { enabled: false } });
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: WRITE_BURST + 2 }, (_, i) => gh.rest.checks.create({ owner: 'o', repo: 'r', name: `c${i}`, head_sha: 'f'.repeat(40) })),
      );
      expect(stamps).toHaveLength(WRITE_BURST + 2);
      expect(stamps[WRITE_BURST - 1] - t0).toBeLessThan(spacing);
      expect(stamps[WRITE_BURST] - t0).toBeGreaterThanOrEqual(spacing - 20);
      expect(stamps[WRITE_BURST + 1] - stamps[WRITE_BURST]).toBeGreaterThanOrEqual(spacing - 20);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
