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
      t = this.abbrev(info.oid).then((a) => makeTarget(info, a));
      this.targets.set(info.oid, t);
    }
    return t;
  }

  /** A 12-digit id the repository resolved to exactly this commit is its abbreviation: no question needed. */
  knownAbbrev(info: CommitInfo, id: string): void {
    if (id.length === 12 && info.oid.startsWith(id) && !this.targets.has(info.oid)) this.targets.set(info.oid, Promise.resolve(makeTarget(info, id)));
  }

  /** Ask the abbreviations of many commits in one batch, before the findings that cite them. */
  async prime(infos: CommitInfo[]): Promise<void> {
    const todo = [...new Map(infos.map((i) => [i.oid, i])).values()].filter((i) => !this.targets.has(i.oid));
    if (todo.length === 0) return;
    const answers = this.history.resolve(todo.map((i) => i.oid.slice(0, 12)));
    for (const info of todo) {
      const p = info.oid.slice(0, 12);
      const t = answers.then((m) => {
        const r = m.get(p);
        return r?.status === 'found' && r.oid === info.oid ? p : this.history.abbrev(info.oid, 12);
      });
      this.targets.set(info.oid, t.then((a) => makeTarget(info, a)));
    }
    await answers;
  }

  /** 12 digits when they name only this object (one pipelined question), else History's longer form. */
  private async abbrev(oid: string): Promise<string> {
    const p = oid.slice(0, 12);
    const r = (await this.history.resolve([p])).get(p);
    return r?.status === 'found' && r.oid === oid ? p : this.history.abbrev(oid, 12);
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
