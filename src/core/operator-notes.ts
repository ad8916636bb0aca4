// Lines for whoever runs kreview, not for a patch's author: a lock rule's pattern that reaches
// further than its rule means ("review the pattern") speaks to the rule file's owner. Attached to
// a review, it sat on whichever patch first met the file that showed it (on btrfs-progs, four such
// notes on two commits of 300); it goes to the run's own report instead: stderr for the CLI, the
// log of `kreview watch`, `serve` and `worker` (they set the sink at start-up).

export type OperatorSink = (line: string) => void;

const toStderr: OperatorSink = (line) => void process.stderr.write(`kreview: ${line}\n`);
let sink: OperatorSink = toStderr;

/**
 * Lines said here, and lines worker threads sent here: a review on several threads (`kreview
 * review --review-threads`, `kreview watch`'s review threads) has one maker per thread, each of
 * which says its line once (glob-report.ts), so the same line would reach the operator once per
 * thread. Bounded: past the cap they are forgotten, and a line may then be said again.
 */
const said = new Set<string>();
const fromThreads = new Set<string>();
const REMEMBERED = 10_000;

function remember(set: Set<string>, line: string): void {
  if (set.size >= REMEMBERED) set.clear();
  set.add(line);
}

/** One line for the operator (each is said once per process by its maker: see glob-report.ts). */
export function operatorNote(line: string): void {
  if (fromThreads.has(line)) return;
  remember(said, line);
  sink(line);
}

/** A line a worker thread of this process sent (see operatorNotesTo): said once, however many threads send it. */
export function threadOperatorNote(line: string): void {
  if (said.has(line) || fromThreads.has(line)) return;
  remember(fromThreads, line);
  sink(line);
}

/** In a worker thread: operator lines go to the thread that started it, which says each once (threadOperatorNote). */
export function operatorNotesTo(post: (line: string) => void): void {
  sink = post;
}

/** Where operator lines go from now on; gives back a function that restores the previous sink. */
export function setOperatorSink(next: OperatorSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}
