// Lines for whoever runs kreview, not for a patch's author: a lock rule's pattern that reaches
// further than its rule means ("review the pattern") speaks to the rule file's owner. Attached to
// a review, it sat on whichever patch first met the file that showed it (on btrfs-progs, four such
// notes on two commits of 300); it goes to the run's own report instead: stderr for the CLI, the
// log of `kreview watch`, `serve` and `worker` (they set the sink at start-up).

export type OperatorSink = (line: string) => void;

const toStderr: OperatorSink = (line) => void process.stderr.write(`kreview: ${line}\n`);
let sink: OperatorSink = toStderr;

/** One line for the operator (each is said once per process by its maker: see glob-report.ts). */
export function operatorNote(line: string): void {
  sink(line);
}

/** Where operator lines go from now on; gives back a function that restores the previous sink. */
export function setOperatorSink(next: OperatorSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}
