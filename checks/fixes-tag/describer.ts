// Asks History about commits for one patch and remembers the answers: CommitInfo in batches,
// abbreviations and same-subject lookups only when a finding needs them (most tags need none).
import type { CommitInfo, History } from '../../src/git/history-types.js';
import { makeTarget, type Target } from './cite.js';

export class Describer {
  readonly infos = new Map<string, CommitInfo>();
  private targets = new Map<string, Promise<Target>>();
  private subjects = new Map<string, Promise<CommitInfo[]>>();

  constructor(readonly history: History) {}

  /** Describe many commits with one `commits()` call. */
  async load(oids: Iterable<string>): Promise<void> {
    const want = [...new Set(oids)].filter((o) => !this.infos.has(o));
    if (want.length === 0) return;
    for (const [oid, info] of await this.history.commits(want)) {
      this.infos.set(oid, info);
      this.infos.set(info.oid, info);
    }
  }

  /** The commit as a finding cites it (its abbreviation is asked once). */
  target(info: CommitInfo): Promise<Target> {
    let t = this.targets.get(info.oid);
    if (!t) {
      t = this.history.abbrev(info.oid, 12).then((a) => makeTarget(info, a));
      this.targets.set(info.oid, t);
    }
    return t;
  }

  async cites(infos: CommitInfo[]): Promise<string[]> {
    return (await Promise.all(infos.map((i) => this.target(i)))).map((t) => t.cite);
  }

  /** Commits whose subject is exactly `subject` (from the index), described. */
  bySubject(subject: string): Promise<CommitInfo[]> {
    let p = this.subjects.get(subject);
    if (!p) {
      p = this.history.bySubject(subject).then(async (oids) => {
        await this.load(oids);
        return oids.map((o) => this.infos.get(o)).filter((c): c is CommitInfo => c !== undefined);
      });
      this.subjects.set(subject, p);
    }
    return p;
  }
}
