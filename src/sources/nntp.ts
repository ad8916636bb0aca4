// Follows one list over NNTP, as lore offers every list (nntp.lore.kernel.org, one group per list).
// The cursor is the last article number handed over; each poll connects, reads what is newer in
// batches and closes, so a dropped connection costs nothing but the next poll. A first run starts at
// the newest article (or at a configured date), never at the beginning of the archive.
import { KreviewError } from '../core/types.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import type { CursorStore } from '../state/cursors.js';
import type { BatchHandler, RawMessage, WatchSource } from '../watch/raw-message.js';
import { NntpClient, type NntpEndpoint } from './nntp-client.js';

export interface NntpSourceConfig extends NntpEndpoint {
  name: string;
  group: string;
  /** First run only: start with the articles of this date and later (ISO 8601); default: only new ones. */
  since: string | null;
}

const BATCH = 200;
/** How many overview lines a first run with `since` reads per step, going back from the newest. */
const OVER_STEP = 1000;

export class NntpSource implements WatchSource {
  readonly name: string;
  maxArticleBytes = DEFAULT_LIMITS.messageBytes;

  constructor(
    private readonly c: NntpSourceConfig,
    private readonly cursors: CursorStore,
    private readonly warn: (msg: string) => void = () => {},
  ) {
    this.name = c.name;
  }

  private get key(): string {
    return `nntp:${this.c.host}:${this.c.port}:${this.c.group}`;
  }

  async poll(handle: BatchHandler): Promise<number> {
    const client = await NntpClient.open(this.c);
    try {
      const g = await client.group(this.c.group);
      const saved = this.cursors.get(this.key);
      let last: number;
      if (saved === null) {
        last = this.c.since ? (await this.firstSince(client, g.low, g.high, Date.parse(this.c.since))) - 1 : g.high;
        this.cursors.set(this.key, String(last));
        if (last >= g.high) return 0;
      } else {
        last = Number(saved);
        if (last > g.high) {
          this.warn(`${this.name}: the group ${this.c.group} now ends at article ${g.high}, before kreview's cursor ${last}; waiting for newer articles`);
          return 0;
        }
      }
      let n = 0;
      for (let from = Math.max(last + 1, g.low); from <= g.high; from += BATCH) {
        const to = Math.min(from + BATCH - 1, g.high);
        const batch: RawMessage[] = [];
        for (let num = from; num <= to; num++) {
          const raw = await this.article(client, num);
          if (raw) batch.push({ raw, origin: `${this.name} ${this.c.group}:${num}`, source: this.name });
        }
        if (batch.length) await handle(batch);
        // Only after the batch is stored: a crash before this reads it again (deduplicated by Message-ID).
        this.cursors.set(this.key, String(to));
        n += batch.length;
      }
      return n;
    } finally {
      client.close();
    }
  }

  /** One article's bytes; null (with a warning where it matters) when it is gone or too large. */
  private async article(client: NntpClient, num: number): Promise<Buffer | null> {
    const r = await client.command(`ARTICLE ${num}`);
    if (r.code === 423 || r.code === 430) return null; // expired or never assigned: nothing to read
    if (r.code !== 220) throw new KreviewError(`${this.name}: ARTICLE ${num}: ${r.code} ${r.text}`);
    const raw = await client.block(this.maxArticleBytes);
    if (!raw) this.warn(`${this.name}: article ${num} of ${this.c.group} is larger than ${this.maxArticleBytes} bytes; skipped`);
    return raw;
  }

  /** The number of the first article dated at or after `since` (high + 1 when there is none). */
  private async firstSince(client: NntpClient, low: number, high: number, since: number): Promise<number> {
    if (Number.isNaN(since)) throw new KreviewError(`${this.name}: since: not a date`);
    let first = high + 1;
    for (let to = high; to >= low; to -= OVER_STEP) {
      const from = Math.max(low, to - OVER_STEP + 1);
      const r = await client.command(`OVER ${from}-${to}`);
      if (r.code === 423) continue;
      if (r.code !== 224) throw new KreviewError(`${this.name}: OVER ${from}-${to}: ${r.code} ${r.text}`);
      const lines = (await client.block(64 << 20))?.toString('utf8').split('\n').filter(Boolean) ?? [];
      let older = false;
      for (const line of lines.reverse()) {
        const [num, , , date] = line.split('\t');
        const t = Date.parse(date ?? '');
        if (!Number.isNaN(t) && t < since) {
          older = true;
          break;
        }
        first = Number(num);
      }
      if (older) break;
    }
    return first;
  }

  async close(): Promise<void> {}
}
