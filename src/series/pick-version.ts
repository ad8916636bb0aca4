// Which series of a fetched thread to review, as `b4 am` picks by default: the newest version that
// came whole; else the newest version (its missing parts are shown with the review).
import type { Series } from '../core/types.js';

export function pickNewestComplete(series: Series[]): Series | null {
  const newest = (list: Series[]) => (list.length ? list.reduce((a, b) => (b.version > a.version ? b : a)) : null);
  return newest(series.filter((s) => s.complete)) ?? newest(series);
}
