// kreview's own log lines (the mail daemon, the serve command's mail side). Two formats:
//  - text (the default): `kreview watch: <message>` on stderr, as the CLI has always printed it;
//    people read it in a terminal, cron mail or the journal.
//  - json (`--log-format json`, or KREVIEW_LOG_FORMAT=json): one JSON object a line, for a log
//    collector: time, level, name, msg, and the context of the job the line belongs to (the
//    Message-ID of the series under review, a delivery id), so every line of one job can be found.
// The job's context travels with the async work (AsyncLocalStorage): code deep in a review logs
// as it always did and its lines still carry the Message-ID.
import { AsyncLocalStorage } from 'node:async_hooks';
import { KreviewError } from '../core/types.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogContext = Record<string, string | number | boolean | null>;

export interface Logger {
  debug(msg: string, fields?: LogContext): void;
  info(msg: string, fields?: LogContext): void;
  warn(msg: string, fields?: LogContext): void;
  error(msg: string, fields?: LogContext): void;
  /** The same logger with `ctx` on each of its lines. */
  child(ctx: LogContext): Logger;
}

const jobContext = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `ctx` on every line logged during it, by any logger, however deep. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return jobContext.run({ ...jobContext.getStore(), ...ctx }, fn);
}

/** --log-format, else $KREVIEW_LOG_FORMAT, else text. */
export function logFormatOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): LogFormat {
  const v = option ?? env.KREVIEW_LOG_FORMAT ?? 'text';
  if (v !== 'text' && v !== 'json') throw new KreviewError(`log format ${v}: use text or json`);
  return v;
}

export interface LoggerOptions {
  /** `kreview watch`: the text prefix and the JSON `name`. */
  name: string;
  format: LogFormat;
  /** Default: process.stderr. */
  write?: (line: string) => void;
  now?: () => number;
  /** Lines below this level are dropped (default info). */
  level?: LogLevel;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(o: LoggerOptions, ctx: LogContext = {}): Logger {
  const write = o.write ?? ((line: string) => void process.stderr.write(line));
  const now = o.now ?? Date.now;
  const min = RANK[o.level ?? 'info'];
  const line = (level: LogLevel, msg: string, fields?: LogContext) => {
    if (RANK[level] < min) return;
    if (o.format === 'text') {
      write(`${o.name}: ${msg}\n`);
      return;
    }
    // The message last among the fixed keys, so a job's fields cannot overwrite time, level or msg.
    write(JSON.stringify({ ...jobContext.getStore(), ...ctx, ...fields, time: new Date(now()).toISOString(), level, name: o.name, msg }) + '\n');
  };
  return {
    debug: (m, f) => line('debug', m, f),
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    child: (more) => createLogger(o, { ...ctx, ...more }),
  };
}
