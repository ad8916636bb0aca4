// One real lock bug, found through the list mail of its fix: where the mail is, what it touches,
// and which lock. The bug is the fix's diff reversed (rebuild.ts).

export interface LockCase {
  /** Short stable name, also the file name under bench/.work/lock-cases. */
  id: string;
  /** The public-inbox archive repository on GitHub, owner/name. */
  archive: string;
  /** The archive commit whose blob `m` is the fix mail (public-inbox v2). */
  commit: string;
  messageId: string;
  subject: string;
  file: string;
  function: string;
  /** The lock class the bug is about (`spinlock`, `rcu`, `page`, `mutex`, `xfs_ilock`, ...). */
  lock: string;
  /** The call that takes it (`spin_lock`, `rcu_read_lock`, ...; `none` for reclaim context). */
  acquire: string;
  /** The bug class: a leaked lock on a path, sleeping under a spinlock, an ABBA order, ... */
  bug: 'unbalanced' | 'sleep-in-atomic' | 'lock-order' | 'wait-under-lock' | 'reclaim-recursion';
  /** Are the lock's acquire and the operation that goes wrong under it both in the bug's hunks of the function? */
  visible: boolean;
  /** Does kreview have a rule for this bug shape with this lock (checks/rules)? */
  modelled: boolean;
  /** Why the lock check misses the real mail today, or `caught`. */
  note: string;
}
