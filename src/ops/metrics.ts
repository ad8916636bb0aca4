// The Prometheus metrics of one process (`kreview serve`, `kreview watch`, a worker): every metric
// lives in this object's own registry, never prom-client's global one, so two servers in one test
// process (or one test after another) never see each other's counts.
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** One registry's metrics as JSON, as another process sends them. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Where a review came from: a pull request (serve) or a mailed series (watch). */
export type JobSource = 'github' | 'mail';

/** A job's wall time runs from seconds (a small series) to many minutes (a first kernel clone). */
const JOB_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export class Metrics {
  readonly registry = new Registry();
  /** Reviews finished, by how: reviewed, failed, quarantined, already-reviewed, draft. */
  readonly reviews = new Counter({ name: 'kreview_reviews_total', help: 'Reviews finished, by source and result', labelNames: ['source', 'result'] as const, registers: [this.registry] });
  readonly findings = new Counter({ name: 'kreview_findings_total', help: 'Findings reported, by source and finding id', labelNames: ['source', 'id'] as const, registers: [this.registry] });
  readonly jobSeconds = new Histogram({
    name: 'kreview_job_duration_seconds',
    help: 'Wall time of one job (a pull request review from its webhook, a series review), by source',
    labelNames: ['source'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  readonly apiCalls = new Counter({ name: 'kreview_github_api_calls_total', help: 'GitHub API requests made, by method and status', labelNames: ['method', 'status'] as const, registers: [this.registry] });
  readonly rateLimitWaits = new Counter({ name: 'kreview_rate_limit_waits_total', help: 'Times a rate limit made kreview wait, by which limit', labelNames: ['limit'] as const, registers: [this.registry] });
  readonly rateLimitWaitSeconds = new Counter({ name: 'kreview_rate_limit_wait_seconds_total', help: 'Time spent waiting out rate limits', labelNames: ['limit'] as const, registers: [this.registry] });
  readonly mailsSent = new Counter({ name: 'kreview_mails_sent_total', help: 'Review mails handed to the sink (SMTP or directory), by source', labelNames: ['source'] as const, registers: [this.registry] });
  readonly errors = new Counter({ name: 'kreview_errors_total', help: 'Errors logged, by where they happened', labelNames: ['where'] as const, registers: [this.registry] });
  readonly webhooks = new Counter({ name: 'kreview_webhooks_total', help: 'Webhook deliveries answered, by event and HTTP status', labelNames: ['event', 'status'] as const, registers: [this.registry] });
  readonly ticks = new Counter({ name: 'kreview_watch_ticks_total', help: 'Passes of the mail daemon over its sources, reviews and outbox, by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly lastTick = new Gauge({ name: 'kreview_watch_last_tick_timestamp_seconds', help: 'When the mail daemon last finished a pass (Unix time)', registers: [this.registry] });
  /** Read at each scrape from whoever holds the queue (see queueDepthFrom). */
  readonly queueDepth: Gauge<'queue'>;
  private readonly depthSources = new Map<string, () => number | Promise<number>>();
  /** Other processes whose counts this one reports as its own (the worker `kreview serve` starts). */
  private readonly remotes = new Set<() => Promise<MetricsJson | null>>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    const sources = this.depthSources;
    this.queueDepth = new Gauge({
      name: 'kreview_queue_depth',
      help: 'Jobs waiting or running, by queue',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      // Asked at each scrape, all at once (a Redis queue answers over the network).
      async collect() {
        const depths = await Promise.all([...sources].map(async ([queue, depth]) => [queue, await depth()] as const));
        this.reset();
        for (const [queue, depth] of depths) this.set({ queue }, depth);
      },
    });
    // CPU, memory, event-loop lag and open file descriptors of this process, in this registry.
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'kreview_' });
  }

  /** Reports a queue's depth as `depth()` returns it at each scrape (a count in the state, a queue's size). */
  queueDepthFrom(queue: string, depth: () => number | Promise<number>): void {
    this.depthSources.set(queue, depth);
  }

  /** The queue's holder is gone (closed): its depth is no longer reported. */
  dropQueueDepth(queue: string): void {
    this.depthSources.delete(queue);
  }

  /** Counts a review's findings by their id (`fixes/unknown-sha`, `lock/reserve-under-page-lock`). */
  countFindings(source: JobSource, ids: Iterable<string>): void {
    for (const id of ids) this.findings.inc({ source, id });
  }

  /** A rate limit waited out: `seconds` of it. */
  rateLimited(limit: string, seconds: number): void {
    this.rateLimitWaits.inc({ limit });
    if (seconds > 0) this.rateLimitWaitSeconds.inc({ limit }, seconds);
  }

  /**
   * Adds another process's counts to this one's scrape: `kreview serve` reviews in a worker process
   * of its own, and one scrape of serve should show the reviews, findings and API calls of both.
   * `ask` resolves null when that process cannot answer (restarting); its counts are then left out.
   */
  addRemote(ask: () => Promise<MetricsJson | null>): void {
    this.remotes.add(ask);
  }

  /** The text Prometheus scrapes: this registry's, summed with the remotes' (prom-client's own aggregation). */
  async text(): Promise<string> {
    if (!this.remotes.size) return this.registry.metrics();
    const own = (await this.registry.getMetricsAsJSON()) as MetricsJson;
    const others = (await Promise.all([...this.remotes].map((ask) => ask()))).filter((m): m is MetricsJson => m !== null);
    return AggregatorRegistry.aggregate([own, ...others]).metrics();
  }
}
